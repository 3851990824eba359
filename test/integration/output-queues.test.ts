import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from '../../shared/aws/clients.js';
import { type QueueMessage, SqsOutputQueues } from '../../xmpp-relay/output-queues.js';

// The relay's SQS edge against fauxqs with the real SDK client: long-poll receive and the
// batched delete, including more messages than one DeleteMessageBatch takes.
let fauxqs: FauxqsServer;
let sqs: SQSClient;
let queues: SqsOutputQueues;
let bulkUrl: string;

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sqs = createSqsClient({ region: 'us-east-1', sqsEndpoint: fauxqs.address });
  const url = async (name: string) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
  bulkUrl = await url('xmpp-out');
  queues = new SqsOutputQueues(sqs, { priority: await url('xmpp-out-priority'), bulk: bulkUrl });
});

afterAll(async () => {
  sqs?.destroy();
  await fauxqs?.stop();
});

async function put(count: number, from = 0): Promise<void> {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: bulkUrl,
      Entries: Array.from({ length: count }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${from + i}` })),
    }),
  );
}

async function receiveAll(expected: number): Promise<QueueMessage[]> {
  const messages: QueueMessage[] = [];
  const signal = new AbortController().signal;
  while (messages.length < expected) {
    const batch = await queues.receive('bulk', {
      maxMessages: 10,
      waitSeconds: 1,
      visibilitySeconds: 30,
      signal,
    });
    if (batch.length === 0) break;
    messages.push(...batch);
  }
  return messages;
}

async function messagesLeft(): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: bulkUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('SqsOutputQueues on fauxqs', () => {
  it('deletes more messages than one batch request takes, and leaves the others in flight', async () => {
    await put(10);
    await put(3, 10);
    const received = await receiveAll(13);
    expect(received.map((m) => m.body).sort()).toEqual(
      Array.from({ length: 13 }, (_, i) => `body ${i}`).sort(),
    );
    expect(received.every((m) => m.receiveCount === 1)).toBe(true);

    const kept = received[5] as QueueMessage;
    const notDeleted = await queues.delete(
      'bulk',
      received.filter((m) => m !== kept),
      5_000,
    );
    expect(notDeleted).toEqual([]);
    expect(await messagesLeft()).toBe(1);
    expect(await queues.delete('bulk', [kept], 5_000)).toEqual([]);
    expect(await messagesLeft()).toBe(0);
  });

  it('reports every message of a request that failed instead of throwing', async () => {
    const unreachable = new SqsOutputQueues(
      createSqsClient({ region: 'us-east-1', sqsEndpoint: 'http://127.0.0.1:9' }),
      {
        priority: bulkUrl,
        bulk: bulkUrl,
      },
    );
    const message = { messageId: 'x', receiptHandle: 'rh', body: '', receiveCount: 1 };
    const notDeleted = await unreachable.delete('bulk', [message, { ...message, messageId: 'y' }], 2_000);
    expect(notDeleted.map((n) => n.message.messageId)).toEqual(['x', 'y']);
    expect(notDeleted[0]?.reason).toMatch(/\S/);
  });
});
