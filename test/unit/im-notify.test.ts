import parse from '@xmpp/xml/lib/parse.js';
import { describe, expect, it } from 'vitest';
import { decodeImNotifyFrame } from '../../functions/im-notify/frame.js';
import { encodeFrame } from '../../shared/frames.js';
import { DEFAULT_PACKING } from '../../shared/packing.js';
import { MemoryStore, user } from '../helpers/fakes.js';
import { fanOut, noticeFrame, notifyDeps, recipientsOf, stanzasOf } from '../helpers/im-notify-run.js';

// Who gets an IM copy of a notice (issue #3, statusnet.md §1.3): every rule alone, then
// the combinations. alice (id 1) is the author throughout.
async function site() {
  const store = new MemoryStore();
  await store.putUser(user('1', 'alice'));
  return store;
}

/**
 * Delivers a notice twice from a clean slate: with pages of one row, so every stage and
 * group runs in its own invocation (the cross-page rules are what keep copies unique),
 * and with one page for everything. Both must reach the same recipients.
 */
async function deliver(store: MemoryStore, overrides: Parameters<typeof noticeFrame>[0] = {}) {
  const paged = notifyDeps(store, {
    limits: { pageSize: 1, parallelism: 3, claimSeconds: 120, packing: DEFAULT_PACKING },
  });
  await fanOut(noticeFrame(overrides), paged.deps);
  store.remembered.clear();
  const whole = notifyDeps(store);
  await fanOut(noticeFrame(overrides), whole.deps);
  store.remembered.clear();
  expect(recipientsOf(whole.sender)).toEqual(recipientsOf(paged.sender));
  return { ...paged, recipients: recipientsOf(paged.sender) };
}

describe('im-notify: subscribers', () => {
  it('sends to followers with a confirmed address and notify on, at the bare JID', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { im: { jid: 'Bob@Example.org/phone', confirmed: true } }));
    await store.putUser(user('3', 'carol'));
    await store.putUser(user('4', 'dave', { notify: false }));
    await store.putUser(user('5', 'erin', { im: { jid: 'erin@example.org', confirmed: false } }));
    await store.putUser(user('6', 'frank', { im: undefined }));
    for (const id of ['2', '3', '4', '5', '6']) await store.follow('local', id, '1');
    const { recipients, sender } = await deliver(store);
    expect(recipients).toEqual(['bob@example.org', 'carol@example.org']);
    for (const stanza of stanzasOf(sender)) {
      const element = parse(stanza.xml);
      expect(element.attrs).toMatchObject({ type: 'chat', to: stanza.to, id: stanza.id });
      expect(element.getChildText('body')).toBe('alice: hello world [42]');
    }
  });

  it('skips a follower whose per-subscription IM flag is off', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob'));
    await store.putUser(user('3', 'carol'));
    await store.follow('local', '2', '1');
    await store.follow('local', '3', '1');
    expect(await store.setSubscriptionIm('local', '2', '1', false)).toBe(true);
    expect((await deliver(store)).recipients).toEqual(['carol@example.org']);
  });

  it('logs a malformed JID with its reason and still delivers the rest of the page', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { im: { jid: 'not a jid', confirmed: true } }));
    await store.putUser(user('3', 'carol'));
    await store.follow('local', '2', '1');
    await store.follow('local', '3', '1');
    const { recipients, warnings } = await deliver(store);
    expect(recipients).toEqual(['carol@example.org']);
    expect(warnings).toEqual([{ site: 'local', noticeId: '42', userId: '2', reason: 'malformed JID' }]);
  });

  it('skips followers who block the author', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob'));
    await store.putUser(user('3', 'carol'));
    await store.follow('local', '2', '1');
    await store.follow('local', '3', '1');
    await store.block('local', '2', '1');
    expect((await deliver(store)).recipients).toEqual(['carol@example.org']);
  });

  it('skips, for a repeat, followers of the repeater who block the original author', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob'));
    await store.putUser(user('3', 'carol'));
    await store.follow('local', '2', '1');
    await store.follow('local', '3', '1');
    await store.block('local', '3', '9');
    const { recipients } = await deliver(store, {
      repeatOf: { id: '7', author: { id: '9', nickname: 'zed' } },
    });
    expect(recipients).toEqual(['bob@example.org']);
  });
});

