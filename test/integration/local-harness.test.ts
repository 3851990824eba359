import { GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../infra/local/emulators.js';
import {
  type Harness,
  interpretBatchResponse,
  type SqsHandler,
  startHarness,
} from '../../infra/local/harness.js';
import { silentLogger } from '../../infra/local/log.js';
import { ensureQueue, type QueueWithDlq } from '../../infra/local/provision.js';
import { createSqsClient } from '../../shared/aws/clients.js';
import { HANDLERS, type HandlerSpec } from '../../shared/topology.js';
import { eventually } from '../helpers/eventually.js';

// The harness against a real fauxqs: one emulator, one `notices` queue (short visibility
// timeout, so retries come fast) and one harness per test.
const SPEC: HandlerSpec = {
  ...(HANDLERS[0] as HandlerSpec),
  batchSize: 10,
  maxConcurrency: 1,
  timeoutSeconds: 5,
};

let emulators: Emulators;
let sqs: SQSClient;
let queue: QueueWithDlq;
let harness: Harness | undefined;

beforeEach(async () => {
  emulators = await startEmulators({ sqsPort: 0, dynamoPort: 0 });
  sqs = createSqsClient({ region: 'us-east-1', sqsEndpoint: emulators.sqsEndpoint });
});

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  sqs.destroy();
  await emulators.stop();
});

async function provisionQueue(visibilityTimeoutSeconds: number) {
  queue = await ensureQueue(sqs, { name: 'notices', visibilityTimeoutSeconds });
}

async function send(...bodies: string[]) {
  const { Failed } = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queue.url,
      Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
    }),
  );
  expect(Failed ?? []).toEqual([]);
}

async function run(handler: SqsHandler | string, spec: Partial<HandlerSpec> = {}) {
  harness = await startHarness({
    sqs,
    queueUrls: { notices: queue.url },
    handlers: [{ spec: { ...SPEC, ...spec }, handler }],
    logger: silentLogger,
  });
}

async function counts(url: string) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

/** Records every invocation: body and receive count of each record. */
function recorder() {
  const calls: { bodies: string[]; receiveCounts: string[]; event: SQSEvent; context: Context }[] = [];
  const record = (event: SQSEvent, context: Context) => {
    calls.push({
      bodies: event.Records.map((r) => r.body),
      receiveCounts: event.Records.map((r) => r.attributes.ApproximateReceiveCount),
      event,
      context,
    });
  };
  const seen = (body: string) => calls.filter((call) => call.bodies.includes(body)).length;
  return { calls, record, seen };
}

