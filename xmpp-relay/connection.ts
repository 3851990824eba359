import { type Client, client } from '@xmpp/client';
import { type Element, xml } from '@xmpp/xml';
import { describeError } from '../shared/errors.js';
import { backoffDelay } from './backoff.js';
import type { XmppSettings } from './config.js';
import {
  AckTimeoutError,
  ConnectTimeoutError,
  NotConnectedError,
  StanzaFailedError,
  XmppFatalError,
} from './errors.js';
import type { LinkState, LinkStatus, XmppLink } from './link.js';
import type { Logger } from './log.js';
import { withTimeout } from './timing.js';

/**
 * The XmppLink over one @xmpp/client connection with XEP-0198 stream management.
 *
 * Delivery confirmation: stream management emits `ack` and `fail` with the very Element
 * object that was written, so each `sendAndConfirm` call registers its Elements in a map
 * and settles when all are acked (or on the first `fail`, or its timeout).
 *
 * Reconnect: xmpp.js's own reconnect retries every 1 s for ever, also on errors that cannot
 * heal. It is switched off; instead each `disconnect` schedules one `reconnect()` after an
 * exponential backoff with jitter (1 s up to 60 s, reset when online). Fatal conditions
 * (bad credentials, `conflict`, `policy-violation`, `host-unknown`, no stream management)
 * stop reconnecting and report `failed`.
 */
const SM_NS = 'urn:xmpp:sm:3';
const FATAL_STREAM_CONDITIONS = new Set([
  'conflict',
  'policy-violation',
  'host-unknown',
  'not-authorized',
  'invalid-namespace',
  'unsupported-version',
]);
const FATAL_SASL_CONDITIONS = new Set([
  'not-authorized',
  'account-disabled',
  'credentials-expired',
  'invalid-authzid',
]);

interface Confirmation {
  readonly remaining: Set<Element>;
  settle(error?: Error): void;
}

export type ClientFactory = (settings: XmppSettings) => Client;

const defaultClientFactory: ClientFactory = (settings) =>
  client({
    service: settings.service,
    domain: settings.domain,
    resource: settings.resource,
    username: settings.username,
    password: settings.password,
  });

export class XmppJsLink implements XmppLink {
  #state: LinkState = 'idle';
  #xmpp: Client | undefined;
  #fatal: Error | undefined;
  #reconnectAttempt = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  /** Set while waiting for `<enabled/>` after `online`. */
  #smTimer: NodeJS.Timeout | undefined;
  readonly #pending = new Map<Element, Confirmation>();
  readonly #messageHandlers = new Set<(message: Element) => void>();
  readonly #presenceHandlers = new Set<(presence: Element) => void>();
  readonly #statusHandlers = new Set<(status: LinkStatus) => void>();
  readonly #detach: (() => void)[] = [];

  constructor(
    private readonly settings: XmppSettings,
    private readonly logger: Logger,
    private readonly createClient: ClientFactory = defaultClientFactory,
  ) {}

  get state(): LinkState {
    return this.#state;
  }

