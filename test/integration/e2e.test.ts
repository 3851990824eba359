import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeLocalInfo } from '../../infra/local/info.js';
import { encodeFrame, makeFrame } from '../../shared/frames.js';
import { MAX_RECEIVE_COUNT } from '../../shared/topology.js';
import { eventually } from '../helpers/eventually.js';
import { useLocalStack } from '../helpers/stack-session.js';

// The main job end to end on real parts: fauxqs, dynalite, Prosody, the real handlers in
// the local event-source harness, and the relay as its own process. Prosody must be
// installed: startLocalStack throws otherwise, so this fails rather than skips.
const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, '../..');

const local = useLocalStack({ name: 'e2e', users: ['alice', 'bob', 'carol'] });
const { user, post } = local;

beforeAll(() => writeLocalInfo(local.dataDir, local.stack.info));

describe('the main job', () => {
  it('delivers a notice posted with the CLI to both followers, with the exact body', async () => {
    const { stdout } = await run('npx', ['noticeflow', 'post', 'alice', 'hello', 'world'], {
      cwd: repoRoot,
      env: { ...process.env, NOTICEFLOW_LOCAL_INFO: join(local.dataDir, 'local.json') },
    });
    const id = stdout.trim();
    expect(id).toMatch(/^\d+$/);
    const expected = `alice: hello world [${id}]`;
    for (const follower of ['bob', 'carol']) {
      const message = await user(follower).waitForBody((body) => body === expected);
      expect(message.from).toBe(`${local.stack.info.bot.jid}/noticeflow`);
      expect(message.type).toBe('chat');
    }
    // alice follows bob, not herself: she gets no copy of her own notice
    expect(user('alice').received.some((m) => m.body === expected)).toBe(false);
  });

  it('turns a chat message from a confirmed address into a notice that reaches its followers', async () => {
    await user('bob').say(local.stack.info.bot.jid, 'good morning');
    const message = await user('alice').waitForBody((body) => body.startsWith('bob: good morning ['));
    expect(message.body).toMatch(/^bob: good morning \[\d+\]$/);
    const id = /\[(\d+)\]$/.exec(message.body)?.[1] ?? '';
    expect(await local.store.getNotice('local', id)).toMatchObject({
      author: { nickname: 'bob' },
      source: 'xmpp',
    });
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
    const carol = await local.store.findUserByNickname('local', 'carol');
    if (!carol?.im) throw new Error('demo user carol is missing');
    await local.store.putUser({ ...carol, im: { ...carol.im, confirmed: false } });
    await user('carol').say(local.stack.info.bot.jid, 'please post this');
    const reply = await user('carol').waitForBody((body) => body.includes('not linked'));
    expect(reply.body).toMatch(/^\[[^\]]+\] /);
    // bob follows nobody but alice; alice follows bob, not carol: check no notice was stored with that text
    const control = await post('bob', 'control message');
    await user('alice').waitForBody((body) => body === `bob: control message [${control}]`);
    for (let id = 1; id <= Number(control); id++) {
      expect((await local.store.getNotice('local', String(id)))?.text).not.toBe('please post this');
    }
    // The explanation goes out once an hour per address: a second message gets none.
    await user('carol').say(local.stack.info.bot.jid, 'please post this too');
    await local.drained('xmpp-in');
    await local.drained('xmpp-out-priority');
    expect(user('carol').received.filter((m) => m.body.includes('not linked'))).toHaveLength(1);
  });

  it('fails only a bad record on notices, and moves it to the dead-letter queue after 5 receives', async () => {
    // Shorten the visibility timeout so five receives take seconds, not the production minutes.
    await local.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: local.stack.queueUrls.notices,
        Attributes: { VisibilityTimeout: '1' },
      }),
    );
    const bob = await local.store.findUserByNickname('local', 'bob');
    if (!bob) throw new Error('demo user bob is missing');
    const id = await local.store.nextNoticeId('local');
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
      await local.sqs.send(
        new SendMessageCommand({ QueueUrl: local.stack.queueUrls.notices, MessageBody: body }),
      );
    }
    await user('alice').waitForBody((body) => body === `bob: good one [${id}]`);
    const dead = await eventually(
      async () => {
        const { Attributes } = await local.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: local.stack.dlqUrls.notices,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        );
        return Number(Attributes?.ApproximateNumberOfMessages) === 2;
      },
      { timeoutMs: 20_000, what: 'two dead letters on notices-dlq' },
    );
    expect(dead).toBe(true);
    const { Messages = [] } = await local.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: local.stack.dlqUrls.notices,
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
