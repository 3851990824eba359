import type { Element } from '@xmpp/xml';
import { encodeFrame, type FrameKind, type FrameOf, makeFrame } from '../../shared/frames.js';
import type { FrameSender } from '../../shared/queue.js';
import type { QueueName } from '../../shared/topology.js';
import { DEFAULT_DRAIN, type RelayConfig } from '../../xmpp-relay/config.js';
import { NotConnectedError, StanzaFailedError } from '../../xmpp-relay/errors.js';
import type { LinkState, LinkStatus, XmppLink } from '../../xmpp-relay/link.js';
import type {
  Lane,
  NotDeleted,
  OutputQueues,
  QueueMessage,
  ReceiveOptions,
} from '../../xmpp-relay/output-queues.js';

/** Fakes for the relay's ports: an XMPP link whose acks the test controls, and in-memory lanes. */

export interface FakeWrite {
  readonly stanzas: readonly Element[];
  readonly ids: readonly string[];
  ack(): void;
  fail(): void;
  readonly settled: boolean;
}

export class FakeLink implements XmppLink {
  state: LinkState = 'idle';
  /** Every sendAndConfirm call that wrote, in order. */
  readonly writes: FakeWrite[] = [];
  /** When true, every write is acknowledged at once. */
  autoAck = false;
  startError: Error | undefined;
  stopped = false;
  readonly #messageHandlers = new Set<(message: Element) => void>();
  readonly #presenceHandlers = new Set<(presence: Element) => void>();
  readonly #statusHandlers = new Set<(status: LinkStatus) => void>();

  async start(): Promise<void> {
    if (this.startError) {
      this.setState({ state: 'failed', error: this.startError });
      throw this.startError;
    }
    this.setState({ state: 'online' });
  }

  sendAndConfirm(stanzas: readonly Element[], _timeoutMs: number): Promise<void> {
    if (this.state !== 'online') return Promise.reject(new NotConnectedError('fake link down'));
    return new Promise((resolve, reject) => {
      let settled = false;
      const write: FakeWrite = {
        stanzas,
        ids: stanzas.map((s) => s.attrs.id ?? ''),
        ack: () => {
          settled = true;
          resolve();
        },
        fail: () => {
          settled = true;
          reject(new StanzaFailedError(stanzas[0]?.attrs.id));
        },
        get settled() {
          return settled;
        },
      };
      this.writes.push(write);
      if (this.autoAck) write.ack();
    });
  }

  onMessage(handler: (message: Element) => void): () => void {
    this.#messageHandlers.add(handler);
    return () => this.#messageHandlers.delete(handler);
  }

  onPresence(handler: (presence: Element) => void): () => void {
    this.#presenceHandlers.add(handler);
    return () => this.#presenceHandlers.delete(handler);
  }

  onStatus(handler: (status: LinkStatus) => void): () => void {
    this.#statusHandlers.add(handler);
    return () => this.#statusHandlers.delete(handler);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const write of this.writes) if (!write.settled) write.fail();
    this.setState({ state: 'stopped' });
  }

