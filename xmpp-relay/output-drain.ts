import type { Element } from '@xmpp/xml';
import { describeError } from '../shared/errors.js';
import { AckedStanzas, ackedKey } from './acked-stanzas.js';
import { backoffDelay } from './backoff.js';
import type { DrainSettings } from './config.js';
import { DeleteBatcher, type DeleteResult } from './delete-batcher.js';
import type { XmppLink } from './link.js';
import type { Logger } from './log.js';
import type { Lane, OutputQueues, QueueMessage } from './output-queues.js';
import { checkStanzaFrame } from './stanza-check.js';
import { type Gate, sleep, WorkCounter, withTimeout } from './timing.js';

/**
 * The output drain: two poll loops, one per lane, feeding one XMPP link.
 *
 * Priority: the priority loop writes as soon as it receives. The bulk loop handles one
 * message at a time and, before writing each one, waits until no priority message is in
 * hand (received and not yet settled). So a priority reply waits behind at most the one
 * bulk message already written.
 *
 * Acknowledgement: a message is deleted only after the server acknowledged every stanza
 * in it (XEP-0198); acknowledged messages are deleted in batches, each waiting at most
 * `deleteLingerMs` for others to join it (delete-batcher.ts). A failed, timed-out or
 * unwritten message is left alone: it becomes visible again and is retried. An invalid message is never written and never deleted:
 * after five receives SQS moves it to the dead-letter queue. Messages are independent, so
 * one bad message never holds back the others of its batch.
 *
 * Both loops pause while the link is not online (`online` gate), and a held message whose
 * visibility timeout is about to run out is not written (it would be redelivered while
 * in flight).
 *
 * Repeats: the ids of acknowledged stanzas are remembered (bounded, `ackedMemory`); a stanza
 * seen again is not written, and a message made only of repeats is deleted unwritten.
 */
export interface LaneStats {
  received: number;
  delivered: number;
  invalid: number;
  notConfirmed: number;
  expired: number;
  deleteErrors: number;
  receiveErrors: number;
  /** Stanzas not written because the server had already acknowledged them. */
  repeats: number;
}

export interface DrainDeps {
  readonly queues: OutputQueues;
  readonly link: Pick<XmppLink, 'sendAndConfirm'>;
  /** Open while the link is online. */
  readonly online: Gate;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** What the log says of a deleted message. */
interface DeleteTag {
  readonly frameId: string;
  /** Stanzas written for it (0 when all were repeats). */
  readonly written: number;
}

const newStats = (): LaneStats => ({
  received: 0,
  delivered: 0,
  invalid: 0,
  notConfirmed: 0,
  expired: 0,
  deleteErrors: 0,
  receiveErrors: 0,
  repeats: 0,
});

export class OutputDrain {
  readonly stats: Record<Lane, LaneStats> = { priority: newStats(), bulk: newStats() };
  /** Priority messages received and not yet settled; the bulk lane waits for it to be idle. */
  readonly priorityInHand = new WorkCounter();
  readonly #stopping = new AbortController();
  #loops: Promise<void>[] = [];
  readonly #now: () => number;
  readonly #acked: AckedStanzas;
  readonly #deletes: Record<Lane, DeleteBatcher<DeleteTag>>;

  constructor(
    private readonly deps: DrainDeps,
    private readonly settings: DrainSettings,
  ) {
    this.#now = deps.now ?? Date.now;
    this.#acked = new AckedStanzas(settings.ackedMemory);
    const deleter = (lane: Lane) =>
      new DeleteBatcher<DeleteTag>(
        lane,
        deps.queues,
        { lingerMs: settings.deleteLingerMs, requestTimeoutMs: settings.sqsRequestTimeoutMs },
        (message, tag, result) => this.#onDeleted(lane, message, tag, result),
      );
    this.#deletes = { priority: deleter('priority'), bulk: deleter('bulk') };
  }

  get running(): boolean {
    return this.#loops.length > 0 && !this.#stopping.signal.aborted;
  }

