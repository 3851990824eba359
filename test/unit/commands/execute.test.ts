import { describe, expect, it } from 'vitest';
import { executeCommand } from '../../../functions/im-inbound/commands/execute.js';
import { HELP_ORDER } from '../../../functions/im-inbound/commands/help.js';
import { USAGE } from '../../../shared/commands/parse.js';
import type { Command } from '../../../shared/commands/types.js';
import type { NoticeFrame } from '../../../shared/frames.js';
import { commandWorld } from '../../helpers/commands.js';
import { notice } from '../../helpers/fakes.js';

type World = Awaited<ReturnType<typeof commandWorld>>;
const run = (world: World, who: keyof Pick<World, 'alice' | 'bob' | 'carol' | 'dave'>, command: Command) =>
  executeCommand(world[who], command, world.deps());

describe('help', () => {
  it('lists exactly the commands that run, each with its syntax', async () => {
    const world = await commandWorld();
    const reply = await run(world, 'alice', { name: 'help' });
    const lines = reply.split('\n').slice(1, -1);
    expect(lines).toHaveLength(HELP_ORDER.length);
    expect(new Set(HELP_ORDER)).toEqual(new Set(Object.keys(USAGE)));
    for (const name of HELP_ORDER) expect(reply).toContain(USAGE[name]);
    expect(reply).not.toMatch(/login|invite|track/);
  });
});

describe('on and off', () => {
  it('toggles notify, and says so quietly when it is already in effect', async () => {
    const world = await commandWorld();
    expect(await run(world, 'alice', { name: 'off' })).toBe('Notification off.');
    expect((await world.store.getUser('local', '1'))?.notify).toBe(false);
    expect(await executeCommand({ ...world.alice, notify: false }, { name: 'off' }, world.deps())).toBe(
      'Notification is already off.',
    );
    expect(await executeCommand({ ...world.alice, notify: false }, { name: 'on' }, world.deps())).toBe(
      'Notification on.',
    );
    expect((await world.store.getUser('local', '1'))?.notify).toBe(true);
    expect(await run(world, 'alice', { name: 'on' })).toBe('Notification is already on.');
  });
});

describe('follow, leave, lose', () => {
  it('follows, once', async () => {
    const world = await commandWorld();
    expect(await run(world, 'carol', { name: 'follow', nickname: 'BOB' })).toBe('Subscribed to bob.');
    expect(await world.store.findSubscribers('local', '2', ['3'])).toHaveLength(1);
    expect(await run(world, 'carol', { name: 'follow', nickname: 'bob' })).toBe(
      'You are already following bob.',
    );
  });

  it('refuses yourself, unknown users and authors who block you', async () => {
    const world = await commandWorld();
    expect(await run(world, 'carol', { name: 'follow', nickname: 'carol' })).toBe(
      'You cannot follow yourself.',
    );
    expect(await run(world, 'carol', { name: 'follow', nickname: 'zed' })).toBe('No such user: zed.');
    await world.store.block('local', '2', '3');
    expect(await run(world, 'carol', { name: 'follow', nickname: 'bob' })).toMatch(/blocked you/);
    expect(await world.store.findSubscribers('local', '2', ['3'])).toHaveLength(0);
  });

  it('leaves, and says so when there was nothing to leave', async () => {
    const world = await commandWorld();
    expect(await run(world, 'bob', { name: 'leave', nickname: 'alice' })).toBe('Unsubscribed from alice.');
    expect(await world.store.findSubscribers('local', '1', ['2'])).toHaveLength(0);
    expect(await run(world, 'bob', { name: 'leave', nickname: 'alice' })).toBe(
      'You are not following alice.',
    );
    expect(await run(world, 'bob', { name: 'leave', nickname: 'bob' })).toBe('You cannot unfollow yourself.');
    expect(await run(world, 'bob', { name: 'leave', nickname: 'zed' })).toBe('No such user: zed.');
  });

  it('lose makes a follower stop following you', async () => {
    const world = await commandWorld();
    expect(await run(world, 'alice', { name: 'lose', nickname: 'carol' })).toBe(
      'carol no longer follows you.',
    );
    expect(await world.store.findSubscribers('local', '1', ['3'])).toHaveLength(0);
    expect(await run(world, 'alice', { name: 'lose', nickname: 'carol' })).toBe(
      'carol is not following you.',
    );
    expect(await run(world, 'alice', { name: 'lose', nickname: 'alice' })).toBe('You cannot lose yourself.');
    expect(await run(world, 'alice', { name: 'lose', nickname: 'zed' })).toBe('No such user: zed.');
  });
});