  setState(status: LinkStatus): void {
    this.state = status.state;
    for (const handler of [...this.#statusHandlers]) handler(status);
  }

  deliver(message: Element): void {
    for (const handler of [...this.#messageHandlers]) handler(message);
  }

  deliverPresence(presence: Element): void {
    for (const handler of [...this.#presenceHandlers]) handler(presence);
  }

  get listeners(): number {
    return this.#messageHandlers.size + this.#presenceHandlers.size + this.#statusHandlers.size;
  }

  /** Writes not yet acked or failed. */
  get open(): FakeWrite[] {
    return this.writes.filter((w) => !w.settled);
  }
}

interface Held {
  readonly message: QueueMessage;
  readonly lane: Lane;
}

/** Two in-memory lanes with SQS-like receive (long poll until a message or abort) and delete. */
export class FakeQueues implements OutputQueues {
  readonly visible: Record<Lane, QueueMessage[]> = { priority: [], bulk: [] };
  readonly held = new Map<string, Held>();
  readonly deleted: { lane: Lane; messageId: string }[] = [];
  readonly receives: Record<Lane, number> = { priority: 0, bulk: 0 };
  #sequence = 0;
  readonly #wakers = new Set<() => void>();

  put(lane: Lane, body: string): string {
    const messageId = `m${++this.#sequence}`;
    this.visible[lane].push({ messageId, receiptHandle: `rh-${messageId}`, body, receiveCount: 0 });
    for (const wake of [...this.#wakers]) wake();
    return messageId;
  }

  async receive(lane: Lane, options: ReceiveOptions): Promise<QueueMessage[]> {
    this.receives[lane]++;
    while (this.visible[lane].length === 0) {
      if (options.signal.aborted) return [];
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#wakers.delete(wake);
          options.signal.removeEventListener('abort', wake);
          resolve();
        };
        this.#wakers.add(wake);
        options.signal.addEventListener('abort', wake, { once: true });
      });
    }
    const taken = this.visible[lane].splice(0, options.maxMessages);
    return taken.map((m) => {
      const message = { ...m, receiveCount: m.receiveCount + 1 };
      this.held.set(message.messageId, { message, lane });
      return message;
    });
  }

  /** Delete requests made (one per batch). */
  deleteRequests = 0;

  async delete(lane: Lane, messages: readonly QueueMessage[]): Promise<NotDeleted[]> {
    this.deleteRequests++;
    for (const message of messages) {
      this.held.delete(message.messageId);
      this.deleted.push({ lane, messageId: message.messageId });
    }
    return [];
  }

  /** Pending long polls (tests check none leak). */
  get waiting(): number {
    return this.#wakers.size;
  }

  isDeleted(messageId: string): boolean {
    return this.deleted.some((d) => d.messageId === messageId);
  }
}

export class RecordingFrameSender implements FrameSender {
  readonly sent: { queue: QueueName; frame: FrameOf<FrameKind> }[] = [];
  async send(queue: QueueName, frames: readonly FrameOf<FrameKind>[]): Promise<void> {
    for (const frame of frames) this.sent.push({ queue, frame });
  }
}

/** A `stanzas` frame body with one chat message per (id, body). */
export function stanzasBody(
  frameId: string,
  messages: readonly { id: string; body: string; to?: string }[],
): string {
  const stanzas = messages.map((m) => {
    const to = m.to ?? 'alice@example.org';
    return {
      id: m.id,
      to,
      xml: `<message type="chat" to="${to}" id="${m.id}"><body>${m.body}</body></message>`,
    };
  });
  return encodeFrame(makeFrame('stanzas', 'test', frameId, { stanzas }));
}

/** A `stanzas` frame body with raw stanza XML (for invalid stanzas). */
export function rawStanzasBody(
  frameId: string,
  stanzas: readonly { id: string; to: string; xml: string }[],
): string {
  return encodeFrame(makeFrame('stanzas', 'test', frameId, { stanzas: [...stanzas] }));
}

export function testRelayConfig(overrides: Partial<RelayConfig> = {}): RelayConfig {
  return {
    site: 'test',
    xmpp: {
      service: 'xmpp://127.0.0.1:5222',
      domain: 'localhost',
      username: 'bot',
      password: 'botpass',
      resource: 'noticeflow',
      presenceStatus: 'Send me a message to post a notice',
      stepTimeoutMs: 5_000,
      connectTimeoutMs: 15_000,
      ackRequestDebounceMs: 20,
      reconnect: { initialMs: 200, maxMs: 2_000, factor: 2 },
    },
    queues: { out: 'http://q/out', outPriority: 'http://q/prio', in: 'http://q/in' },
    aws: { region: 'us-east-1' },
    drain: { ...DEFAULT_DRAIN, waitSeconds: 1 },
    logLevel: 'error',
    stopGraceMs: 2_000,
    ...overrides,
  };
}
