import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Element } from '@xmpp/xml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postNotice } from '../../cli/post.js';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.js';
import { createDocumentClient, createSqsClient } from '../../shared/aws/clients.js';
import { makeFrame, type Notice } from '../../shared/frames.js';
import { SqsFrameSender } from '../../shared/queue.js';
import { defaultSiteSettings } from '../../shared/site-settings.js';
import { DynamoStore } from '../../shared/store/dynamo-store.js';
import { eventually } from '../helpers/eventually.js';
import { connectUser, type ReceivedChat, type XmppUser } from '../helpers/xmpp-user.js';

// The firehose on real parts: fauxqs, dynalite, Prosody, the handlers in the local harness and
// the relay as its own process. carol does not follow bob, so a notice by bob reaches her only
// through the firehose. The stack's handlers cache site settings for 1 s
// (SITE_SETTINGS_TTL_SECONDS), so a listener added in the store is served without a restart.
let dataDir: string;
let stack: LocalStack;
let sqs: SQSClient;
let db: DynamoDBDocumentClient;
let store: DynamoStore;
let carol: XmppUser;
let alice: XmppUser;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'noticeflow-firehose-'));
  stack = await startLocalStack({
    dataDir,
    ports: { sqs: 0, dynamo: 0, c2s: 0, component: 0 },
    relay: 'process',
    logLevel: 'SILENT',
  });
  sqs = createSqsClient(stack.endpoints);
  db = createDocumentClient(stack.endpoints);
  store = new DynamoStore(db, stack.info.tableName);
  const connect = (nickname: 'alice' | 'carol') =>
    connectUser({
      service: stack.info.xmpp.service,
      domain: stack.info.xmpp.domain,
      username: nickname,
      password: stack.info.accounts[nickname]?.password ?? '',
    });
  carol = await connect('carol');
  alice = await connect('alice');
}, 90_000);

afterAll(async () => {
  await carol?.stop();
  await alice?.stop();
  sqs?.destroy();
  db?.destroy();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const carolJid = () => stack.info.accounts.carol?.jid ?? '';

function postPublic(nickname: string, text: string): Promise<string> {
  return postNotice({ store, sender: new SqsFrameSender(sqs, stack.queueUrls) }, 'local', nickname, text);
}

/** Enqueues a notice frame as any producer could, for the scopes the CLI does not post. */
async function postFrame(overrides: Partial<Notice> & Pick<Notice, 'text'>): Promise<string> {
  const id = await store.nextNoticeId('local');
  const notice: Notice = {
    id,
    author: { id: '2', nickname: 'bob' },
    createdAt: new Date().toISOString(),
    source: 'api',
    scope: 'public',
    local: true,
    ...overrides,
  };
  await new SqsFrameSender(sqs, stack.queueUrls).send('notices', [
    makeFrame('notice', 'local', `notice-${id}`, { notice }),
  ]);
  return id;
}

async function setFirehose(listeners: string[]): Promise<void> {
  const current = (await store.getSiteSettings('local')) ?? defaultSiteSettings('local');
  await store.putSiteSettings('local', { ...current, firehose: listeners });
}

/** Nothing left on im-firehose, visible or in flight: every notice so far has been handled. */
function firehoseQueueDrained(): Promise<boolean> {
  return eventually(
    async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.queueUrls['im-firehose'],
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(Attributes?.ApproximateNumberOfMessages) === 0 &&
        Number(Attributes?.ApproximateNumberOfMessagesNotVisible) === 0
      );
    },
    { timeoutMs: 10_000, what: 'im-firehose to be drained' },
  );
}

/**
 * A settings change shows once the handler's cached settings expire (1 s here): posts public
 * notices by bob, as a site's notices keep coming, until one reaches carol; returns it.
 */
async function firehoseServes(text: string): Promise<ReceivedChat> {
  const posted: string[] = [];
  return eventually(
    async () => {
      const got = carol.received.find((m) => posted.some((id) => m.body.endsWith(`[${id}]`)));
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
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.queueUrls[queue],
          AttributeNames: ['MaximumMessageSize'],
        }),
      );
      expect(Attributes?.MaximumMessageSize).toBe('1048576');
    }
  });

  it('serves a listener added in the site settings while the stack runs, with the exact stanza', async () => {
    // Before: no listeners. The handler has read (and cached) the empty list.
    const before = await postPublic('bob', 'before the listener');
    await alice.waitForBody((body) => body === `bob: before the listener [${before}]`);
    await firehoseQueueDrained();

    await setFirehose([carolJid()]);
    const text = 'for the firehose & <friends> "quoted" 🙂';
    const received = await firehoseServes(text);
    const id = /\[(\d+)\]$/.exec(received.body)?.[1] ?? '';
    expect(received.body).toBe(`bob: ${text} [${id}]`);
    expect(received.type).toBe('chat');
    expect(received.from).toBe(`${stack.info.bot.jid}/noticeflow`);
    // Addressed to the bare JID (the server picks the resource), never to a resource.
    expect(received.stanza.attrs.to).toBe(carolJid());
    expect(received.stanza.attrs.id).toMatch(new RegExp(`^local\\.notice-${id}-`));
    // XEP-0071 twin with the author and the notice linked, and the Atom entry for machines.
    const xhtml = received.stanza.getChild('html', 'http://jabber.org/protocol/xhtml-im');
    const links = (xhtml?.getChild('body')?.children ?? []).filter(
      (child): child is Element => typeof child !== 'string' && child.name === 'a',
    );
    expect(links.map((a) => [a.attrs.href, a.getText()])).toEqual([
      ['http://localhost:8080/bob', 'bob'],
      [`http://localhost:8080/notice/${id}`, `[${id}]`],
    ]);
    const entry = received.stanza.getChild('entry', 'http://www.w3.org/2005/Atom');
    expect(entry?.getChildText('id')).toBe(`http://localhost:8080/notice/${id}`);
    expect(entry?.getChildText('content')).toBe(text);
    expect(entry?.getChild('author')?.getChildText('name')).toBe('bob');
    // Exactly one copy, and nothing from before she was a listener.
    expect(carol.received.filter((m) => m.body.endsWith(`[${id}]`))).toHaveLength(1);
    expect(carol.received.some((m) => m.body.endsWith(`[${before}]`))).toBe(false);
  });

  it('never carries a private notice or a notice from another site', async () => {
    await setFirehose([carolJid()]);
    await firehoseServes('the firehose is on');
    const privateId = await postFrame({ text: 'just for my followers', scope: 'private' });
    const remoteId = await postFrame({
      text: 'from elsewhere',
      author: { id: 'remote-9', nickname: 'dave' },
      local: false,
    });
    // The control notice is posted last; once it arrived, the earlier ones were handled.
    const control = await postPublic('bob', 'control');
    await carol.waitForBody((body) => body === `bob: control [${control}]`, 5_000);
    await firehoseQueueDrained();
    expect(carol.received.some((m) => m.body.endsWith(`[${privateId}]`))).toBe(false);
    expect(carol.received.some((m) => m.body.endsWith(`[${remoteId}]`))).toBe(false);
    expect(await store.getNotice('local', privateId)).toMatchObject({ scope: 'private' });
    expect(await store.getNotice('local', remoteId)).toMatchObject({ local: false });
  });
});