describe('subscriptions, subscribers, stats', () => {
  it('lists the people you follow and who follow you', async () => {
    const world = await commandWorld();
    expect(await run(world, 'alice', { name: 'subscribers' })).toBe(
      'These people are subscribed to you: bob, carol',
    );
    expect(await run(world, 'alice', { name: 'subscriptions' })).toBe(
      'You are subscribed to this person: bob',
    );
    expect(await run(world, 'dave', { name: 'subscriptions' })).toBe('You are not subscribed to anyone.');
    expect(await run(world, 'dave', { name: 'subscribers' })).toBe('No one is subscribed to you.');
  });

  it('counts subscriptions, subscribers and stored notices', async () => {
    const world = await commandWorld();
    await world.store.saveNotice('local', notice({ id: '1' }));
    await world.store.saveNotice('local', notice({ id: '2' }));
    expect(await run(world, 'alice', { name: 'stats' })).toBe('Subscriptions: 1\nSubscribers: 2\nNotices: 2');
    expect(await run(world, 'dave', { name: 'stats' })).toBe('Subscriptions: 0\nSubscribers: 0\nNotices: 0');
  });
});

describe('groups, join, drop', () => {
  it('joins and drops once, and lists the groups', async () => {
    const world = await commandWorld();
    await world.store.createGroup({ site: 'local', id: 'g1', nickname: 'devs' });
    await world.store.createGroup({ site: 'local', id: 'g2', nickname: 'cooks' });
    expect(await run(world, 'bob', { name: 'groups' })).toBe('You are not a member of any groups.');
    expect(await run(world, 'bob', { name: 'join', group: 'DEVS' })).toBe('bob joined group devs.');
    expect(await run(world, 'bob', { name: 'join', group: 'devs' })).toBe(
      'You are already a member of devs.',
    );
    expect(await run(world, 'bob', { name: 'join', group: 'cooks' })).toBe('bob joined group cooks.');
    expect(await run(world, 'bob', { name: 'groups' })).toBe('You are a member of these groups: cooks, devs');
    expect(await run(world, 'bob', { name: 'drop', group: 'devs' })).toBe('bob left group devs.');
    expect(await run(world, 'bob', { name: 'drop', group: 'devs' })).toBe('You are not a member of devs.');
    expect(await world.store.findGroupMembers('local', 'g1', ['2'])).toEqual([]);
    expect(await run(world, 'bob', { name: 'join', group: 'nope' })).toBe('No such group: nope.');
    expect(await run(world, 'bob', { name: 'drop', group: 'nope' })).toBe('No such group: nope.');
  });
});

describe('get and whois', () => {
  it("shows a user's latest notice", async () => {
    const world = await commandWorld();
    expect(await run(world, 'carol', { name: 'get', nickname: 'alice' })).toBe(
      'alice has not posted a notice yet.',
    );
    await world.store.saveNotice(
      'local',
      notice({ id: '5', text: 'newer', createdAt: '2026-12-03T11:00:00.000Z' }),
    );
    await world.store.saveNotice(
      'local',
      notice({ id: '4', text: 'older', createdAt: '2026-12-03T10:00:00.000Z' }),
    );
    expect(await run(world, 'carol', { name: 'get', nickname: 'Alice' })).toBe('alice: newer [5]');
    expect(await run(world, 'carol', { name: 'get', nickname: 'zed' })).toBe('No such user: zed.');
  });

  it('gives the profile link from the site settings', async () => {
    const world = await commandWorld();
    expect(await run(world, 'carol', { name: 'whois', nickname: 'bob' })).toBe(
      'bob (https://demo.example/bob)',
    );
    expect(await run(world, 'carol', { name: 'whois', nickname: 'zed' })).toBe('No such user: zed.');
  });
});

