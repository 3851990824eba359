import { describe, expect, it } from 'vitest';
import type { Notice } from '../../shared/frames.js';
import { eventually } from '../helpers/eventually.js';
import { useLocalStack } from '../helpers/stack-session.js';
import type { ReceivedChat } from '../helpers/xmpp-user.js';

// The chat command set on real parts: fauxqs, dynalite, Prosody, the handlers in the local
// harness and the relay as its own process; the users are real XMPP clients. The demo: bob
// and carol follow alice, alice follows bob; all three confirmed, notify on. The tests run in
// order and build on each other's state. Three users send more than the default 5 replies a
// minute allow, so the limit is raised here; inbound-rules.test.ts checks the default.
const NICKS = ['alice', 'bob', 'carol'] as const;
type Nick = (typeof NICKS)[number];
const PREFIX = '[noticeflow demo] ';

// IM_REPLIES_PER_MINUTE is read by the im-inbound handler module when the harness loads it.
const local = useLocalStack({ name: 'commands', users: NICKS, env: { IM_REPLIES_PER_MINUTE: '100' } });
const { user, post } = local;

/** Sends a chat message to the bot and waits for the reply with exactly this text. */
async function command(nickname: Nick, body: string, reply: string): Promise<ReceivedChat> {
  await user(nickname).say(local.stack.info.bot.jid, body);
  return user(nickname).waitForBody((text) => text === `${PREFIX}${reply}`);
}

