import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { type QueueMessage, SqsOutputQueues } from '../../xmpp-relay/output-queues.js';

/** An SQS client that answers every DeleteMessageBatch with `failedIds` failed, recording the requests. */
function stubSqs(failedIds: (entryIds: string[]) => string[]) {
  const requests: DeleteMessageBatchCommand['input'][] = [];
  const client = {
    async send(command: unknown) {
      if (!(command instanceof DeleteMessageBatchCommand)) throw new Error('unexpected command');
      requests.push(command.input);
      const ids = (command.input.Entries ?? []).map((e) => e.Id ?? '');
      return {
        Successful: ids.filter((id) => !failedIds(ids).includes(id)).map((Id) => ({ Id })),
        Failed: failedIds(ids).map((Id) => ({
          Id,
          Code: 'ReceiptHandleIsInvalid',
          Message: 'expired',
          SenderFault: true,
        })),
      };
    },
  };
  return { client: client as unknown as SQSClient, requests };
}

const messages = (count: number): QueueMessage[] =>
  Array.from({ length: count }, (_, i) => ({
    messageId: `m${i}`,
    receiptHandle: `rh${i}`,
    body: '',
    receiveCount: 1,
  }));

describe('SqsOutputQueues.delete', () => {
  it('sends at most 10 entries a request, to the lane queue, with the receipt handles', async () => {
    const { client, requests } = stubSqs(() => []);
    const queues = new SqsOutputQueues(client, { priority: 'urlP', bulk: 'urlB' });
    expect(await queues.delete('priority', messages(23), 1_000)).toEqual([]);
    expect(requests.map((r) => r.Entries?.length)).toEqual([10, 10, 3]);
    expect(requests.every((r) => r.QueueUrl === 'urlP')).toBe(true);
    expect(requests[2]?.Entries?.map((e) => e.ReceiptHandle)).toEqual(['rh20', 'rh21', 'rh22']);
  });

  it('maps the entries SQS reports failed back to their messages, with the reason', async () => {
    const { client } = stubSqs((ids) => ids.filter((id) => id === '1'));
    const queues = new SqsOutputQueues(client, { priority: 'urlP', bulk: 'urlB' });
    const notDeleted = await queues.delete('bulk', messages(12), 1_000);
    expect(notDeleted.map((n) => [n.message.messageId, n.reason])).toEqual([
      ['m1', 'ReceiptHandleIsInvalid: expired'],
      ['m11', 'ReceiptHandleIsInvalid: expired'],
    ]);
  });

  it('makes no request for no messages', async () => {
    const { client, requests } = stubSqs(() => []);
    expect(await new SqsOutputQueues(client, { priority: 'p', bulk: 'b' }).delete('bulk', [], 1_000)).toEqual(
      [],
    );
    expect(requests).toHaveLength(0);
  });
});
