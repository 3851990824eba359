import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describeError } from '../shared/errors.js';
import { deadlineSignal } from './timing.js';

/** The two output lanes: `priority` (replies, confirmations) is always drained first. */
export type Lane = 'priority' | 'bulk';

export interface QueueMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: number;
}

export interface ReceiveOptions {
  readonly maxMessages: number;
  readonly waitSeconds: number;
  readonly visibilitySeconds: number;
  /** Aborting ends the long poll early with no messages. */
  readonly signal: AbortSignal;
}

/** A message a delete did not remove, and why. */
export interface NotDeleted {
  readonly message: QueueMessage;
  readonly reason: string;
}

/** What the drain needs from the output queues: receive and delete, per lane. */
export interface OutputQueues {
  receive(lane: Lane, options: ReceiveOptions): Promise<QueueMessage[]>;
  /**
   * Deletes messages of one lane in as few requests as the queue allows; resolves with the
   * ones it could not delete (a failed request counts for all of its messages). Never throws.
   */
  delete(lane: Lane, messages: readonly QueueMessage[], timeoutMs: number): Promise<NotDeleted[]>;
}

/** SQS takes at most 10 entries in one DeleteMessageBatch. */
export const DELETE_BATCH_LIMIT = 10;

/** OutputQueues over SQS. Every call is bounded: the long poll by its wait plus a margin. */
export class SqsOutputQueues implements OutputQueues {
  constructor(
    private readonly sqs: SQSClient,
    private readonly urls: Readonly<Record<Lane, string>>,
  ) {}

  async receive(lane: Lane, options: ReceiveOptions): Promise<QueueMessage[]> {
    const deadline = deadlineSignal(options.waitSeconds * 1000 + 10_000, options.signal);
    try {
      const result = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.urls[lane],
          MaxNumberOfMessages: options.maxMessages,
          WaitTimeSeconds: options.waitSeconds,
          VisibilityTimeout: options.visibilitySeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
        { abortSignal: deadline.signal },
      );
      return (result.Messages ?? []).flatMap((m) =>
        m.MessageId && m.ReceiptHandle && m.Body !== undefined
          ? [
              {
                messageId: m.MessageId,
                receiptHandle: m.ReceiptHandle,
                body: m.Body,
                receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
              },
            ]
          : [],
      );
    } catch (error) {
      if (options.signal.aborted) return [];
      throw error;
    } finally {
      deadline.dispose();
    }
  }

  async delete(lane: Lane, messages: readonly QueueMessage[], timeoutMs: number): Promise<NotDeleted[]> {
    const notDeleted: NotDeleted[] = [];
    for (let start = 0; start < messages.length; start += DELETE_BATCH_LIMIT) {
      const chunk = messages.slice(start, start + DELETE_BATCH_LIMIT);
      const deadline = deadlineSignal(timeoutMs);
      try {
        const result = await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.urls[lane],
            Entries: chunk.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.receiptHandle,
            })),
          }),
          { abortSignal: deadline.signal },
        );
        for (const failure of result.Failed ?? []) {
          const message = chunk[Number(failure.Id)];
          if (message)
            notDeleted.push({ message, reason: `${failure.Code}: ${failure.Message ?? ''}`.trim() });
        }
      } catch (error) {
        notDeleted.push(...chunk.map((message) => ({ message, reason: describeError(error) })));
      } finally {
        deadline.dispose();
      }
    }
    return notDeleted;
  }
}
