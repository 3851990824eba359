import { describe, expect, it } from 'vitest';
import { handleInboundChat, type ImInboundDeps } from '../../functions/im-inbound/im-inbound.js';
import { REPLIES_PER_MINUTE } from '../../functions/im-inbound/outbound.js';
import { THROTTLE_COUNT } from '../../functions/im-inbound/posting.js';
import { type InboundChat, makeFrame, type NoticeFrame } from '../../shared/frames.js';
import { defaultSiteSettings, SiteSettingsCache } from '../../shared/site-settings.js';
import { priorityChats } from '../helpers/commands.js';
import { MemoryStore, RecordingSender, silentLogger, user } from '../helpers/fakes.js';

let frames = 0;
function chat(overrides: Partial<InboundChat> = {}, id = `in-${++frames}`) {
  return makeFrame('chat-in', 'local', id, {
    from: 'Bob@Example.org/laptop',
    to: 'bot@example.org/noticeflow',
    type: 'chat',
    stanzaId: 'abc',
    body: 'good morning',
    receivedAt: '2026-12-03T10:00:00.000Z',
    ...overrides,
  });
}

async function setup(textLimit = 1000) {
  const store = new MemoryStore();
  await store.putSiteSettings('local', { ...defaultSiteSettings('local'), name: 'Demo', textLimit });
  await store.putUser(user('1', 'alice'));
  await store.putUser(user('2', 'bob'));
  await store.putUser(user('9', 'mallory', { im: { jid: 'mallory@example.org', confirmed: false } }));
  await store.follow('local', '2', '1');
  const sender = new RecordingSender();
  const deps: ImInboundDeps = {
    store,
    sender,
    logger: silentLogger,
    settings: new SiteSettingsCache(store, 0),
    now: () => new Date('2026-12-03T10:00:00.000Z'),
  };
  return { store, sender, deps };
}

const notices = (sender: RecordingSender) =>
  (sender.to('notices') as NoticeFrame[]).map((f) => f.payload.notice);

describe('im-inbound: posting', () => {
  it('posts a chat message from a confirmed address as a notice by its owner, silently', async () => {
    const { sender, deps } = await setup();
    const outcome = await handleInboundChat(chat({ body: '  good morning \n' }), deps);
    expect(outcome).toEqual({ action: 'posted', noticeId: '1' });
    expect(notices(sender)).toMatchObject([
      { id: '1', author: { id: '2', nickname: 'bob' }, text: 'good morning', source: 'xmpp' },
    ]);
    expect(sender.to('xmpp-out-priority')).toHaveLength(0);
  });

  it('counts the limit in code points of the trimmed text: at the limit posts, beyond it replies', async () => {
    const { sender, deps } = await setup(5);
    expect((await handleInboundChat(chat({ body: ' 🙂🙂🙂🙂🙂 ' }), deps)).action).toBe('posted');
    const outcome = await handleInboundChat(chat({ body: 'abcdef' }), deps);
    expect(outcome).toMatchObject({ action: 'refused' });
    expect(priorityChats(sender)).toEqual([
      { to: 'bob@example.org', body: '[Demo] Message too long: the maximum is 5 characters, you sent 6.' },
    ]);
    expect(notices(sender)).toHaveLength(1);
  });

  it('refuses a body the relay had to cut, with the whole length, even when it reads as a command', async () => {
    const { sender, deps } = await setup(1000);
    const outcome = await handleInboundChat(
      chat({ body: `d alice ${'x'.repeat(50)}`, bodyLength: 200_000 }),
      deps,
    );
    expect(outcome).toMatchObject({ action: 'refused' });
    expect(priorityChats(sender)).toEqual([
      {
        to: 'bob@example.org',
        body: '[Demo] Message too long: the maximum is 1000 characters, you sent 200000.',
      },
    ]);
    expect(notices(sender)).toHaveLength(0);
  });

  it('refuses the same text within a minute, with the reason', async () => {
    const { sender, deps } = await setup();
    await handleInboundChat(chat({ body: 'same' }), deps);
    expect((await handleInboundChat(chat({ body: 'same' }), deps)).action).toBe('refused');
    expect(notices(sender)).toHaveLength(1);
    expect(priorityChats(sender)[0]?.body).toMatch(/^\[Demo\] Not posted: you sent the same notice/);
  });

  it('throttles more than 20 notices in ten minutes, with the reason', async () => {
    const { sender, deps } = await setup();
    for (let i = 0; i < THROTTLE_COUNT; i++) {
      expect((await handleInboundChat(chat({ body: `note ${i}` }), deps)).action).toBe('posted');
    }
    expect((await handleInboundChat(chat({ body: 'one more' }), deps)).action).toBe('refused');
    expect(notices(sender)).toHaveLength(THROTTLE_COUNT);
    expect(priorityChats(sender)[0]?.body).toMatch(/too many notices/);
  });
});

