import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { REPLIES_PER_MINUTE } from '../../functions/im-inbound/outbound.js';
import { commandKeys } from '../../shared/store/table.js';
import { eventually } from '../helpers/eventually.js';
import { useLocalStack } from '../helpers/stack-session.js';

// The inbound rules on real parts (fauxqs, dynalite, Prosody, the handlers in the local
// harness, the relay as its own process), with the default reply limit.
const NICKS = ['alice', 'bob', 'carol'] as const;
type Nick = (typeof NICKS)[number];
const PREFIX = '[noticeflow demo] ';

const local = useLocalStack({ name: 'inbound', users: NICKS });
const { user, drained } = local;

const replies = (nickname: Nick) => user(nickname).received.filter((m) => m.body.startsWith(PREFIX));

/**
 * The reply limit counts in calendar minutes: waits until early in one, so a burst sent now
 * shares it; returns that minute.
 */
async function earlyInAMinute(): Promise<number> {
  await eventually(() => new Date().getSeconds() < 45, {
    timeoutMs: 20_000,
    intervalMs: 200,
    what: 'early in a minute',
  });
  return Math.floor(Date.now() / 60_000);
}

/** How many chat messages the outbound limiter has counted under `key`. */
async function sendsCounted(key: string): Promise<number> {
  const { Item } = await local.db.send(
    new GetCommand({ TableName: local.stack.info.tableName, Key: commandKeys.counter('local', key) }),
  );
  return Number(Item?.hits ?? 0);
}

/** Runs `burst`, then waits until the limiter has counted `sends` more messages under `key`. */
async function countedBurst(key: string, sends: number, burst: () => Promise<void>): Promise<void> {
  const before = await sendsCounted(key);
  await burst();
  let counted = before;
  await eventually(
    async () => {
      counted = await sendsCounted(key);
      return counted === before + sends;
    },
    { what: `${sends} sends counted under ${key}` },
  ).catch((error: unknown) => {
    throw new Error(`${counted - before} of ${sends} sends counted under ${key}`, { cause: error });
  });
}

describe('inbound rules on the local stack', () => {
  it('ignores auto-replies and OTR: no reply, nothing posted', async () => {
    const before = await local.store.getUserActivity('local', '1');
    for (const body of ['[Auto-Reply] I am away until Monday', 'Out of office (auto response)', '?OTRv23?']) {
      await user('alice').say(local.stack.info.bot.jid, body);
    }
    // The relay captures in order: once the reply to a later command is back, the ignored
    // messages are on xmpp-in at least; drained, they have been handled.
    await user('alice').say(local.stack.info.bot.jid, 'stats');
    await user('alice').waitForBody((text) => text.startsWith(`${PREFIX}Subscriptions:`));
    await drained('xmpp-in');
    await drained('notices');
    await drained('xmpp-out-priority');
    expect(replies('alice').map((m) => m.body)).toEqual([
      `${PREFIX}Subscriptions: 1\nSubscribers: 2\nNotices: ${before.notices}`,
    ]);
    expect(await local.store.getUserActivity('local', '1')).toEqual(before);
  });

  it('refuses text over the limit with the limit and the length sent', async () => {
    await user('bob').say(local.stack.info.bot.jid, 'x'.repeat(1001));
    await user('bob').waitForBody(
      (text) => text === `${PREFIX}Message too long: the maximum is 1000 characters, you sent 1001.`,
    );
  });

  it('answers a body too long for a frame with its whole length, and posts nothing', {
    timeout: 60_000,
  }, async () => {
    const before = await local.store.getUserActivity('local', '1');
    // Just over what a frame holds: Prosody reads a client at 10 KiB/s, so this takes ~11 s.
    await user('alice').say(local.stack.info.bot.jid, 'y'.repeat(110_000));
    await user('alice').waitForBody(
      (text) => text === `${PREFIX}Message too long: the maximum is 1000 characters, you sent 110000.`,
      40_000,
    );
    expect(await local.store.getUserActivity('local', '1')).toEqual(before);
  });

  it('refuses the same text twice within a minute, and posts it once', async () => {
    const before = await local.store.getUserActivity('local', '2');
    await user('bob').say(local.stack.info.bot.jid, 'only once please');
    await user('alice').waitForBody((text) => text.startsWith('bob: only once please ['));
    await user('bob').say(local.stack.info.bot.jid, 'only once please');
    await user('bob').waitForBody((text) => text.startsWith(`${PREFIX}Not posted: you sent the same notice`));
    expect((await local.store.getUserActivity('local', '2')).notices).toBe(before.notices + 1);
  });

  it('handles a stanza sent twice with the same id once: one direct message, one reply', async () => {
    // alice follows bob (demo data), so bob may write to her
    for (let i = 0; i < 2; i++)
      await user('bob').say(local.stack.info.bot.jid, 'd alice just once', 'resent-1');
    await user('bob').say(local.stack.info.bot.jid, 'whois bob');
    await user('bob').waitForBody((text) => text === `${PREFIX}bob (http://localhost:8080/bob)`);
    await drained('xmpp-in');
    await drained('xmpp-out-priority');
    expect(await local.store.listDirectMessages('local', '1')).toMatchObject([{ text: 'just once' }]);
    await user('alice').waitForBody((text) => text === `${PREFIX}Direct message from bob: just once`);
    expect(user('alice').received.filter((m) => m.body.endsWith('just once'))).toHaveLength(1);
    expect(replies('bob').filter((m) => m.body === `${PREFIX}Direct message to alice sent.`)).toHaveLength(1);
  });

  it(`sends one JID at most ${REPLIES_PER_MINUTE} replies a minute`, async () => {
    const minute = await earlyInAMinute();
    // Every message was handled once its send was counted: the rest were held back.
    await countedBurst(`chat-to:${local.jid('carol')}:${minute}`, REPLIES_PER_MINUTE + 3, async () => {
      for (let i = 0; i < REPLIES_PER_MINUTE + 3; i++)
        await user('carol').say(local.stack.info.bot.jid, 'stats');
    });
    await eventually(() => replies('carol').length >= REPLIES_PER_MINUTE, { what: 'the allowed replies' });
    await drained('xmpp-out-priority');
    expect(replies('carol')).toHaveLength(REPLIES_PER_MINUTE);
  });

  it("lets nobody use up someone else's replies: a nudge flood leaves alice's own replies alone", async () => {
    const bob = await local.store.findUserByNickname('local', 'bob');
    const minute = await earlyInAMinute();
    // Every nudge was handled once bob's sends to alice were all counted.
    const key = `chat-to:${local.jid('alice')}:from:${bob?.id}:${minute}`;
    await countedBurst(key, REPLIES_PER_MINUTE + 3, async () => {
      for (let i = 0; i < REPLIES_PER_MINUTE + 3; i++)
        await user('bob').say(local.stack.info.bot.jid, 'nudge alice');
    });
    await user('alice').say(local.stack.info.bot.jid, 'whois alice');
    await user('alice').waitForBody((text) => text === `${PREFIX}alice (http://localhost:8080/alice)`);
    await user('alice').waitForBody((text) => text.includes('is wondering what you are up to'));
    await drained('xmpp-out-priority');
    const nudges = user('alice').received.filter((m) => m.body.includes('is wondering what you are up to'));
    expect(nudges.length).toBeLessThanOrEqual(REPLIES_PER_MINUTE);
  });
});
