import { describe, expect, it } from 'vitest';
import type { Notice } from '../../shared/frames.js';
import { useLocalStack } from '../helpers/stack-session.js';
import { type ReceivedChat, xhtmlLinks } from '../helpers/xmpp-user.js';

// Who gets an IM copy, and what it looks like, on real parts: fauxqs, dynalite, Prosody, the
// handlers in the local harness and the relay as its own process. The demo: bob and carol
// follow alice, alice follows bob (ids 1, 2, 3).
const ID = { alice: '1', bob: '2', carol: '3' } as const;
type Nick = keyof typeof ID;

const local = useLocalStack({ name: 'delivery', users: Object.keys(ID) });
const { user, jid } = local;

/** Enqueues a notice frame on `notices`, as a site does; returns its id. */
const post = (author: Nick, text: string, extra: Partial<Notice> = {}) =>
  local.enqueueNotice({ author: { id: ID[author], nickname: author }, text, ...extra });

function copiesOf(nickname: Nick, id: string): ReceivedChat[] {
  return user(nickname).received.filter((m) => m.body.endsWith(`[${id}]`));
}

/**
 * Posts a control notice by alice after the notices under test; bob follows alice, so once
 * bob has it, everything queued before it on the same lane has been delivered too.
 */
async function settled(): Promise<void> {
  const control = await post('alice', 'control');
  await user('bob').waitForBody((body) => body === `alice: control [${control}]`);
}

describe('delivery', () => {
  it('gives a follower who is also mentioned and a group member exactly one copy, exactly rendered', async () => {
    await local.store.createGroup({ site: 'local', id: 'g-cats', nickname: 'cats' });
    for (const member of ['1', '2', '3']) await local.store.joinGroup('local', 'g-cats', member);
    const text = 'tea & <cake> with @carol at !cats, "now" 🍰 https://example.org/?a=1&b=2';
    const id = await post('alice', text);
    const received = await user('carol').waitForBody((body) => body.endsWith(`[${id}]`));
    await user('bob').waitForBody((body) => body.endsWith(`[${id}]`));
    await settled();

    expect(received.body).toBe(`alice: ${text} [${id}]`);
    expect(received.type).toBe('chat');
    expect(received.from).toBe(`${local.stack.info.bot.jid}/noticeflow`);
    expect(received.stanza.attrs.to).toBe(jid('carol'));
    expect(received.stanza.attrs.id).toMatch(new RegExp(`^local\\.notice-${id}-`));
    const links = xhtmlLinks(received.stanza);
    expect(links).toContainEqual(['http://localhost:8080/alice', 'alice']);
    expect(links).toContainEqual([`http://localhost:8080/notice/${id}`, `[${id}]`]);
    const entry = received.stanza.getChild('entry', 'http://www.w3.org/2005/Atom');
    expect(entry?.getChildText('content')).toBe(text);
    expect(entry?.getChild('author')?.getChildText('name')).toBe('alice');

    expect(copiesOf('carol', id)).toHaveLength(1);
    expect(copiesOf('bob', id)).toHaveLength(1);
    // No echo of her own notice: alice's echo preference is off.
    expect(copiesOf('alice', id)).toHaveLength(0);
    // Each copy has its own stable id.
    expect(copiesOf('bob', id)[0]?.stanza.attrs.id).not.toBe(received.stanza.attrs.id);
  });

  it('renders a reply as "nick => parent: text [id]", linked to the notice replied to', async () => {
    const parent = await post('alice', 'what is for lunch?');
    await user('bob').waitForBody((body) => body.endsWith(`[${parent}]`));
    const reply = await post('bob', '@alice soup', {
      inReplyTo: { id: parent, author: { id: ID.alice, nickname: 'alice' } },
    });
    const received = await user('alice').waitForBody((body) => body.endsWith(`[${reply}]`));
    expect(received.body).toBe(`bob => alice: @alice soup [${reply}]`);
    const entry = received.stanza.getChild('entry', 'http://www.w3.org/2005/Atom');
    expect(entry?.getChild('in-reply-to', 'http://purl.org/syndication/thread/1.0')?.attrs.ref).toBe(
      `http://localhost:8080/notice/${parent}`,
    );
  });

  it('sends nothing to a user who blocks the author, nor to one who turned IM off for that author', async () => {
    await local.store.block('local', ID.carol, ID.alice);
    await local.store.setSubscriptionIm('local', ID.bob, ID.alice, false);
    const id = await post('alice', 'is anyone there?');
    // A notice by bob, after it, that alice gets: once she has it, alice's notice was handled.
    const control = await post('bob', 'after the quiet one');
    await user('alice').waitForBody((body) => body.endsWith(`[${control}]`));
    await local.store.unblock('local', ID.carol, ID.alice);
    await local.store.setSubscriptionIm('local', ID.bob, ID.alice, true);
    const after = await post('alice', 'back again');
    await user('carol').waitForBody((body) => body.endsWith(`[${after}]`));
    await user('bob').waitForBody((body) => body.endsWith(`[${after}]`));
    expect(copiesOf('carol', id)).toHaveLength(0);
    expect(copiesOf('bob', id)).toHaveLength(0);
  });

  it('reaches a mentioned stranger only when their replies preference is on', async () => {
    // carol does not follow bob.
    const quiet = await post('bob', '@carol are you there?');
    await user('alice').waitForBody((body) => body.endsWith(`[${quiet}]`));
    const carol = await local.store.getUser('local', ID.carol);
    if (!carol) throw new Error('the demo has no carol');
    await local.store.putUser({ ...carol, replies: true });
    const heard = await post('bob', '@carol now?');
    await user('carol').waitForBody((body) => body === `bob: @carol now? [${heard}]`);
    await settled();
    expect(copiesOf('carol', quiet)).toHaveLength(0);
    expect(copiesOf('carol', heard)).toHaveLength(1);
  });
});
