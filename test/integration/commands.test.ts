import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postNotice } from '../../cli/post.js';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.js';
import { createDocumentClient, createSqsClient } from '../../shared/aws/clients.js';
import { SqsFrameSender } from '../../shared/queue.js';
import { DynamoStore } from '../../shared/store/dynamo-store.js';
import { connectUser, type ReceivedChat, type XmppUser } from '../helpers/xmpp-user.js';

// The chat command set on real parts: fauxqs, dynalite, Prosody, the handlers in the local
// harness and the relay as its own process; the users are real XMPP clients. The demo: bob
// and carol follow alice, alice follows bob; all three confirmed, notify on. Replies to one
// JID are limited to 5 a minute, so each user here sends at most that many commands.
let dataDir: string;
let stack: LocalStack;
let sqs: SQSClient;
let db: DynamoDBDocumentClient;
let store: DynamoStore;
const users: Record<string, XmppUser> = {};
const NICKS = ['alice', 'bob', 'carol'] as const;
type Nick = (typeof NICKS)[number];
const PREFIX = '[noticeflow demo] ';

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'noticeflow-commands-'));
  stack = await startLocalStack({
    dataDir,
    ports: { sqs: 0, dynamo: 0, c2s: 0, component: 0 },
    relay: 'process',
    logLevel: 'SILENT',
  });
  sqs = createSqsClient(stack.endpoints);
  db = createDocumentClient(stack.endpoints);
  store = new DynamoStore(db, stack.info.tableName);
  for (const nickname of NICKS) {
    users[nickname] = await connectUser({
      service: stack.info.xmpp.service,
      domain: stack.info.xmpp.domain,
      username: nickname,
      password: stack.info.accounts[nickname]?.password ?? '',
    });
  }
}, 90_000);

afterAll(async () => {
  for (const user of Object.values(users)) await user.stop();
  sqs?.destroy();
  db?.destroy();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function user(nickname: Nick): XmppUser {
  const found = users[nickname];
  if (!found) throw new Error(`no XMPP session for ${nickname}`);
  return found;
}

/** Sends a chat message to the bot and waits for the reply with exactly this text. */
async function command(nickname: Nick, body: string, reply: string): Promise<ReceivedChat> {
  await user(nickname).say(stack.info.bot.jid, body);
  return user(nickname).waitForBody((text) => text === `${PREFIX}${reply}`);
}

function post(nickname: Nick, text: string): Promise<string> {
  return postNotice({ store, sender: new SqsFrameSender(sqs, stack.queueUrls) }, 'local', nickname, text);
}

describe('IM commands from a real chat client', () => {
  it('help lists the commands, as a chat message from the bot', async () => {
    await user('alice').say(stack.info.bot.jid, 'HELP');
    const reply = await user('alice').waitForBody((text) => text.startsWith(`${PREFIX}Commands:`));
    expect(reply.type).toBe('chat');
    expect(reply.from).toBe(`${stack.info.bot.jid}/noticeflow`);
    for (const usage of ['follow <nickname>', 'd <nickname> <text>', 'whois <nickname>', 'stats', 'off']) {
      expect(reply.body).toContain(usage);
    }
  });

  it('carol follows bob and gets his next notice', async () => {
    await command('carol', 'follow @bob', 'Subscribed to bob.');
    await user('bob').say(stack.info.bot.jid, 'hello from bob');
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
    const stored = await store.listDirectMessages('local', '1');
    expect(stored).toMatchObject([
      { from: { nickname: 'bob' }, to: { nickname: 'alice' }, text: 'hi alice' },
    ]);
  });

  it('whois gives the profile link', async () => {
    await command('bob', 'whois carol', 'carol (http://localhost:8080/carol)');
  });

  it('stats counts subscriptions, subscribers and notices', async () => {
    const before = await store.getUserActivity('local', '1');
    await command('alice', 'stats', `Subscriptions: 1\nSubscribers: 2\nNotices: ${before.notices}`);
  });

  it('a malformed d gets the usage and is never published', async () => {
    const before = await store.getUserActivity('local', '2');
    await command(
      'bob',
      'd carol',
      'Usage: d <nickname> <text> (also dm). Nothing was posted; send "help" for the commands.',
    );
    // a control notice by bob reaches alice; nothing was posted before it
    await user('bob').say(stack.info.bot.jid, 'control after usage');
    await user('alice').waitForBody((text) => text.startsWith('bob: control after usage ['));
    const after = await store.getUserActivity('local', '2');
    expect(after.notices).toBe(before.notices + 1);
    expect(user('alice').received.some((m) => m.body.includes('d carol'))).toBe(false);
  });
});
