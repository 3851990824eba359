import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../shared/aws/clients.js';
import { describeError } from '../shared/errors.js';
import { type FrameSender, SqsFrameSender } from '../shared/queue.js';
import { describeConfig, type RelayConfig } from './config.js';
import { XmppJsLink } from './connection.js';
import { InboundCapture, type InboundStats } from './inbound.js';
import type { LinkState, LinkStatus, XmppLink } from './link.js';
import { jsonLogger, type Logger } from './log.js';
import { type LaneStats, OutputDrain } from './output-drain.js';
import { type Lane, type OutputQueues, SqsOutputQueues } from './output-queues.js';
import { Gate } from './timing.js';

/**
 * The relay: one XMPP link, the output drain feeding it, inbound capture draining it.
 *
 * Lifecycle: idle → starting → running → stopping → stopped (or failed, when the link
 * fails fatally or never comes online). `stop()` stops polling, waits (bounded by
 * `stopGraceMs`) for the acks of what is already written, goes offline, then closes the
 * SQS client. `finished` resolves once stopped, with the error that ended it, if any.
 */
export type RelayState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface RelayStatus {
  readonly state: RelayState;
  readonly link: LinkState;
  readonly lanes: Readonly<Record<Lane, Readonly<LaneStats>>>;
  readonly inbound: Readonly<InboundStats>;
}

/** Replaceable parts; each defaults to the real one built from the config. */
export interface RelayDeps {
  readonly logger?: Logger;
  readonly link?: XmppLink;
  readonly queues?: OutputQueues;
  readonly frames?: FrameSender;
  /** Used for the defaults of `queues` and `frames`; destroyed on stop only if the relay created it. */
  readonly sqs?: SQSClient;
}

export interface RelayExit {
  readonly state: 'stopped' | 'failed';
  readonly error?: Error;
}

export class Relay {
  #state: RelayState = 'idle';
  readonly #logger: Logger;
  readonly #link: XmppLink;
  readonly #drain: OutputDrain;
  readonly #inbound: InboundCapture;
  readonly #online = new Gate(false);
  readonly #ownedSqs: SQSClient | undefined;
  readonly #unsubscribe: (() => void)[] = [];
  #stopping: Promise<void> | undefined;
  #exitError: Error | undefined;
  #resolveFinished!: (exit: RelayExit) => void;
  /** Resolves once the relay has stopped, whether asked to or after a fatal error. */
  readonly finished: Promise<RelayExit> = new Promise((resolve) => {
    this.#resolveFinished = resolve;
  });

  constructor(
    private readonly config: RelayConfig,
    deps: RelayDeps = {},
  ) {
    this.#logger = deps.logger ?? jsonLogger(config.logLevel);
    const needsSqs = !deps.queues || !deps.frames;
    const sqs = deps.sqs ?? (needsSqs ? createSqsClient(config.aws) : undefined);
    this.#ownedSqs = deps.sqs ? undefined : sqs;
    this.#link = deps.link ?? new XmppJsLink(config.xmpp, this.#logger);
    const queues =
      deps.queues ??
      new SqsOutputQueues(sqs as SQSClient, { priority: config.queues.outPriority, bulk: config.queues.out });
    const frames = deps.frames ?? new SqsFrameSender(sqs as SQSClient, { 'xmpp-in': config.queues.in });
    this.#drain = new OutputDrain(
      { queues, link: this.#link, online: this.#online, logger: this.#logger },
      config.drain,
    );
    this.#inbound = new InboundCapture(config.site, frames, this.#logger, config.drain.sqsRequestTimeoutMs);
  }

  get status(): RelayStatus {
    return {
      state: this.#state,
      link: this.#link.state,
      lanes: this.#drain.stats,
      inbound: this.#inbound.stats,
    };
  }

  /** Connects and starts draining; resolves once online. Rejects (and cleans up) if that fails. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`relay already ${this.#state}`);
    this.#state = 'starting';
    this.#logger.info('relay starting', describeConfig(this.config));
    this.#unsubscribe.push(
      this.#link.onStatus((status) => this.#onLinkStatus(status)),
      this.#link.onMessage((message) => void this.#inbound.handle(message)),
      this.#link.onPresence((presence) => void this.#inbound.handlePresence(presence)),
    );
    this.#drain.start();
    try {
      await this.#link.start();
    } catch (error) {
      if (!this.#stopping) this.#exitError = error as Error;
      await this.stop();
      throw error;
    }
    if (this.#state === 'starting') this.#state = 'running';
  }

  /** Idempotent; see the class comment for the order of steps. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#state = 'stopping';
    this.#logger.info('relay stopping');
    const drained = await this.#drain.stop(this.config.stopGraceMs);
    if (!drained)
      this.#logger.warn('stopping with stanzas still unacknowledged; their messages will be redelivered');
    await this.#inbound.drain(this.config.stopGraceMs);
    this.#online.close();
    await this.#link.stop();
    // Going offline failed whatever was unconfirmed, so the loops end promptly now.
    await this.#drain.finished();
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#ownedSqs?.destroy();
    const exit: RelayExit = this.#exitError
      ? { state: 'failed', error: this.#exitError }
      : { state: 'stopped' };
    this.#state = exit.state;
    this.#logger.info('relay stopped', {
      state: exit.state,
      error: exit.error ? describeError(exit.error) : undefined,
      lanes: this.#drain.stats,
      inbound: this.#inbound.stats,
    });
    this.#resolveFinished(exit);
  }

  #onLinkStatus(status: LinkStatus): void {
    if (status.state === 'online') {
      this.#online.open();
    } else {
      this.#online.close();
    }
    if (status.state === 'failed' && this.#state === 'running') {
      this.#exitError = status.error ?? new Error('XMPP link failed');
      void this.stop();
    }
  }
}

/** Creates and starts a relay; the programmatic entry for tests and the local stack. */
export async function startRelay(config: RelayConfig, deps: RelayDeps = {}): Promise<Relay> {
  const relay = new Relay(config, deps);
  await relay.start();
  return relay;
}
