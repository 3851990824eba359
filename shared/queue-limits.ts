import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Env, readInteger } from './config.js';
import { TransientError } from './errors.js';
import { MAX_STANZAS_PER_FRAME } from './frames.js';
import type { PackingLimits } from './packing.js';
import type { QueueName } from './topology.js';

/**
 * How many stanzas one output message may carry, from the queue itself: its
 * MaximumMessageSize is read once with GetQueueAttributes and cached for the life of the
 * process (a Lambda container), so a queue resized by infra is picked up on the next cold
 * start without a code change.
 */

/** The frame envelope around the stanzas: v, kind, site, id (at most 512), ts, and JSON punctuation. */
export const ENVELOPE_MARGIN_BYTES = 2048;
/** StanzaBatchSchema's limit per frame. */
export const MAX_STANZAS_LIMIT = MAX_STANZAS_PER_FRAME;
/** One fan-out page (1,000 recipients by default) fits one message. */
export const DEFAULT_MAX_STANZAS = 1000;

/** Reads the stanza cap per output message (`MAX_STANZAS_PER_MESSAGE`, 1 to 10,000, default 1,000). */
export function readMaxStanzasPerMessage(env: Env): number {
  return readInteger(env, 'MAX_STANZAS_PER_MESSAGE', DEFAULT_MAX_STANZAS, 1, MAX_STANZAS_LIMIT);
}

/**
 * Packing limits for a queue whose messages may be `maxMessageBytes` long: the envelope
 * margin and one separating comma per stanza come off the byte budget (packStanzas counts
 * each stanza's JSON alone).
 */
export function packingLimitsFor(maxMessageBytes: number, maxStanzas: number): PackingLimits {
  const maxBytes = maxMessageBytes - ENVELOPE_MARGIN_BYTES - maxStanzas;
  if (maxBytes <= 0) {
    throw new RangeError(`a ${maxMessageBytes}-byte message leaves no room for ${maxStanzas} stanzas`);
  }
  return { maxStanzas, maxBytes };
}

/** What producers ask: the packing limits for messages sent to `queue`. */
export interface QueueLimits {
  packing(queue: QueueName): Promise<PackingLimits>;
}

export class SqsQueueLimits implements QueueLimits {
  readonly #sizes = new Map<string, Promise<number>>();

  constructor(
    private readonly sqs: Pick<SQSClient, 'send'>,
    private readonly queueUrls: Readonly<Partial<Record<QueueName, string>>>,
    private readonly maxStanzas: number,
  ) {}

  async packing(queue: QueueName): Promise<PackingLimits> {
    return packingLimitsFor(await this.maxMessageBytes(queue), this.maxStanzas);
  }

  /** The queue's MaximumMessageSize; one GetQueueAttributes per queue, retried after a failure. */
  maxMessageBytes(queue: QueueName): Promise<number> {
    const url = this.queueUrls[queue];
    if (!url) return Promise.reject(new Error(`no URL configured for queue ${queue}`));
    let size = this.#sizes.get(url);
    if (!size) {
      size = this.#read(queue, url);
      // A failed read is not cached: the next record asks again.
      size.catch(() => this.#sizes.delete(url));
      this.#sizes.set(url, size);
    }
    return size;
  }

  async #read(queue: QueueName, url: string): Promise<number> {
    let value: string | undefined;
    try {
      const { Attributes } = await this.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['MaximumMessageSize'] }),
      );
      value = Attributes?.MaximumMessageSize;
    } catch (error) {
      throw new TransientError(`GetQueueAttributes ${queue}: ${(error as Error).message}`, { cause: error });
    }
    const bytes = Number(value);
    if (!Number.isInteger(bytes) || bytes <= 0) {
      throw new TransientError(`queue ${queue} reports MaximumMessageSize "${value ?? ''}"`);
    }
    return bytes;
  }
}