describe('im-inbound: the throttle slides', () => {
  it('counts the last ten minutes across a window edge, and lets posts through as the burst ages', async () => {
    const { sender, deps } = await setup();
    // 10:00:00 is a window edge: a full burst just before it ...
    for (let i = 0; i < THROTTLE_COUNT; i++) {
      const outcome = await handleInboundChat(
        chat({ body: `late ${i}`, receivedAt: '2026-12-03T09:59:50.000Z' }),
        deps,
      );
      expect(outcome.action).toBe('posted');
    }
    // ... still counts just after it (fixed windows would allow 20 more here),
    const justAfter = await handleInboundChat(
      chat({ body: 'too soon', receivedAt: '2026-12-03T10:00:10.000Z' }),
      deps,
    );
    expect(justAfter.action).toBe('refused');
    // ... and hardly at all nine minutes on.
    const later = await handleInboundChat(
      chat({ body: 'later', receivedAt: '2026-12-03T10:09:00.000Z' }),
      deps,
    );
    expect(later.action).toBe('posted');
    expect(notices(sender)).toHaveLength(THROTTLE_COUNT + 1);
  });
});

describe('im-inbound: commands', () => {
  it('runs a command and replies on the priority lane to the bare JID, posting nothing', async () => {
    const { store, sender, deps } = await setup();
    const outcome = await handleInboundChat(chat({ body: 'FOLLOW  @alice' }), deps);
    expect(outcome).toMatchObject({ action: 'command', name: 'follow' });
    expect(priorityChats(sender)).toEqual([
      { to: 'bob@example.org', body: '[Demo] You are already following alice.' },
    ]);
    expect(notices(sender)).toHaveLength(0);
    await handleInboundChat(chat({ body: 'off' }), deps);
    expect((await store.getUser('local', '2'))?.notify).toBe(false);
  });

  it.each(['d alice', 'follow', 'follow a b', 'get', 'help me', 'r #1'])(
    'replies with the usage to "%s" and never publishes it',
    async (body) => {
      const { sender, deps } = await setup();
      expect((await handleInboundChat(chat({ body }), deps)).action).toBe('usage');
      expect(notices(sender)).toHaveLength(0);
      expect(priorityChats(sender)[0]?.body).toMatch(/^\[Demo\] Usage: /);
    },
  );
});

describe('im-inbound: redelivery', () => {
  it('processes the same stanza once: a redelivered command runs and replies once', async () => {
    const { store, sender, deps } = await setup();
    const frame = chat({ body: 'd alice hello' });
    await store.follow('local', '1', '2');
    expect((await handleInboundChat(frame, deps)).action).toBe('command');
    expect(await handleInboundChat(frame, deps)).toEqual({ action: 'ignored', reason: 'already processed' });
    expect(await store.listDirectMessages('local', '1')).toHaveLength(1);
    expect(priorityChats(sender).filter((c) => c.to === 'bob@example.org')).toHaveLength(1);
    expect(priorityChats(sender).filter((c) => c.to === 'alice@example.org')).toHaveLength(1);
  });

  it('drops a copy that arrives while the first is being handled', async () => {
    const { store, sender, deps } = await setup();
    await store.follow('local', '1', '2');
    const frame = chat({ body: 'd alice hello' });
    const outcomes = await Promise.all([handleInboundChat(frame, deps), handleInboundChat(frame, deps)]);
    expect(outcomes.map((o) => o.action).sort()).toEqual(['command', 'ignored']);
    expect(outcomes).toContainEqual({ action: 'ignored', reason: 'being processed by another invocation' });
    expect(await store.listDirectMessages('local', '1')).toHaveLength(1);
    expect(priorityChats(sender)).toHaveLength(2);
  });

  it('a redelivered post is not posted twice', async () => {
    const { sender, deps } = await setup();
    const frame = chat();
    await handleInboundChat(frame, deps);
    await handleInboundChat(frame, deps);
    expect(notices(sender)).toHaveLength(1);
  });

  it('after a failure half-way, the retry posts under the same notice id and the same reply', async () => {
    const { store, sender, deps } = await setup();
    let failures = 1;
    const flaky = {
      send: async (...args: Parameters<RecordingSender['send']>) => {
        if (args[0] === 'notices' && failures-- > 0) throw new Error('SQS is down');
        return sender.send(...args);
      },
    };
    const frame = chat({ body: 'r @alice nice' });
    await store.saveNotice('local', {
      id: '77',
      author: { id: '1', nickname: 'alice' },
      text: 'hi',
      createdAt: '2026-12-03T09:00:00.000Z',
      source: 'web',
      scope: 'public',
      local: true,
    });
    await expect(handleInboundChat(frame, { ...deps, sender: flaky })).rejects.toThrow('SQS is down');
    // SQS brings the message back after its visibility timeout, when the claim has lapsed.
    store.now = () => Date.now() + 31_000;
    expect((await handleInboundChat(frame, { ...deps, sender: flaky })).action).toBe('command');
    expect(notices(sender)).toMatchObject([{ text: 'nice', inReplyTo: { id: '77' } }]);
    expect(priorityChats(sender)).toEqual([{ to: 'bob@example.org', body: '[Demo] Reply to alice sent.' }]);
  });
});

