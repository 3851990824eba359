import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PartialSendError } from './errors.js';
import { encodeFrame, type FrameKind, type FrameOf } from './frames.js';
import { groupBySize } from './grouping.js';
import type { QueueName } from './topology.js';

/** What handlers need from SQS: put frames on a named queue. */
export interface FrameSender {
  send(queue: QueueName, frames: readonly FrameOf<FrameKind>[]): Promise<void>;
}

/** SQS limits for one SendMessageBatch call. */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;
const MAX_ATTEMPTS = 4;

export class SqsFrameSender implements FrameSender {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrls: Readonly<Partial<Record<QueueName, string>>>,
  ) {}

  async send(queue: QueueName, frames: readonly FrameOf<FrameKind>[]): Promise<void> {
    const url = this.queueUrls[queue];
    if (!url) throw new Error(`no URL configured for queue ${queue}`);
    for (const chunk of chunkBodies(frames.map(encodeFrame))) {
      await this.sendChunk(queue, url, chunk);
    }
  }

  /** Sends one batch, resending only the refused entries; `Failed` is never ignored. */
  private async sendChunk(queue: QueueName, url: string, bodies: string[]): Promise<void> {
    let entries = bodies.map((body, index) => ({ Id: String(index), MessageBody: body }));
    for (let attempt = 1; ; attempt++) {
      const result = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
      const failed = result.Failed ?? [];
      if (failed.length === 0) return;
      const retryable = failed.filter((f) => !f.SenderFault);
      if (retryable.length < failed.length || attempt === MAX_ATTEMPTS) {
        throw new PartialSendError(
          queue,
          failed.map((f) => ({ id: f.Id ?? '?', code: f.Code ?? '?', message: f.Message ?? '' })),
        );
      }
      const failedIds = new Set(failed.map((f) => f.Id));
      entries = entries.filter((e) => failedIds.has(e.Id));
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

/** Groups message bodies into SendMessageBatch-sized chunks (entry count and total bytes). */
export function chunkBodies(bodies: readonly string[]): string[][] {
  return groupBySize(bodies, (body) => Buffer.byteLength(body), {
    maxItems: MAX_BATCH_ENTRIES,
    maxBytes: MAX_BATCH_BYTES,
  });
}