describe('d', () => {
  it('stores a direct message to a follower and sends it by IM', async () => {
    const world = await commandWorld();
    // bob follows alice, so alice may write to bob
    expect(await run(world, 'alice', { name: 'd', nickname: 'bob', text: 'hi bob' })).toBe(
      'Direct message to bob sent.',
    );
    const [message] = await world.store.listDirectMessages('local', '2');
    expect(message).toMatchObject({ from: { nickname: 'alice' }, to: { nickname: 'bob' }, text: 'hi bob' });
    expect(world.chats).toEqual([
      { to: 'bob@example.org', body: 'Direct message from alice: hi bob', kind: 'dm' },
    ]);
    expect(world.sender.to('notices')).toHaveLength(0);
  });

  it('stores but does not send by IM when the recipient has IM off', async () => {
    const world = await commandWorld();
    await world.store.follow('local', '4', '1');
    expect(await run(world, 'alice', { name: 'd', nickname: 'dave', text: 'hi' })).toBe(
      'Direct message to dave saved; they do not get IM, so it was not sent by IM.',
    );
    expect(await world.store.listDirectMessages('local', '4')).toHaveLength(1);
    expect(world.chats).toEqual([]);
  });

  it('says so when the limit per sender and recipient held the IM copy back', async () => {
    const world = await commandWorld();
    await world.store.follow('local', '2', '1');
    const limited = { ...world.deps(), sendChat: async () => false };
    expect(await executeCommand(world.alice, { name: 'd', nickname: 'bob', text: 'hi' }, limited)).toBe(
      'Direct message to bob saved, but not sent by IM: you have sent them enough messages this minute.',
    );
  });

  it('refuses a recipient who does not follow you, yourself, unknown users and long text', async () => {
    const world = await commandWorld({ textLimit: 5 });
    expect(await run(world, 'bob', { name: 'd', nickname: 'carol', text: 'hi' })).toBe(
      'You cannot send a direct message to carol: they do not follow you.',
    );
    expect(await run(world, 'bob', { name: 'd', nickname: 'bob', text: 'hi' })).toBe(
      'You cannot send a direct message to yourself.',
    );
    expect(await run(world, 'bob', { name: 'd', nickname: 'zed', text: 'hi' })).toBe('No such user: zed.');
    // bob follows alice, but she blocks bob: no messages from him
    await world.store.block('local', '1', '2');
    expect(await run(world, 'bob', { name: 'd', nickname: 'alice', text: 'hi' })).toMatch(/cannot send/);
    await world.store.unblock('local', '1', '2');
    expect(await run(world, 'bob', { name: 'd', nickname: 'alice', text: 'hi there' })).toBe(
      'Message too long: the maximum is 5 characters, you sent 8.',
    );
    expect(world.store.directMessages).toEqual([]);
    expect(world.chats).toEqual([]);
  });
});

describe('r', () => {
  it('posts a reply to a notice by id, or to the latest notice of a user', async () => {
    const world = await commandWorld();
    await world.store.saveNotice('local', notice({ id: '9' }));
    expect(await run(world, 'bob', { name: 'r', target: { kind: 'id', id: '9' }, text: 'indeed' })).toBe(
      'Reply to alice sent.',
    );
    expect(
      await run(world, 'carol', { name: 'r', target: { kind: 'nickname', nickname: 'alice' }, text: 'yes' }),
    ).toBe('Reply to alice sent.');
    const posted = (world.sender.to('notices') as NoticeFrame[]).map((f) => f.payload.notice);
    expect(posted).toMatchObject([
      {
        author: { nickname: 'bob' },
        text: 'indeed',
        source: 'xmpp',
        inReplyTo: { id: '9', author: { id: '1' } },
      },
      { author: { nickname: 'carol' }, text: 'yes', inReplyTo: { id: '9' } },
    ]);
  });

  it('says why when there is nothing to reply to, or the text is too long', async () => {
    const world = await commandWorld({ textLimit: 3 });
    expect(await run(world, 'bob', { name: 'r', target: { kind: 'id', id: '404' }, text: 'x' })).toBe(
      'No such notice: #404.',
    );
    expect(
      await run(world, 'bob', { name: 'r', target: { kind: 'nickname', nickname: 'dave' }, text: 'x' }),
    ).toBe('dave has not posted a notice yet.');
    await world.store.saveNotice('local', notice({ id: '9' }));
    expect(await run(world, 'bob', { name: 'r', target: { kind: 'id', id: '9' }, text: 'long' })).toMatch(
      /maximum is 3 characters, you sent 4/,
    );
    expect(world.sender.to('notices')).toHaveLength(0);
  });
});