describe('im-notify: the author', () => {
  it('gets no copy by default, even following themself, mentioning themself or in the group', async () => {
    const store = await site();
    await store.follow('local', '1', '1');
    await store.putUser(user('1', 'alice', { replies: true }));
    await store.createGroup({ site: 'local', id: 'g1', nickname: 'cats' });
    await store.joinGroup('local', 'g1', '1');
    expect((await deliver(store, { text: '@alice !cats hi' })).recipients).toEqual([]);
  });

  it('gets exactly one echo when their echo preference is on', async () => {
    const store = await site();
    await store.putUser(user('1', 'alice', { echo: true, replies: true }));
    await store.follow('local', '1', '1');
    await store.createGroup({ site: 'local', id: 'g1', nickname: 'cats' });
    await store.joinGroup('local', 'g1', '1');
    expect((await deliver(store, { text: '@alice !cats hi' })).recipients).toEqual(['alice@example.org']);
  });
});

describe('im-notify: mentions', () => {
  it('sends to a mentioned stranger only if their replies preference is on', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { replies: true }));
    await store.putUser(user('3', 'carol', { replies: false }));
    const { recipients } = await deliver(store, { text: '@bob @carol look' });
    expect(recipients).toEqual(['bob@example.org']);
  });

  it('takes mentions listed by the producer as well as those in the text', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { replies: true }));
    await store.putUser(user('3', 'carol', { replies: true }));
    const { recipients } = await deliver(store, { text: 'hi @carol', mentions: ['Bob'] });
    expect(recipients).toEqual(['bob@example.org', 'carol@example.org']);
  });

  it('sends to a mentioned follower whose IM flag is off, if their replies preference is on', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { replies: true }));
    await store.putUser(user('3', 'carol', { replies: false }));
    for (const id of ['2', '3']) {
      await store.follow('local', id, '1');
      await store.setSubscriptionIm('local', id, '1', false);
    }
    expect((await deliver(store, { text: '@bob @carol' })).recipients).toEqual(['bob@example.org']);
  });

  it('skips a mentioned user who blocks the author, or who has notify off', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { replies: true }));
    await store.putUser(user('3', 'carol', { replies: true, notify: false }));
    await store.block('local', '2', '1');
    expect((await deliver(store, { text: '@bob @carol' })).recipients).toEqual([]);
  });

  it('ignores mentions of nobody and of e-mail addresses', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { replies: true }));
    expect((await deliver(store, { text: 'mail bob@example.org or @nobody' })).recipients).toEqual([]);
  });
});

describe('im-notify: groups', () => {
  async function withGroups() {
    const store = await site();
    await store.createGroup({ site: 'local', id: 'g1', nickname: 'cats' });
    await store.createGroup({ site: 'local', id: 'g2', nickname: 'dogs' });
    await store.joinGroup('local', 'g1', '1');
    await store.joinGroup('local', 'g2', '1');
    return store;
  }

  it('sends to every member of every addressed group, whatever their replies or subscription', async () => {
    const store = await withGroups();
    await store.putUser(user('2', 'bob'));
    await store.putUser(user('3', 'carol'));
    await store.putUser(user('4', 'dave', { im: { jid: 'dave@example.org', confirmed: false } }));
    await store.joinGroup('local', 'g1', '2');
    await store.joinGroup('local', 'g2', '3');
    await store.joinGroup('local', 'g2', '4');
    expect((await deliver(store, { text: '!cats and !dogs' })).recipients).toEqual([
      'bob@example.org',
      'carol@example.org',
    ]);
  });

  it('sends to a follower whose IM flag is off when a group they belong to is addressed', async () => {
    const store = await withGroups();
    await store.putUser(user('2', 'bob'));
    await store.follow('local', '2', '1');
    await store.setSubscriptionIm('local', '2', '1', false);
    await store.joinGroup('local', 'g1', '2');
    expect((await deliver(store, { text: 'no group' })).recipients).toEqual([]);
    expect((await deliver(store, { id: '43', text: 'to !cats' })).recipients).toEqual(['bob@example.org']);
  });

  it('skips members who block the author', async () => {
    const store = await withGroups();
    await store.putUser(user('2', 'bob'));
    await store.joinGroup('local', 'g1', '2');
    await store.block('local', '2', '1');
    expect((await deliver(store, { text: '!cats' })).recipients).toEqual([]);
  });

  it('counts a group named only in the text when the author is a member, a listed group always', async () => {
    const store = await withGroups();
    await store.createGroup({ site: 'local', id: 'g3', nickname: 'birds' });
    await store.putUser(user('2', 'bob'));
    await store.joinGroup('local', 'g3', '2');
    expect((await deliver(store, { text: 'spam !birds' })).recipients).toEqual([]);
    expect((await deliver(store, { id: '43', text: 'hi', groups: ['birds'] })).recipients).toEqual([
      'bob@example.org',
    ]);
  });
});

