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
import { connectUser, type XmppUser } from '../helpers/xmpp-user.js';

// A fresh user goes the whole way from a real chat client: the site saves frank's address
// (site API), the bot sends the code, frank sends it back by chat, and then uses commands.
let dataDir: string;
let stack: LocalStack;
let sqs: SQSClient;
let db: DynamoDBDocumentClient;
let store: DynamoStore;
let frank: XmppUser;
let frankJid: string;
const PREFIX = '[noticeflow demo] ';

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'noticeflow-confirm-chat-'));
  stack = await startLocalStack({
    dataDir,
    ports: { sqs: 0, dynamo: 0, c2s: 0, component: 0 },
    relay: 'process',
    logLevel: 'SILENT',
  });
  sqs = createSqsClient(stack.endpoints);
  db = createDocumentClient(stack.endpoints);
  store = new DynamoStore(db, stack.info.tableName);
  const account = stack.addXmppAccount('frank');
  frankJid = account.jid;
  frank = await connectUser({
    service: stack.info.xmpp.service,
    domain: stack.info.xmpp.domain,
    username: 'frank',
    password: account.password,
  });
}, 90_000);

afterAll(async () => {
  await frank?.stop();
  sqs?.destroy();
  db?.destroy();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<number> {
  const response = await fetch(new URL(path, stack.info.api.url), {
    method,
    headers: {
      authorization: `Bearer ${stack.info.api.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.body?.cancel();
  return response.status;
}

async function command(body: string, reply: string): Promise<void> {
  await frank.say(stack.info.bot.jid, body);
  await frank.waitForBody((text) => text === `${PREFIX}${reply}`);
}

describe('confirm by chat, then commands', () => {
  it('links an address with the code sent back by chat, then follows, gets a notice, get and whois', async () => {
    expect(await api('POST', '/users', { nickname: 'frank' })).toBe(201);
    expect(await api('PUT', '/users/frank/im', { jid: frankJid })).toBe(202);
    const message = await frank.waitForBody((text) => /send me this code: [2-9A-Z]{13}/.test(text));
    const code = /send me this code: ([2-9A-Z]{13})/.exec(message.body)?.[1] ?? '';

    // Before confirming, a command is not run: the address is not linked yet.
    await frank.say(stack.info.bot.jid, 'stats');
    await frank.waitForBody((text) => text.startsWith(PREFIX) && text.includes('not linked'));

    await frank.say(stack.info.bot.jid, ` ${code.toLowerCase()} `);
    await frank.waitForBody((text) => text.startsWith(`${PREFIX}Confirmed: ${frankJid}`));
    expect((await store.findUserByNickname('local', 'frank'))?.im).toEqual({
      jid: frankJid,
      confirmed: true,
    });

    await command('follow alice', 'Subscribed to alice.');
    const post = (text: string) =>
      postNotice({ store, sender: new SqsFrameSender(sqs, stack.queueUrls) }, 'local', 'alice', text);
    const first = await post('welcome frank');
    await frank.waitForBody((text) => text === `alice: welcome frank [${first}]`);
    await command('get alice', `alice: welcome frank [${first}]`);
    await command('whois alice', 'alice (http://localhost:8080/alice)');
  });
});