describe('repeat', () => {
  it('posts RT @nick text once, never your own notice', async () => {
    const world = await commandWorld();
    await world.store.saveNotice('local', notice({ id: '9', text: 'big news' }));
    expect(await run(world, 'bob', { name: 'repeat', target: { kind: 'id', id: '9' } })).toBe(
      'Notice from alice repeated.',
    );
    expect(await run(world, 'bob', { name: 'repeat', target: { kind: 'nickname', nickname: 'alice' } })).toBe(
      'You already repeated that notice from alice.',
    );
    expect(await run(world, 'alice', { name: 'repeat', target: { kind: 'id', id: '9' } })).toBe(
      'You cannot repeat your own notice.',
    );
    const posted = (world.sender.to('notices') as NoticeFrame[]).map((f) => f.payload.notice);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      author: { nickname: 'bob' },
      text: 'RT @alice big news',
      repeatOf: { id: '9', author: { nickname: 'alice' } },
    });
  });

  it('refuses private notices and unknown targets', async () => {
    const world = await commandWorld();
    await world.store.saveNotice('local', notice({ id: '9', scope: 'private' }));
    expect(await run(world, 'bob', { name: 'repeat', target: { kind: 'id', id: '9' } })).toBe(
      'You cannot repeat a private notice.',
    );
    expect(await run(world, 'bob', { name: 'repeat', target: { kind: 'nickname', nickname: 'zed' } })).toBe(
      'No such user: zed.',
    );
    expect(world.sender.to('notices')).toHaveLength(0);
  });
});

describe('fav', () => {
  it('marks a favourite once', async () => {
    const world = await commandWorld();
    await world.store.saveNotice('local', notice({ id: '9' }));
    expect(await run(world, 'bob', { name: 'fav', target: { kind: 'id', id: '9' } })).toBe(
      'Notice marked as favourite.',
    );
    expect(await run(world, 'bob', { name: 'fav', target: { kind: 'nickname', nickname: 'alice' } })).toBe(
      'That notice is already a favourite.',
    );
    expect(await world.store.isFavorite('local', '2', '9')).toBe(true);
    expect(await run(world, 'bob', { name: 'fav', target: { kind: 'id', id: '10' } })).toBe(
      'No such notice: #10.',
    );
  });
});

describe('nudge', () => {
  it('sends the target an IM when they get IM, and says so otherwise', async () => {
    const world = await commandWorld();
    expect(await run(world, 'alice', { name: 'nudge', nickname: 'bob' })).toBe('Nudge sent to bob.');
    expect(world.chats).toEqual([
      {
        to: 'bob@example.org',
        body: 'alice is wondering what you are up to. Send me a message to post a notice.',
        kind: 'nudge',
      },
    ]);
    expect(await run(world, 'alice', { name: 'nudge', nickname: 'dave' })).toMatch(/nudge was not sent/);
    expect(await run(world, 'alice', { name: 'nudge', nickname: 'alice' })).toMatch(/nudge yourself/);
    expect(await run(world, 'alice', { name: 'nudge', nickname: 'zed' })).toBe('No such user: zed.');
    expect(world.chats).toHaveLength(1);
  });

  it('does not nudge someone who blocks you, and says when the reply limit held it back', async () => {
    const world = await commandWorld();
    await world.store.block('local', '2', '1');
    expect(await run(world, 'alice', { name: 'nudge', nickname: 'bob' })).toMatch(/nudge was not sent/);
    expect(world.chats).toEqual([]);
    const limited = { ...world.deps(), sendChat: async () => false };
    expect(await executeCommand(world.alice, { name: 'nudge', nickname: 'carol' }, limited)).toMatch(
      /You have nudged carol enough this minute/,
    );
  });
});