describe('im-notify: one copy per recipient', () => {
  it('gives a follower who is also mentioned and a member of two addressed groups exactly one copy', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { replies: true }));
    await store.follow('local', '2', '1');
    for (const [id, nickname] of [
      ['g1', 'cats'],
      ['g2', 'dogs'],
    ] as const) {
      await store.createGroup({ site: 'local', id, nickname });
      await store.joinGroup('local', id, '1');
      await store.joinGroup('local', id, '2');
    }
    expect((await deliver(store, { text: '@bob !cats !dogs', mentions: ['bob'] })).recipients).toEqual([
      'bob@example.org',
    ]);
  });

  it('gives a follower who is a member of the addressed group one copy', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob'));
    await store.follow('local', '2', '1');
    await store.createGroup({ site: 'local', id: 'g1', nickname: 'cats' });
    await store.joinGroup('local', 'g1', '1');
    await store.joinGroup('local', 'g1', '2');
    expect((await deliver(store, { text: '!cats' })).recipients).toEqual(['bob@example.org']);
  });

  it('gives one copy to a mentioned group member with replies on, and to one in two groups', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { replies: true }));
    await store.putUser(user('3', 'carol'));
    for (const [id, nickname] of [
      ['g1', 'cats'],
      ['g2', 'dogs'],
    ] as const) {
      await store.createGroup({ site: 'local', id, nickname });
      await store.joinGroup('local', id, '1');
      await store.joinGroup('local', id, '2');
      await store.joinGroup('local', id, '3');
    }
    expect((await deliver(store, { text: '@bob !cats !dogs' })).recipients).toEqual([
      'bob@example.org',
      'carol@example.org',
    ]);
  });

  it('gives a mentioned member with replies off their copy through the group', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { replies: false }));
    await store.createGroup({ site: 'local', id: 'g1', nickname: 'cats' });
    await store.joinGroup('local', 'g1', '1');
    await store.joinGroup('local', 'g1', '2');
    expect((await deliver(store, { text: '@bob !cats' })).recipients).toEqual(['bob@example.org']);
  });

  it('sends nothing to someone with every reason who blocks the author', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob', { replies: true }));
    await store.follow('local', '2', '1');
    await store.createGroup({ site: 'local', id: 'g1', nickname: 'cats' });
    await store.joinGroup('local', 'g1', '1');
    await store.joinGroup('local', 'g1', '2');
    await store.block('local', '2', '1');
    expect((await deliver(store, { text: '@bob !cats' })).recipients).toEqual([]);
  });
});

describe('im-notify: sites and frames', () => {
  it('reads only the frame site’s data', async () => {
    const store = await site();
    await store.putUser(user('2', 'bob'));
    await store.follow('local', '2', '1');
    await store.putUser({
      ...user('2', 'bob'),
      site: 'other',
      im: { jid: 'bob@other.example', confirmed: true },
    });
    await store.follow('other', '2', '1');
    const run = notifyDeps(store);
    await fanOut(noticeFrame({}, 'other'), run.deps);
    expect(recipientsOf(run.sender)).toEqual(['bob@other.example']);
    expect(run.sender.sent.every(({ frame }) => frame.site === 'other')).toBe(true);
  });

  it('decodes notice and fan-out frames from the same queue, and refuses anything else', () => {
    const frame = noticeFrame();
    expect(decodeImNotifyFrame(encodeFrame(frame))).toEqual(frame);
    expect(() => decodeImNotifyFrame('{"v":1,"kind":"stanzas"}')).toThrow(/invalid frame/);
    expect(() => decodeImNotifyFrame('not json')).toThrow(/not JSON/);
  });
});