  /** Stanzas written and not yet acknowledged (for status and tests). */
  get unconfirmed(): number {
    return this.#pending.size;
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

  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`link already ${this.#state}`);
    const xmpp = this.createClient(this.settings);
    this.#xmpp = xmpp;
    xmpp.timeout = this.settings.stepTimeoutMs;
    xmpp.reconnect.stop();
    xmpp.streamManagement.requestAckDebounce = this.settings.ackRequestDebounceMs;
    this.#listen(xmpp, 'error', (error: Error) => this.#onError(error));
    this.#listen(xmpp, 'online', () => this.#onOnline(false));
    this.#listen(xmpp.streamManagement, 'resumed', () => this.#onOnline(true));
    this.#listen(xmpp, 'disconnect', (info?: { clean?: boolean; reason?: unknown }) =>
      this.#onDisconnect(info),
    );
    this.#listen(xmpp, 'stanza', (stanza: Element) => this.#onStanza(stanza));
    this.#listen(xmpp, 'nonza', (element: Element) => this.#onNonza(element));
    this.#listen(xmpp.streamManagement, 'ack', (stanza: Element) => this.#onAck(stanza));
    this.#listen(xmpp.streamManagement, 'fail', (stanza: Element) => this.#onFail(stanza));
    this.#setState({ state: 'connecting' });

    const firstOnline = new Promise<void>((resolve, reject) => {
      const off = this.onStatus((status) => {
        if (status.state === 'online') {
          off();
          resolve();
        } else if (status.state === 'failed' || status.state === 'stopped') {
          off();
          reject(status.error ?? new NotConnectedError('link stopped before it came online'));
        }
      });
    });
    // A failed first attempt is retried by the reconnect schedule; errors surface through
    // the `error` listener, so the rejection itself needs no handling here.
    xmpp.start().catch(() => {});
    try {
      await withTimeout(
        firstOnline,
        this.settings.connectTimeoutMs,
        () => new ConnectTimeoutError(this.settings.connectTimeoutMs),
      );
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  sendAndConfirm(stanzas: readonly Element[], timeoutMs: number): Promise<void> {
    const xmpp = this.#xmpp;
    if (!xmpp || this.#state !== 'online' || xmpp.status !== 'online') {
      return Promise.reject(new NotConnectedError(`XMPP link is ${this.#state}`));
    }
    if (stanzas.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const remaining = new Set(stanzas);
      const timer = setTimeout(
        () => confirmation.settle(new AckTimeoutError(remaining.size, timeoutMs)),
        timeoutMs,
      );
      const confirmation: Confirmation = {
        remaining,
        settle: (error) => {
          clearTimeout(timer);
          for (const stanza of stanzas) {
            if (this.#pending.get(stanza) === confirmation) this.#pending.delete(stanza);
          }
          if (error) reject(error);
          else resolve();
        },
      };
      for (const stanza of stanzas) this.#pending.set(stanza, confirmation);
      xmpp
        .sendMany([...stanzas])
        .catch((error: unknown) =>
          confirmation.settle(
            new NotConnectedError(`write failed: ${describeError(error)}`, { cause: error }),
          ),
        );
    });
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    const xmpp = this.#xmpp;
    const wasOnline = this.#state === 'online' && xmpp?.status === 'online';
    this.#state = 'stopped';
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#smTimer);
    this.#smTimer = undefined;
    if (xmpp) {
      try {
        if (wasOnline)
          await withTimeout(
            xmpp.send(xml('presence', { type: 'unavailable' })),
            this.settings.stepTimeoutMs,
            () => new Error('presence timeout'),
          );
      } catch (error) {
        this.logger.debug('unavailable presence not sent', { error: describeError(error) });
      }
      try {
        // stop() closes the stream and the socket, each bounded by xmpp.timeout; going
        // offline makes stream management fail whatever is still unacknowledged.
        await withTimeout(xmpp.stop(), 3 * this.settings.stepTimeoutMs, () => new Error('stop timeout'));
      } catch (error) {
        this.logger.warn('XMPP stream did not close cleanly', { error: describeError(error) });
      }
    }
    for (const confirmation of new Set(this.#pending.values())) {
      confirmation.settle(new NotConnectedError('XMPP link stopped'));
    }
    for (const detach of this.#detach.splice(0)) detach();
    this.#emit({ state: 'stopped' });
    this.#statusHandlers.clear();
    this.#messageHandlers.clear();
    this.#presenceHandlers.clear();
  }

  #listen(target: NodeJS.EventEmitter, event: string, handler: (...args: never[]) => void): void {
    const listener = handler as (...args: unknown[]) => void;
    target.on(event, listener);
    this.#detach.push(() => target.removeListener(event, listener));
  }

  #setState(status: LinkStatus): void {
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    this.#state = status.state;
    this.#emit(status);
  }

  #emit(status: LinkStatus): void {
    for (const handler of [...this.#statusHandlers]) {
      try {
        handler(status);
      } catch (error) {
        this.logger.error('link status handler threw', { error: describeError(error) });
      }
    }
  }

  /**
   * xmpp.js emits `online` right after resource binding, before it sends `<enable/>`, and
   * stanzas written before `<enabled/>` would never be acknowledged. So the link reports
   * online only once stream management is on (or fails fatally if the server refuses it
   * or does not answer within a step timeout).
   */
  #onOnline(resumed: boolean): void {
    const xmpp = this.#xmpp;
    if (!xmpp || this.#state === 'stopped' || this.#state === 'failed') return;
    if (!xmpp.streamManagement.enabled) {
      clearTimeout(this.#smTimer);
      this.#smTimer = setTimeout(
        () => this.#onSmOutcome(false, 'the server did not enable XEP-0198 stream management in time'),
        this.settings.stepTimeoutMs,
      );
      return;
    }
    this.#reconnectAttempt = 0;
    this.logger.info(resumed ? 'XMPP session resumed' : 'XMPP online', { jid: xmpp.jid?.toString() });
    // Available presence with the status text (RFC 6121 §4.2) once per session: a new
    // session, including the one that follows a failed XEP-0198 resume, starts unavailable,
    // while a resumed session kept the presence it had.
    if (!resumed) {
      xmpp
        .send(xml('presence', {}, xml('status', {}, this.settings.presenceStatus)))
        .catch((error: unknown) =>
          this.logger.warn('initial presence not sent', { error: describeError(error) }),
        );
    }
    this.#setState({ state: 'online', resumed });
  }

  #onNonza(element: Element): void {
    if (this.#smTimer === undefined) return;
    // The stream-management plugin handles the same element in a promise continuation;
    // look at its state once that has run.
    if (element.is('enabled', SM_NS)) setImmediate(() => this.#onSmOutcome(true));
    else if (element.is('failed', SM_NS))
      setImmediate(() => this.#onSmOutcome(false, 'the server refused XEP-0198 stream management'));
  }

  #onSmOutcome(enabled: boolean, problem = ''): void {
    if (this.#smTimer === undefined) return;
    clearTimeout(this.#smTimer);
    this.#smTimer = undefined;
    if (enabled && this.#xmpp?.streamManagement.enabled) {
      this.#onOnline(false);
    } else {
      this.#failFatally(
        new XmppFatalError('no-stream-management', `${problem}; delivery cannot be confirmed`),
      );
    }
  }

  #onDisconnect(info?: { clean?: boolean; reason?: unknown }): void {
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    const delay = backoffDelay(this.#reconnectAttempt++, this.settings.reconnect);
    this.logger.warn('XMPP disconnected; reconnecting', {
      clean: info?.clean,
      reason: info?.reason === undefined ? undefined : describeError(info.reason),
      attempt: this.#reconnectAttempt,
      delayMs: delay,
    });
    clearTimeout(this.#smTimer);
    this.#smTimer = undefined;
    this.#setState({ state: 'down' });
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => this.#reconnect(), delay);
  }

  #reconnect(): void {
    const xmpp = this.#xmpp;
    if (!xmpp || this.#state !== 'down' || xmpp.status !== 'disconnect') return;
    this.#setState({ state: 'connecting' });
    // reconnect() = connect + open; a refused socket emits `disconnect` again, which
    // schedules the next attempt. A stream that opened but stalled is torn down here so
    // that it does too.
    withTimeout(
      xmpp.reconnect.reconnect(),
      3 * this.settings.stepTimeoutMs,
      () => new Error('reconnect timeout'),
    ).catch((error: unknown) => {
      this.logger.debug('reconnect attempt failed', { error: describeError(error) });
      if (this.#state === 'connecting' && xmpp.status !== 'disconnect' && xmpp.status !== 'online') {
        xmpp.disconnect().catch(() => {});
      }
    });
  }

  #onError(error: Error & { condition?: string }): void {
    const condition = error.condition ?? '';
    const fatal =
      (error.name === 'SASLError' && (FATAL_SASL_CONDITIONS.has(condition) || condition === '')) ||
      (error.name === 'StreamError' && FATAL_STREAM_CONDITIONS.has(condition));
    if (fatal) {
      this.#failFatally(
        new XmppFatalError(condition || 'sasl', `XMPP ${error.name}: ${error.message}`, { cause: error }),
      );
      return;
    }
    this.logger.warn('XMPP error', { error: describeError(error), condition: condition || undefined });
  }

  #failFatally(error: XmppFatalError): void {
    if (this.#fatal || this.#state === 'stopped') return;
    this.#fatal = error;
    clearTimeout(this.#reconnectTimer);
    this.logger.error('XMPP link failed; not reconnecting', {
      error: describeError(error),
      condition: error.condition,
    });
    this.#setState({ state: 'failed', error });
  }

  #onStanza(stanza: Element): void {
    const handlers = stanza.is('message')
      ? this.#messageHandlers
      : stanza.is('presence')
        ? this.#presenceHandlers
        : undefined;
    if (!handlers) return;
    for (const handler of [...handlers]) {
      try {
        handler(stanza);
      } catch (error) {
        this.logger.error(`${stanza.name} handler threw`, { error: describeError(error) });
      }
    }
  }

  #onAck(stanza: Element): void {
    const confirmation = this.#pending.get(stanza);
    if (!confirmation) return;
    this.#pending.delete(stanza);
    confirmation.remaining.delete(stanza);
    if (confirmation.remaining.size === 0) confirmation.settle();
  }

  #onFail(stanza: Element): void {
    const confirmation = this.#pending.get(stanza);
    if (!confirmation) return;
    confirmation.settle(new StanzaFailedError(stanza.attrs.id));
  }
}