  start(): void {
    if (this.#loops.length > 0) throw new Error('output drain already started');
    this.#loops = [this.#runLane('priority'), this.#runLane('bulk')];
  }

  /**
   * Stops polling and writing; messages already written keep waiting for their acks (and
   * are deleted if acked) for at most `graceMs`. Resolves whether or not they finished.
   */
  async stop(graceMs: number): Promise<boolean> {
    this.#stopping.abort();
    try {
      await withTimeout(Promise.all(this.#loops), graceMs, () => new Error('drain grace timeout'));
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves when both loops have ended (after `stop`, once in-flight work settles). */
  async finished(): Promise<void> {
    await Promise.all(this.#loops);
  }

  async #runLane(lane: Lane): Promise<void> {
    const signal = this.#stopping.signal;
    const { logger } = this.deps;
    let failures = 0;
    while (!signal.aborted) {
      if (!(await this.deps.online.wait(Number.POSITIVE_INFINITY, signal))) continue;
      let messages: QueueMessage[];
      try {
        messages = await this.deps.queues.receive(lane, {
          maxMessages: this.settings.batchSize,
          waitSeconds: this.settings.waitSeconds,
          visibilitySeconds: this.settings.visibilitySeconds,
          signal,
        });
        failures = 0;
      } catch (error) {
        this.stats[lane].receiveErrors++;
        const delayMs = backoffDelay(failures++, this.settings.receiveRetry);
        logger.warn('receive failed', { lane, error: describeError(error), retryInMs: delayMs });
        await sleep(delayMs, signal);
        continue;
      }
      if (messages.length === 0) continue;
      const receivedAt = this.#now();
      this.stats[lane].received += messages.length;
      if (lane === 'priority') {
        this.priorityInHand.add(messages.length);
        await Promise.all(
          messages.map((message) =>
            this.#deliver(lane, message, receivedAt).finally(() => this.priorityInHand.done()),
          ),
        );
      } else {
        for (const message of messages) await this.#deliver(lane, message, receivedAt);
      }
    }
    // Stopping: what was acknowledged is deleted now, not left for SQS to hand out again.
    await this.#deletes[lane].drain();
  }

  /**
   * Checks, writes and confirms one message, and hands it to the lane's deleter once every
   * stanza is acknowledged (or none was left to write). Never throws.
   */
  async #deliver(lane: Lane, message: QueueMessage, receivedAt: number): Promise<void> {
    const { logger } = this.deps;
    const stats = this.stats[lane];
    const checked = checkStanzaFrame(message.body);
    if (!checked.ok) {
      stats.invalid++;
      logger.error('invalid stanzas frame: not sent, left for the dead-letter queue', {
        lane,
        messageId: message.messageId,
        receiveCount: message.receiveCount,
        reason: checked.reason,
      });
      return;
    }
    const { site } = checked.frame;
    const keyOf = (element: Element) => ackedKey(site, element.attrs.to ?? '', element.attrs.id ?? '');
    const fresh = checked.elements.filter((element) => !this.#acked.has(keyOf(element)));
    const repeats = checked.elements.length - fresh.length;
    if (repeats > 0) {
      stats.repeats += repeats;
      logger.info('already acknowledged stanzas not sent again', {
        lane,
        messageId: message.messageId,
        frameId: checked.frame.id,
        repeats,
        fresh: fresh.length,
      });
    }
    const frameId = checked.frame.id;
    if (fresh.length === 0) {
      this.#deletes[lane].add(message, { frameId, written: 0 });
      return;
    }
    const expiresAt = receivedAt + this.settings.visibilitySeconds * 1000 - this.settings.visibilityMarginMs;
    if (!(await this.#readyToWrite(lane, expiresAt))) {
      if (!this.#stopping.signal.aborted) {
        stats.expired++;
        logger.warn('message not written before its visibility ran out; it will be received again', {
          lane,
          messageId: message.messageId,
          frameId,
        });
      }
      return;
    }
    const ackTimeoutMs = Math.max(1, Math.min(this.settings.ackTimeoutMs, expiresAt - this.#now()));
    try {
      await this.deps.link.sendAndConfirm(fresh, ackTimeoutMs);
    } catch (error) {
      stats.notConfirmed++;
      logger.warn('stanzas not acknowledged; message kept for redelivery', {
        lane,
        messageId: message.messageId,
        frameId,
        error: describeError(error),
      });
      return;
    }
    for (const element of fresh) this.#acked.add(keyOf(element));
    this.#deletes[lane].add(message, { frameId, written: fresh.length });
  }

  /** Counts and logs what became of one acknowledged message's delete. */
  #onDeleted(lane: Lane, message: QueueMessage, { frameId, written }: DeleteTag, result: DeleteResult): void {
    const stats = this.stats[lane];
    if (result.deleted) {
      stats.delivered++;
      this.deps.logger.debug('message delivered', { lane, messageId: message.messageId, frameId, written });
      return;
    }
    // The stanzas went out and are remembered: when the message comes back they are not sent again.
    stats.deleteErrors++;
    this.deps.logger.error('delivered but not deleted; it will be received again', {
      lane,
      messageId: message.messageId,
      frameId,
      error: result.reason,
    });
  }

  /**
   * Waits until the link is online and, for the bulk lane, no priority message is in hand;
   * false when stopping or when `expiresAt` passes first. Both conditions hold on return
   * (no await between the final check and the caller's synchronous write).
   */
  async #readyToWrite(lane: Lane, expiresAt: number): Promise<boolean> {
    const signal = this.#stopping.signal;
    for (;;) {
      if (signal.aborted) return false;
      const left = expiresAt - this.#now();
      if (left <= 0) return false;
      if (!this.deps.online.isOpen) {
        await this.deps.online.wait(left, signal);
      } else if (lane === 'bulk' && !this.priorityInHand.idle.isOpen) {
        await this.priorityInHand.idle.wait(left, signal);
      } else {
        return true;
      }
    }
  }
}