describe('local event-source harness', () => {
  it('passes a realistic SQS event and Lambda context', async () => {
    await provisionQueue(30);
    await send('hello');
    const { calls, record } = recorder();
    await run(async (event, context) => {
      record(event, context);
      return { batchItemFailures: [] };
    });

    await eventually(async () => (await counts(queue.url)).inFlight === 0 && calls.length === 1, {
      what: 'delete',
    });
    const [call] = calls;
    const r = call?.event.Records[0];
    expect(r).toMatchObject({
      body: 'hello',
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      attributes: {
        ApproximateReceiveCount: '1',
        SenderId: expect.any(String),
        SentTimestamp: expect.any(String),
      },
    });
    expect(r?.messageId).toMatch(/.+/);
    expect(r?.receiptHandle).toMatch(/.+/);
    expect(call?.context.functionName).toBe(SPEC.name);
    expect(call?.context.awsRequestId).toMatch(/.+/);
    const remaining = call?.context.getRemainingTimeInMillis() ?? 0;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(SPEC.timeoutSeconds * 1000);
    expect(await counts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('retries only the records a partial batch response lists', async () => {
    await provisionQueue(1);
    await send('a', 'b', 'c');
    const { calls, record, seen } = recorder();
    await run(async (event, context) => {
      record(event, context);
      const failed = event.Records.filter(
        (r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1',
      );
      return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
    });

    await eventually(() => seen('b') === 2, { what: 'b to be redelivered' });
    await eventually(async () => (await counts(queue.url)).inFlight === 0, { what: 'b to be deleted' });
    expect(calls[0]?.bodies.sort()).toEqual(['a', 'b', 'c']);
    expect(calls[1]).toMatchObject({ bodies: ['b'], receiveCounts: ['2'] });
    expect([seen('a'), seen('c')]).toEqual([1, 1]);
    expect(await counts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
    expect(await counts(queue.dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('loads a handler module by path and honours its response', async () => {
    await provisionQueue(30);
    await send('ok-1', 'fail-1', 'ok-2');
    await run('test/helpers/local-harness-handler.ts');

    // The two ok records are deleted; the failed one waits out its visibility timeout.
    await eventually(async () => {
      const c = await counts(queue.url);
      return c.visible === 0 && c.inFlight === 1;
    });
  });

  describe.each<[string, (event: SQSEvent) => unknown]>([
    ['an empty itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: '' }] })],
    ['a missing itemIdentifier', () => ({ batchItemFailures: [{ id: 'x' }] })],
    ['an itemIdentifier not in the batch', () => ({ batchItemFailures: [{ itemIdentifier: 'no-such-id' }] })],
    ['a response that is not an object', () => 'done'],
    ['batchItemFailures that is not a list', () => ({ batchItemFailures: 'all' })],
    [
      'a thrown error',
      () => {
        throw new Error('boom');
      },
    ],
  ])('a batch answered with %s', (_, firstAnswer) => {
    it('fails as a whole: every record is redelivered', async () => {
      await provisionQueue(1);
      await send('a', 'b');
      const { calls, record } = recorder();
      await run(async (event, context) => {
        record(event, context);
        return calls.length === 1 ? firstAnswer(event) : undefined;
      });

      await eventually(() => calls.length === 2, { what: 'redelivery' });
      expect(calls[0]?.bodies.sort()).toEqual(['a', 'b']);
      expect(calls[1]?.bodies.sort()).toEqual(['a', 'b']);
      expect(calls[1]?.receiveCounts).toEqual(['2', '2']);
      await eventually(async () => (await counts(queue.url)).inFlight === 0, {
        what: 'delete after success',
      });
    });
  });

  it('fails a batch whose invocation outlives the function timeout', async () => {
    await provisionQueue(2);
    await send('slow');
    const { calls, record } = recorder();
    await run(
      async (event, context) => {
        record(event, context);
        if (calls.length === 1) await new Promise(() => {}); // never settles
        return {};
      },
      { timeoutSeconds: 1 },
    );

    await eventually(() => calls.length === 2, { what: 'redelivery after the timeout' });
    expect(calls[1]?.receiveCounts).toEqual(['2']);
  });

  it('moves a record that always fails to the dead-letter queue after 5 receives', async () => {
    await provisionQueue(1);
    await send('poison');
    const { calls, record } = recorder();
    await run(async (event, context) => {
      record(event, context);
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });

    await eventually(async () => (await counts(queue.dlqUrl)).visible === 1, {
      timeoutMs: 20_000,
      what: 'dead letter',
    });
    expect(calls.map((call) => call.receiveCounts[0])).toEqual(['1', '2', '3', '4', '5']);
    expect(await counts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('keeps at most maxConcurrency batches in flight', async () => {
    await provisionQueue(30);
    await send('1', '2', '3', '4', '5', '6');
    let active = 0;
    let maxActive = 0;
    let done = 0;
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    await run(
      async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await gate;
        active -= 1;
        done += 1;
        return {};
      },
      { batchSize: 1, maxConcurrency: 2 },
    );

    await eventually(() => active === 2, { what: 'two batches in flight' });
    // The poller does not receive while both slots are taken: the rest stays on the queue.
    expect(await counts(queue.url)).toEqual({ visible: 4, inFlight: 2 });
    open();
    await eventually(() => done === 6, { what: 'all batches' });
    expect(maxActive).toBe(2);
    await eventually(async () => (await counts(queue.url)).inFlight === 0, { what: 'deletes' });
  });

  it('stops promptly while a long poll is waiting', async () => {
    await provisionQueue(30);
    await run(async () => ({}));
    const started = Date.now();
    await harness?.stop();
    harness = undefined;
    await emulators.stop();
    emulators = await startEmulators({ sqsPort: 0, dynamoPort: 0 }); // for afterEach
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('interpretBatchResponse', () => {
  const ids = ['m1', 'm2'];

  it.each([undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }])(
    'treats %j as full success',
    (response) => {
      expect(interpretBatchResponse(response, ids)).toEqual({ ok: true, failed: new Set() });
    },
  );

  it('lists the failed records', () => {
    expect(interpretBatchResponse({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, ids)).toEqual({
      ok: true,
      failed: new Set(['m2']),
    });
  });

  it.each([
    ['an array', []],
    ['a number', 3],
    ['a null failure', { batchItemFailures: [null] }],
    ['a numeric itemIdentifier', { batchItemFailures: [{ itemIdentifier: 1 }] }],
  ])('fails the batch on %s', (_, response) => {
    expect(interpretBatchResponse(response, ids).ok).toBe(false);
  });
});