describe('im-inbound: what is ignored', () => {
  it('ignores non-chat messages, empty bodies, auto-replies and OTR without replying', async () => {
    const { sender, deps } = await setup();
    for (const type of ['error', 'headline', 'groupchat'] as const) {
      expect((await handleInboundChat(chat({ type }), deps)).action).toBe('ignored');
    }
    for (const body of [
      '  \n ',
      '[Auto-Reply] I am away',
      'I am on holiday (auto response)',
      'Auto-Reply: out of office',
      "System: Message wasn't delivered. Offline storage size was exceeded.",
      '?OTRv23?',
      '?OTR:AAMDJ+MVmSfjFZcAAAAAAQAAAAIAAADA',
    ]) {
      expect((await handleInboundChat(chat({ body }), deps)).action).toBe('ignored');
      expect((await handleInboundChat(chat({ body, from: 'stranger@bots.example/x' }), deps)).action).toBe(
        'ignored',
      );
    }
    expect(sender.sent).toHaveLength(0);
  });

  it('posts a sentence that merely talks about auto-replies', async () => {
    const { sender, deps } = await setup();
    expect((await handleInboundChat(chat({ body: 'auto reply settings are confusing' }), deps)).action).toBe(
      'posted',
    );
    expect(notices(sender)).toHaveLength(1);
  });
});

describe('im-inbound: unknown senders and reply limits', () => {
  it('never posts for an unconfirmed or unknown address, and explains once an hour', async () => {
    const { store, sender, deps } = await setup();
    const outcome = await handleInboundChat(chat({ from: 'Mallory@example.org/x' }), deps);
    expect(outcome).toEqual({ action: 'replied-unknown-sender', jid: 'mallory@example.org', replied: true });
    expect(
      await handleInboundChat(chat({ from: 'mallory@example.org/y', body: 'again' }), deps),
    ).toMatchObject({
      replied: false,
    });
    expect(notices(sender)).toHaveLength(0);
    const replies = priorityChats(sender);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.to).toBe('mallory@example.org');
    expect(replies[0]?.body).toMatch(/^\[Demo\] This address is not linked/);
    store.now = () => Date.now() + 3601_000;
    await handleInboundChat(chat({ from: 'mallory@example.org/y', body: 'later' }), deps);
    expect(priorityChats(sender)).toHaveLength(2);
  });

  it('confirms a pending address when its code comes from it, before the unknown-sender reply', async () => {
    const { store, sender, deps } = await setup();
    await store.putConfirmation({
      site: 'local',
      userId: '9',
      jid: 'mallory@example.org',
      code: 'ABCDEFGHJKLMN',
      since: '2026-12-03T09:00:00.000Z',
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    const outcome = await handleInboundChat(
      chat({ from: 'mallory@example.org/x', body: ' abcdefghjklmn ' }),
      deps,
    );
    expect(outcome).toEqual({
      action: 'confirmation',
      jid: 'mallory@example.org',
      confirmed: true,
      replied: true,
    });
    expect((await store.getUser('local', '9'))?.im).toEqual({ jid: 'mallory@example.org', confirmed: true });
    expect(priorityChats(sender)).toEqual([
      { to: 'mallory@example.org', body: expect.stringMatching(/^\[Demo\] Confirmed: mallory@example.org/) },
    ]);
    expect(notices(sender)).toHaveLength(0);
  });

  it(`sends one JID at most ${REPLIES_PER_MINUTE} replies a minute, and logs each one held back`, async () => {
    const { sender, deps } = await setup();
    const warnings: unknown[][] = [];
    const logger = { ...silentLogger, warn: (...args: unknown[]) => warnings.push(args) };
    for (let i = 0; i < REPLIES_PER_MINUTE + 3; i++)
      await handleInboundChat(chat({ body: 'stats' }), { ...deps, logger });
    expect(priorityChats(sender)).toHaveLength(REPLIES_PER_MINUTE);
    expect(warnings).toEqual(
      Array.from({ length: 3 }, () => [
        'chat message held back by the per-address limit',
        { site: 'local', to: 'bob@example.org', kind: 'reply' },
      ]),
    );
  });

  it('takes another reply limit from its dependencies', async () => {
    const { sender, deps } = await setup();
    for (let i = 0; i < 4; i++)
      await handleInboundChat(chat({ body: 'stats' }), { ...deps, repliesPerMinute: 2 });
    expect(priorityChats(sender)).toHaveLength(2);
  });
});
