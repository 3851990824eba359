import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.js';
import { createSqsClient } from '../../shared/aws/clients.js';
import { makeFrame } from '../../shared/frames.js';
import { SqsFrameSender } from '../../shared/queue.js';
import { rosterRemovalStanzas } from '../../shared/roster.js';
import { BOT_PRESENCE_STATUS } from '../../xmpp-relay/config.js';
import { eventually } from '../helpers/eventually.js';
import { connectUser, type ReceivedPresence, type XmppUser } from '../helpers/xmpp-user.js';

// Presence subscriptions end to end on real parts: Prosody, the relay as a process, the
// im-inbound handler in the local harness. carol is a demo user with a confirmed address;
// dave has an XMPP account on the same server but no address on the site.
const DAVE = { username: 'dave', password: randomBytes(12).toString('base64url') };

let dataDir: string;
let stack: LocalStack;
let sqs: SQSClient;
let carol: XmppUser;
let dave: XmppUser;
let bot: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'noticeflow-presence-'));
  stack = await startLocalStack({
    dataDir,
    ports: { sqs: 0, dynamo: 0, c2s: 0, component: 0 },
    relay: 'process',
    logLevel: 'SILENT',
    extraXmppAccounts: [DAVE],
  });
  sqs = createSqsClient(stack.endpoints);
  bot = stack.info.bot.jid;
  const server = { service: stack.info.xmpp.service, domain: stack.info.xmpp.domain };
  carol = await connectUser({
    ...server,
    username: 'carol',
    password: stack.info.accounts.carol?.password ?? '',
  });
  dave = await connectUser({ ...server, ...DAVE });
  // Like a real client, fetch the roster first: the server delivers subscription approvals
  // only to resources that did (RFC 6121 §2.1.6, "interested resources").
  await carol.roster();
  await dave.roster();
}, 90_000);

afterAll(async () => {
  await carol?.stop();
  await dave?.stop();
  sqs?.destroy();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const fromBot = (type: string) => (presence: ReceivedPresence) =>
  presence.type === type && presence.from.split('/')[0] === bot;

async function rosterItem(user: XmppUser, jid: string) {
  return (await user.roster()).find((item) => item.jid === jid);
}

describe('presence subscriptions with the bot', () => {
  it('approves a confirmed user, subscribes back, and shows its status once subscribed both ways', async () => {
    await carol.sendPresence(bot, 'subscribe');
    await carol.waitForPresence(fromBot('subscribed'));
    const request = await carol.waitForPresence(fromBot('subscribe'));
    expect(request.from).toBe(bot);

    // Approving makes the subscription mutual: the bot's roster has carol both ways, which
    // is what carol's roster says of the bot.
    await carol.sendPresence(bot, 'subscribed');
    await eventually(async () => (await rosterItem(carol, bot))?.subscription === 'both', {
      what: "bot in carol's roster with subscription both",
    });
    const available = await carol.waitForPresence(fromBot('available'));
    expect(available.from).toBe(`${bot}/noticeflow`);
    expect(available.status).toBe(BOT_PRESENCE_STATUS);
  });

  it('approves an address that is not confirmed on the site but never subscribes to it', async () => {
    await dave.sendPresence(bot, 'subscribe');
    await dave.waitForPresence(fromBot('subscribed'));
    // The bot answers a subscribe with one frame holding all its answers, so a subscribe back
    // would have been written with the subscribed. A later reply on the same lane shows the
    // inbound side has moved on as well.
    await dave.say(bot, 'hello');
    await dave.waitForBody((body) => body.includes('not linked'));
    expect(dave.presences.some(fromBot('subscribe'))).toBe(false);
    expect(await rosterItem(dave, bot)).toMatchObject({ subscription: 'to' });
    // dave sees that the bot is online and what it is for
    expect((await dave.waitForPresence(fromBot('available'))).status).toBe(BOT_PRESENCE_STATUS);
  });

  it('takes a removed address off the roster with one roster remove; the server cancels both ways', async () => {
    await eventually(async () => (await rosterItem(carol, bot))?.subscription === 'both', {
      what: 'carol subscribed both ways (previous test)',
    });
    const stanzas = rosterRemovalStanzas('local', 'carol@localhost', 'test-removal-1');
    await new SqsFrameSender(sqs, stack.queueUrls).send('xmpp-out-priority', [
      makeFrame('stanzas', 'local', 'roster-removal-test', { stanzas }),
    ]);
    await carol.waitForPresence(fromBot('unsubscribe'));
    await carol.waitForPresence(fromBot('unsubscribed'));
    await eventually(async () => (await rosterItem(carol, bot))?.subscription === 'none', {
      what: "bot in carol's roster with subscription none",
    });
  });
});
