import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postNotice } from '../../cli/post.js';
import { writeLocalInfo } from '../../infra/local/info.js';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.js';
import { createDocumentClient, createSqsClient } from '../../shared/aws/clients.js';
import { encodeFrame, makeFrame } from '../../shared/frames.js';
import { SqsFrameSender } from '../../shared/queue.js';
import { DynamoStore } from '../../shared/store/dynamo-store.js';
import { MAX_RECEIVE_COUNT } from '../../shared/topology.js';
import { eventually } from '../helpers/eventually.js';
import { connectUser, type XmppUser } from '../helpers/xmpp-user.js';

// The main job end to end on real parts: fauxqs, dynalite, Prosody, the real handlers in
// the local event-source harness, and the relay as its own process. Prosody must be
// installed: startLocalStack throws otherwise, so this fails rather than skips.
const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, '../..');

let dataDir: string;
let stack: LocalStack;
let sqs: SQSClient;
let db: DynamoDBDocumentClient;
let store: DynamoStore;
const users: Record<string, XmppUser> = {};

function post(nickname: string, text: string): Promise<string> {
  return postNotice({ store, sender: new SqsFrameSender(sqs, stack.queueUrls) }, 'local', nickname, text);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'noticeflow-e2e-'));
  stack = await startLocalStack({
    dataDir,
    ports: { sqs: 0, dynamo: 0, c2s: 0, component: 0 },
    relay: 'process',
    logLevel: 'SILENT',
  });
  writeLocalInfo(dataDir, stack.info);
  sqs = createSqsClient(stack.endpoints);
  db = createDocumentClient(stack.endpoints);
  store = new DynamoStore(db, stack.info.tableName);
  for (const [nickname, account] of Object.entries(stack.info.accounts)) {
    users[nickname] = await connectUser({
      service: stack.info.xmpp.service,
      domain: stack.info.xmpp.domain,
      username: nickname,
      password: account.password,
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

function user(nickname: string): XmppUser {
  const found = users[nickname];
  if (!found) throw new Error(`no XMPP session for ${nickname}`);
  return found;
}

describe('the main job', () => {
  it('delivers a notice posted with the CLI to both followers, with the exact body', async () => {
    const { stdout } = await run('npx', ['noticeflow', 'post', 'alice', 'hello', 'world'], {
      cwd: repoRoot,
      env: { ...process.env, NOTICEFLOW_LOCAL_INFO: join(dataDir, 'local.json') },
    });
    const id = stdout.trim();
    expect(id).toMatch(/^\d+$/);
    const expected = `alice: hello world [${id}]`;
    for (const follower of ['bob', 'carol']) {
      const message = await user(follower).waitForBody((body) => body === expected);
      expect(message.from).toBe(`${stack.info.bot.jid}/noticeflow`);
      expect(message.type).toBe('chat');
    }
    // alice follows bob, not herself: she gets no copy of her own notice
    expect(user('alice').received.some((m) => m.body === expected)).toBe(false);
  });

  it('turns a chat message from a confirmed address into a notice that reaches its followers', async () => {
    await user('bob').say(stack.info.bot.jid, 'good morning');
    const message = await user('alice').waitForBody((body) => body.startsWith('bob: good morning ['));
    expect(message.body).toMatch(/^bob: good morning \[\d+\]$/);
    const id = /\[(\d+)\]$/.exec(message.body)?.[1] ?? '';
    expect(await store.getNotice('local', id)).toMatchObject({ author: { nickname: 'bob' }, source: 'xmpp' });
  });

  it('delivers hostile text as visible text, without illegal characters, and the stream stays up', async () => {
    const id = await post('alice', 'a\u0001b\u000Bc\uFFFE\uD800 </body><iq type="set"/> & <b>bold</b>');
    const hostile = await user('bob').waitForBody((body) => body.endsWith(`[${id}]`));
    expect(hostile.body).toBe(`alice: abc </body><iq type="set"/> & <b>bold</b> [${id}]`);
    expect(hostile.stanza.getChild('iq')).toBeUndefined();
    // the relay's connection survived: the next notice arrives too
    const next = await post('alice', 'still here');
    await user('carol').waitForBody((body) => body === `alice: still here [${next}]`);
  });

  it('never posts a chat message from an address that is not confirmed; the sender gets help instead', async () => {
    const carol = await store.findUserByNickname('local', 'carol');
    if (!carol?.im) throw new Error('demo user carol is missing');
    await store.putUser({ ...carol, im: { ...carol.im, confirmed: false } });
    await user('carol').say(stack.info.bot.jid, 'please post this');
    const reply = await user('carol').waitForBody((body) => body.includes('not linked'));
    expect(reply.body).toMatch(/^\[[^\]]+\] /);
    // bob follows nobody but alice; alice follows bob, not carol: check no notice was stored with that text
    const control = await post('bob', 'control message');
    await user('alice').waitForBody((body) => body === `bob: control message [${control}]`);
    for (let id = 1; id <= Number(control); id++) {
      expect((await store.getNotice('local', String(id)))?.text).not.toBe('please post this');
    }
  });

  it('fails only a bad record on notices, and moves it to the dead-letter queue after 5 receives', async () => {
    // Shorten the visibility timeout so five receives take seconds, not the production minutes.
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: stack.queueUrls.notices,
        Attributes: { VisibilityTimeout: '1' },
      }),
    );
    const bob = await store.findUserByNickname('local', 'bob');
    if (!bob) throw new Error('demo user bob is missing');
    const id = await store.nextNoticeId('local');
    const good = makeFrame('notice', 'local', `notice-${id}`, {
      notice: {
        id,
        author: { id: bob.id, nickname: 'bob' },
        text: 'good one',
        createdAt: new Date().toISOString(),
        source: 'api',
        scope: 'public',
        local: true,
      },
    });
    for (const body of [
      '{"v":1,"kind":"notice"',
      '{"v":1,"kind":"notice","site":"local"}',
      encodeFrame(good),
    ]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrls.notices, MessageBody: body }));
    }
    await user('alice').waitForBody((body) => body === `bob: good one [${id}]`);
    const dead = await eventually(
      async () => {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: stack.dlqUrls.notices,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        );
        return Number(Attributes?.ApproximateNumberOfMessages) === 2;
      },
      { timeoutMs: 20_000, what: 'two dead letters on notices-dlq' },
    );
    expect(dead).toBe(true);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.dlqUrls.notices,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(Messages.map((m) => m.Body).sort()).toEqual([
      '{"v":1,"kind":"notice"',
      '{"v":1,"kind":"notice","site":"local"}',
    ]);
    for (const message of Messages) {
      expect(Number(message.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(MAX_RECEIVE_COUNT);
    }
  }, 40_000);
});
