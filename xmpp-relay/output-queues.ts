import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { deadlineSignal } from './timing.js';

/** The two output lanes: `priority` (replies, confirmations) is always drained first. */
export type Lane = 'priority' | 'bulk';
export const LANES: readonly Lane[] = ['priority', 'bulk'];

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

/** What the drain needs from the output queues: receive and delete, per lane. */
export interface OutputQueues {
  receive(lane: Lane, options: ReceiveOptions): Promise<QueueMessage[]>;
  delete(lane: Lane, message: QueueMessage, timeoutMs: number): Promise<void>;
}

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

  async delete(lane: Lane, message: QueueMessage, timeoutMs: number): Promise<void> {
    const deadline = deadlineSignal(timeoutMs);
    try {
      await this.sqs.send(
        new DeleteMessageCommand({ QueueUrl: this.urls[lane], ReceiptHandle: message.receiptHandle }),
        {
          abortSignal: deadline.signal,
        },
      );
    } finally {
      deadline.dispose();
    }
  }
}
