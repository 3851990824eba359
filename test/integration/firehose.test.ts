import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { Notice } from '../../shared/frames.js';
import { defaultSiteSettings } from '../../shared/site-settings.js';
import { eventually } from '../helpers/eventually.js';
import { useLocalStack } from '../helpers/stack-session.js';
import { type ReceivedChat, xhtmlLinks } from '../helpers/xmpp-user.js';

// The firehose on real parts: fauxqs, dynalite, Prosody, the handlers in the local harness and
// the relay as its own process. carol does not follow bob, so a notice by bob reaches her only
// through the firehose. The stack's handlers cache site settings for 1 s
// (SITE_SETTINGS_TTL_SECONDS), so a listener added in the store is served without a restart.
const local = useLocalStack({ name: 'firehose', users: ['carol', 'alice'] });
const { user, jid, post: postPublic } = local;

/** Enqueues a notice frame as any producer could, for the scopes the CLI does not post. */
const postFrame = (overrides: Partial<Notice> & Pick<Notice, 'text'>) =>
  local.enqueueNotice({ author: { id: '2', nickname: 'bob' }, source: 'api', ...overrides });

async function setFirehose(listeners: string[]): Promise<void> {
  const current = (await local.store.getSiteSettings('local')) ?? defaultSiteSettings('local');
  await local.store.putSiteSettings('local', { ...current, firehose: listeners });
}

/** Nothing left on im-firehose, visible or in flight: every notice so far has been handled. */
const firehoseQueueDrained = () => local.drained('im-firehose', 10_000);

/**
 * A settings change shows once the handler's cached settings expire (1 s here): posts public
 * notices by bob, as a site's notices keep coming, until one reaches carol; returns it.
 */
async function firehoseServes(text: string): Promise<ReceivedChat> {
  const posted: string[] = [];
  return eventually(
    async () => {
      const got = user('carol').received.find((m) => posted.some((id) => m.body.endsWith(`[${id}]`)));
      if (got) return got;
      posted.push(await postPublic('bob', text));
      return undefined;
    },
    { timeoutMs: 8_000, intervalMs: 400, what: 'carol to receive a notice through the firehose' },
  );
}

describe('the firehose', () => {
  it('creates the output lanes with 1 MiB messages', async () => {
    for (const queue of ['xmpp-out', 'xmpp-out-priority'] as const) {
      const { Attributes } = await local.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: local.stack.queueUrls[queue],
          AttributeNames: ['MaximumMessageSize'],
        }),
      );
      expect(Attributes?.MaximumMessageSize).toBe('1048576');
    }
  });

  it('serves a listener added in the site settings while the stack runs, with the exact stanza', async () => {
    // Before: no listeners. The handler has read (and cached) the empty list.
    const before = await postPublic('bob', 'before the listener');
    await user('alice').waitForBody((body) => body === `bob: before the listener [${before}]`);
    await firehoseQueueDrained();

    await setFirehose([jid('carol')]);
    const text = 'for the firehose & <friends> "quoted" 🙂';
    const received = await firehoseServes(text);
    const id = /\[(\d+)\]$/.exec(received.body)?.[1] ?? '';
    expect(received.body).toBe(`bob: ${text} [${id}]`);
    expect(received.type).toBe('chat');
    expect(received.from).toBe(`${local.stack.info.bot.jid}/noticeflow`);
    // Addressed to the bare JID (the server picks the resource), never to a resource.
    expect(received.stanza.attrs.to).toBe(jid('carol'));
    expect(received.stanza.attrs.id).toMatch(new RegExp(`^local\\.notice-${id}-`));
    // XEP-0071 twin with the author and the notice linked, and the Atom entry for machines.
    const links = xhtmlLinks(received.stanza);
    expect(links).toEqual([
      ['http://localhost:8080/bob', 'bob'],
      [`http://localhost:8080/notice/${id}`, `[${id}]`],
    ]);
    const entry = received.stanza.getChild('entry', 'http://www.w3.org/2005/Atom');
    expect(entry?.getChildText('id')).toBe(`http://localhost:8080/notice/${id}`);
    expect(entry?.getChildText('content')).toBe(text);
    expect(entry?.getChild('author')?.getChildText('name')).toBe('bob');
    // Exactly one copy, and nothing from before she was a listener.
    expect(user('carol').received.filter((m) => m.body.endsWith(`[${id}]`))).toHaveLength(1);
    expect(user('carol').received.some((m) => m.body.endsWith(`[${before}]`))).toBe(false);
  });

  it('never carries a private notice or a notice from another site', async () => {
    await setFirehose([jid('carol')]);
    await firehoseServes('the firehose is on');
    const privateId = await postFrame({ text: 'just for my followers', scope: 'private' });
    const remoteId = await postFrame({
      text: 'from elsewhere',
      author: { id: 'remote-9', nickname: 'dave' },
      local: false,
    });
    // The control notice is posted last; once it arrived, the earlier ones were handled.
    const control = await postPublic('bob', 'control');
    await user('carol').waitForBody((body) => body === `bob: control [${control}]`, 5_000);
    await firehoseQueueDrained();
    expect(user('carol').received.some((m) => m.body.endsWith(`[${privateId}]`))).toBe(false);
    expect(user('carol').received.some((m) => m.body.endsWith(`[${remoteId}]`))).toBe(false);
    expect(await local.store.getNotice('local', privateId)).toMatchObject({ scope: 'private' });
    expect(await local.store.getNotice('local', remoteId)).toMatchObject({ local: false });
  });
});
