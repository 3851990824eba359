import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeFrame } from '../../shared/frames.js';
import { SqsFrameSender } from '../../shared/queue.js';
import { rosterRemovalStanzas } from '../../shared/roster.js';
import { BOT_PRESENCE_STATUS } from '../../xmpp-relay/config.js';
import { eventually } from '../helpers/eventually.js';
import { useLocalStack } from '../helpers/stack-session.js';
import type { ReceivedPresence, XmppUser } from '../helpers/xmpp-user.js';

// Presence subscriptions end to end on real parts: Prosody, the relay as a process, the
// im-inbound handler in the local harness. carol is a demo user with a confirmed address;
// dave has an XMPP account on the same server but no address on the site.
const DAVE = { username: 'dave', password: randomBytes(12).toString('base64url') };

const local = useLocalStack({ name: 'presence', users: ['carol', 'dave'], extraXmppAccounts: [DAVE] });
const { user } = local;
let bot: string;

beforeAll(async () => {
  bot = local.stack.info.bot.jid;
  // Like a real client, fetch the roster first: the server delivers subscription approvals
  // only to resources that did (RFC 6121 §2.1.6, "interested resources").
  await user('carol').roster();
  await user('dave').roster();
});

const fromBot = (type: string) => (presence: ReceivedPresence) =>
  presence.type === type && presence.from.split('/')[0] === bot;

async function rosterItem(user: XmppUser, jid: string) {
  return (await user.roster()).find((item) => item.jid === jid);
}

describe('presence subscriptions with the bot', () => {
  it('approves a confirmed user, subscribes back, and shows its status once subscribed both ways', async () => {
    await user('carol').sendPresence(bot, 'subscribe');
    await user('carol').waitForPresence(fromBot('subscribed'));
    const request = await user('carol').waitForPresence(fromBot('subscribe'));
    expect(request.from).toBe(bot);

    // Approving makes the subscription mutual: the bot's roster has carol both ways, which
    // is what carol's roster says of the bot.
    await user('carol').sendPresence(bot, 'subscribed');
    await eventually(async () => (await rosterItem(user('carol'), bot))?.subscription === 'both', {
      what: "bot in carol's roster with subscription both",
    });
    const available = await user('carol').waitForPresence(fromBot('available'));
    expect(available.from).toBe(`${bot}/noticeflow`);
    expect(available.status).toBe(BOT_PRESENCE_STATUS);
  });

  it('approves an address that is not confirmed on the site but never subscribes to it', async () => {
    await user('dave').sendPresence(bot, 'subscribe');
    await user('dave').waitForPresence(fromBot('subscribed'));
    // The bot answers a subscribe with one frame holding all its answers, so a subscribe back
    // would have been written with the subscribed. A later reply on the same lane shows the
    // inbound side has moved on as well.
    await user('dave').say(bot, 'hello');
    await user('dave').waitForBody((body) => body.includes('not linked'));
    expect(user('dave').presences.some(fromBot('subscribe'))).toBe(false);
    expect(await rosterItem(user('dave'), bot)).toMatchObject({ subscription: 'to' });
    // dave sees that the bot is online and what it is for
    expect((await user('dave').waitForPresence(fromBot('available'))).status).toBe(BOT_PRESENCE_STATUS);
  });

  it('takes a removed address off the roster with one roster remove; the server cancels both ways', async () => {
    await eventually(async () => (await rosterItem(user('carol'), bot))?.subscription === 'both', {
      what: 'carol subscribed both ways (previous test)',
    });
    const stanzas = rosterRemovalStanzas('local', 'carol@localhost', 'test-removal-1');
    await new SqsFrameSender(local.sqs, local.stack.queueUrls).send('xmpp-out-priority', [
      makeFrame('stanzas', 'local', 'roster-removal-test', { stanzas }),
    ]);
    await user('carol').waitForPresence(fromBot('unsubscribe'));
    await user('carol').waitForPresence(fromBot('unsubscribed'));
    await eventually(async () => (await rosterItem(user('carol'), bot))?.subscription === 'none', {
      what: "bot in carol's roster with subscription none",
    });
  });
});
