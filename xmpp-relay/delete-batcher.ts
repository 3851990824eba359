import { describeError } from '../shared/errors.js';
import {
  DELETE_BATCH_LIMIT,
  type Lane,
  type NotDeleted,
  type OutputQueues,
  type QueueMessage,
} from './output-queues.js';

/** What became of one message handed to the batcher: deleted, or not and why. */
export type DeleteResult = { readonly deleted: true } | { readonly deleted: false; readonly reason: string };

interface Pending<T> {
  readonly message: QueueMessage;
  readonly tag: T;
}

/**
 * Deletes the acknowledged messages of one lane in batches: a message waits at most
 * `lingerMs` for others to share its DeleteMessageBatch (up to 10), however long the rest
 * of its receive takes to be written and acknowledged. So the window in which a delivered
 * message could be redelivered (a crash before its delete) stays short, and a relay that
 * keeps up still sends one delete per several messages.
 *
 * `drain` sends what is pending at once and waits for every request in flight: the drain's
 * stop calls it, so nothing acknowledged is left undeleted by a clean stop.
 */
export class DeleteBatcher<T> {
  #pending: Pending<T>[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly lane: Lane,
    private readonly queues: Pick<OutputQueues, 'delete'>,
    private readonly settings: { readonly lingerMs: number; readonly requestTimeoutMs: number },
    /** Called once per message with its outcome; must not throw. */
    private readonly onResult: (message: QueueMessage, tag: T, result: DeleteResult) => void,
  ) {}

  add(message: QueueMessage, tag: T): void {
    this.#pending.push({ message, tag });
    if (this.#pending.length >= DELETE_BATCH_LIMIT) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.settings.lingerMs);
  }

  /** Sends what is pending now, without waiting for the request. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const request = this.#send(batch).finally(() => this.#inFlight.delete(request));
    this.#inFlight.add(request);
  }

  /** Flushes and resolves once every delete request has settled. */
  async drain(): Promise<void> {
    this.flush();
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  async #send(batch: readonly Pending<T>[]): Promise<void> {
    let notDeleted: NotDeleted[];
    try {
      notDeleted = await this.queues.delete(
        this.lane,
        batch.map((p) => p.message),
        this.settings.requestTimeoutMs,
      );
    } catch (error) {
      notDeleted = batch.map((p) => ({ message: p.message, reason: describeError(error) }));
    }
    const reasons = new Map(notDeleted.map((n) => [n.message.messageId, n.reason]));
    for (const { message, tag } of batch) {
      const reason = reasons.get(message.messageId);
      this.onResult(message, tag, reason === undefined ? { deleted: true } : { deleted: false, reason });
    }
  }
}