describe('IM commands from a real chat client', () => {
  it('help lists the commands, as a chat message from the bot', async () => {
    await user('alice').say(local.stack.info.bot.jid, 'HELP');
    const reply = await user('alice').waitForBody((text) => text.startsWith(`${PREFIX}Commands:`));
    expect(reply.type).toBe('chat');
    expect(reply.from).toBe(`${local.stack.info.bot.jid}/noticeflow`);
    for (const usage of ['follow <nickname>', 'd <nickname> <text>', 'whois <nickname>', 'stats', 'off']) {
      expect(reply.body).toContain(usage);
    }
  });

  it('carol follows bob and gets his next notice', async () => {
    await command('carol', 'follow @bob', 'Subscribed to bob.');
    await user('bob').say(local.stack.info.bot.jid, 'hello from bob');
    const copy = await user('carol').waitForBody((text) => text.startsWith('bob: hello from bob ['));
    expect(copy.body).toMatch(/^bob: hello from bob \[\d+\]$/);
  });

  it('off stops IM copies, on starts them again', async () => {
    await command('carol', 'off', 'Notification off.');
    const quiet = await post('alice', 'while carol is away');
    // bob is in the same fan-out: once he has it, carol's copy would have been sent too
    await user('bob').waitForBody((text) => text === `alice: while carol is away [${quiet}]`);
    await command('carol', 'on', 'Notification on.');
    const loud = await post('alice', 'carol is back');
    await user('carol').waitForBody((text) => text === `alice: carol is back [${loud}]`);
    expect(user('carol').received.some((m) => m.body.endsWith(`[${quiet}]`))).toBe(false);
  });

  it('d delivers a direct message to a recipient who follows the sender, and stores it', async () => {
    // alice follows bob (demo data), so bob may write to her
    await command('bob', 'd alice hi alice', 'Direct message to alice sent.');
    const received = await user('alice').waitForBody(
      (text) => text === `${PREFIX}Direct message from bob: hi alice`,
    );
    expect(received.type).toBe('chat');
    const stored = await local.store.listDirectMessages('local', '1');
    expect(stored).toMatchObject([
      { from: { nickname: 'bob' }, to: { nickname: 'alice' }, text: 'hi alice' },
    ]);
  });

  it('whois gives the profile link', async () => {
    await command('bob', 'whois carol', 'carol (http://localhost:8080/carol)');
  });

  it('stats counts subscriptions, subscribers and notices', async () => {
    const before = await local.store.getUserActivity('local', '1');
    await command('alice', 'stats', `Subscriptions: 1\nSubscribers: 2\nNotices: ${before.notices}`);
  });

  it('a malformed d gets the usage and is never published', async () => {
    const before = await local.store.getUserActivity('local', '2');
    await command(
      'bob',
      'd carol',
      'Usage: d <nickname> <text> (also dm). Nothing was posted; send "help" for the commands.',
    );
    // a control notice by bob reaches alice; nothing was posted before it
    await user('bob').say(local.stack.info.bot.jid, 'control after usage');
    await user('alice').waitForBody((text) => text.startsWith('bob: control after usage ['));
    const after = await local.store.getUserActivity('local', '2');
    expect(after.notices).toBe(before.notices + 1);
    expect(user('alice').received.some((m) => m.body.includes('d carol'))).toBe(false);
  });

  it('get shows the latest notice of a user', async () => {
    const { latestNoticeId = '' } = await local.store.getUserActivity('local', '2');
    const latest = await local.store.getNotice('local', latestNoticeId);
    await command('carol', 'LAST @bob', `bob: ${latest?.text} [${latestNoticeId}]`);
  });

  it('r posts a reply to a notice, linked to it', async () => {
    const parent = await post('alice', 'who wants tea?');
    await user('carol').waitForBody((text) => text === `alice: who wants tea? [${parent}]`);
    await command('carol', `r #${parent} me please`, 'Reply to alice sent.');
    const reply = await eventuallyLatest('3', (n) => n.text === 'me please');
    expect(reply).toMatchObject({ source: 'xmpp', inReplyTo: { id: parent, author: { nickname: 'alice' } } });
  });

  it('repeat posts RT once; a second repeat changes nothing', async () => {
    const original = await post('alice', 'worth sharing');
    await user('carol').waitForBody((text) => text === `alice: worth sharing [${original}]`);
    await command('carol', `rt #${original}`, 'Notice from alice repeated.');
    const repeat = await eventuallyLatest('3', (n) => n.repeatOf?.id === original);
    expect(repeat.text).toBe('RT @alice worth sharing');
    await command('carol', `repeat #${original}`, 'You already repeated that notice from alice.');
    await command('alice', `rp #${original}`, 'You cannot repeat your own notice.');
  });

  it('fav marks a favourite once', async () => {
    const { latestNoticeId = '' } = await local.store.getUserActivity('local', '1');
    await command('bob', `fav #${latestNoticeId}`, 'Notice marked as favourite.');
    await command('bob', 'fav alice', 'That notice is already a favourite.');
    expect(await local.store.isFavorite('local', '2', latestNoticeId)).toBe(true);
  });

  it('join, groups and drop', async () => {
    await local.store.createGroup({ site: 'local', id: 'g-tea', nickname: 'tea' });
    await command('carol', 'join !tea', 'carol joined group tea.');
    await command('carol', 'join tea', 'You are already a member of tea.');
    await command('carol', 'groups', 'You are a member of this group: tea');
    await command('carol', 'drop tea', 'carol left group tea.');
    await command('carol', 'join nosuch', 'No such group: nosuch.');
  });

  it('subscriptions, subscribers, leave and lose', async () => {
    await command('carol', 'subscriptions', 'You are subscribed to these people: alice, bob');
    await command('alice', 'subscribers', 'These people are subscribed to you: bob, carol');
    await command('carol', 'unsub bob', 'Unsubscribed from bob.');
    await command('carol', 'leave bob', 'You are not following bob.');
    await command('alice', 'lose carol', 'carol no longer follows you.');
    expect((await local.store.listSubscriptions('local', '3')).items).toEqual([]);
    await command('carol', 'follow alice', 'Subscribed to alice.');
    await command('carol', 'follow zed', 'No such user: zed.');
    await command('carol', 'follow carol', 'You cannot follow yourself.');
  });

  it('nudge reaches the target by IM', async () => {
    await command('alice', 'nudge bob', 'Nudge sent to bob.');
    await user('bob').waitForBody(
      (text) =>
        text === `${PREFIX}alice is wondering what you are up to. Send me a message to post a notice.`,
    );
    await command('alice', 'nudge alice', 'It does not make a lot of sense to nudge yourself!');
  });

  it('d to someone who does not follow you is refused with the reason', async () => {
    await command(
      'carol',
      'dm bob hello',
      'You cannot send a direct message to bob: they do not follow you.',
    );
    expect(await local.store.listDirectMessages('local', '2')).toEqual([]);
  });
});

/** The latest notice of a user once it matches (distribute stores it after the command). */
function eventuallyLatest(userId: string, match: (notice: Notice) => boolean): Promise<Notice> {
  return eventually(
    async () => {
      const { latestNoticeId } = await local.store.getUserActivity('local', userId);
      const notice = latestNoticeId ? await local.store.getNotice('local', latestNoticeId) : undefined;
      return notice && match(notice) ? notice : undefined;
    },
    { what: `a matching latest notice of user ${userId}` },
  );
}
