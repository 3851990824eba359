import { createHash, randomUUID } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { describeError } from '../shared/errors.js';
import {
  type InboundChat,
  type InboundChatFrame,
  type InboundPresence,
  type InboundPresenceFrame,
  MAX_INBOUND_BODY,
  makeFrame,
} from '../shared/frames.js';
import { bareJid } from '../shared/jid.js';
import { textLength } from '../shared/notice-text.js';
import type { FrameSender } from '../shared/queue.js';
import type { Logger } from './log.js';
import { withTimeout } from './timing.js';

/**
 * Inbound capture: every chat `<message>` with a non-empty `<body>` becomes a `chat-in`
 * frame on xmpp-in. Error bounces, groupchat and headline messages are not commands and are
 * not forwarded (a bounce carrying our own text would otherwise come back as a "command").
 * Stream management counts a stanza as handled on receipt, so the path to SQS is kept short:
 * no buffering, one send per message, failures logged loudly and counted.
 */
const CAPTURED_TYPES = new Set(['chat', 'normal']);

/** The chat-in frame for a message stanza, or undefined when it is not captured. */
export function chatFrameFor(
  site: string,
  message: Element,
  now: Date = new Date(),
): InboundChatFrame | undefined {
  const type = message.attrs.type ?? 'normal';
  if (!CAPTURED_TYPES.has(type)) return undefined;
  const whole = message.getChildText('body');
  if (!whole?.trim()) return undefined;
  // A body too long for a frame is cut, not dropped: im-inbound still owes the sender a
  // "too long" reply, and bodyLength tells it by how much.
  const body = cutToFit(whole, MAX_INBOUND_BODY);
  const from = message.attrs.from ?? '';
  const stanzaId = message.attrs.id || undefined;
  const payload: InboundChat = {
    from,
    to: message.attrs.to ?? '',
    type: type as InboundChat['type'],
    ...(stanzaId ? { stanzaId } : {}),
    body,
    ...(body === whole ? {} : { bodyLength: textLength(whole) }),
    receivedAt: now.toISOString(),
  };
  return makeFrame('chat-in', site, inboundFrameId(from, stanzaId), payload, now);
}

/** The first `max` UTF-16 code units of `text`, never ending in half a surrogate pair. */
function cutToFit(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * Stable for redeliveries of the same stanza (sender bare JID + stanza id), so the inbound
 * handler can de-duplicate; random when the sender gave no id.
 */
export function inboundFrameId(from: string, stanzaId: string | undefined): string {
  if (!stanzaId) return `chat-in-${randomUUID()}`;
  const sender = bareJid(from) ?? from;
  return `chat-in-${createHash('sha256').update(`${sender}\n${stanzaId}`).digest('base64url').slice(0, 32)}`;
}

/**
 * Presence capture: only subscription management (RFC 6121 §3) needs a decision, and the
 * decision needs the store, so `subscribe`, `subscribed`, `unsubscribe` and `unsubscribed`
 * become `presence-in` frames for im-inbound. The rest stays here: available and unavailable
 * presence (§4) is our contacts coming and going, which nothing uses and which would flood
 * xmpp-in; `probe` is answered by the server on our behalf (§4.3); `error` is a bounce of our
 * own presence and must never be answered (it would start a loop), only logged.
 */
const SUBSCRIPTION_TYPES = new Set<string>(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);

/** The presence-in frame for a presence stanza, or undefined when it is not captured. */
export function presenceFrameFor(
  site: string,
  presence: Element,
  now: Date = new Date(),
): InboundPresenceFrame | undefined {
  const type = presence.attrs.type ?? 'available';
  if (!SUBSCRIPTION_TYPES.has(type)) return undefined;
  // No `from` means our own account (RFC 6120 §8.1.2.1); neither it nor another resource of
  // ours is a contact to answer.
  const from = presence.attrs.from;
  if (!from || bareJid(from) === bareJid(presence.attrs.to ?? '')) return undefined;
  const payload: InboundPresence = {
    from,
    type: type as InboundPresence['type'],
    receivedAt: now.toISOString(),
  };
  // Random, yet fixed for every SQS redelivery of the frame: im-inbound rate-limits answers
  // per (JID, type), and a retried frame may still answer once.
  return makeFrame('presence-in', site, `presence-in-${randomUUID()}`, payload, now);
}

export interface InboundStats {
  captured: number;
  ignored: number;
  sendErrors: number;
}

export class InboundCapture {
  readonly stats: InboundStats = { captured: 0, ignored: 0, sendErrors: 0 };
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly site: string,
    private readonly sender: FrameSender,
    private readonly logger: Logger,
    private readonly sendTimeoutMs: number,
  ) {}

  /** Handles one message stanza; the returned promise never rejects. */
  handle(message: Element): Promise<void> {
    return this.#track(this.#capture(message));
  }

  /** Handles one presence stanza; the returned promise never rejects. */
  handlePresence(presence: Element): Promise<void> {
    return this.#track(this.#capturePresence(presence));
  }

  #track(work: Promise<void>): Promise<void> {
    this.#inFlight.add(work);
    return work.finally(() => this.#inFlight.delete(work));
  }

  /** Waits (bounded) for sends in progress. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.#inFlight.size === 0) return;
    await withTimeout(
      Promise.allSettled([...this.#inFlight]),
      timeoutMs,
      () => new Error('inbound drain timeout'),
    ).catch(() => this.logger.warn('inbound sends still running at stop', { count: this.#inFlight.size }));
  }

  async #capture(message: Element): Promise<void> {
    let frame: InboundChatFrame | undefined;
    try {
      frame = chatFrameFor(this.site, message);
    } catch (error) {
      this.stats.ignored++;
      this.logger.warn('inbound message not representable as a chat-in frame', {
        error: describeError(error),
        from: message.attrs.from,
      });
      return;
    }
    if (!frame) {
      this.stats.ignored++;
      if (message.attrs.type === 'error')
        this.logger.info('message bounced', { from: message.attrs.from, id: message.attrs.id });
      return;
    }
    await this.#forward('chat', frame);
  }

  async #capturePresence(presence: Element): Promise<void> {
    let frame: InboundPresenceFrame | undefined;
    try {
      frame = presenceFrameFor(this.site, presence);
    } catch (error) {
      this.stats.ignored++;
      this.logger.warn('inbound presence not representable as a presence-in frame', {
        error: describeError(error),
        from: presence.attrs.from,
      });
      return;
    }
    if (!frame) {
      this.stats.ignored++;
      if (presence.attrs.type === 'error')
        this.logger.info('presence bounced', { from: presence.attrs.from, id: presence.attrs.id });
      return;
    }
    await this.#forward('presence', frame);
  }

  async #forward(what: string, frame: InboundChatFrame | InboundPresenceFrame): Promise<void> {
    try {
      await withTimeout(
        this.sender.send('xmpp-in', [frame]),
        this.sendTimeoutMs,
        () => new Error(`xmpp-in send not confirmed within ${this.sendTimeoutMs} ms`),
      );
      this.stats.captured++;
      this.logger.debug(`inbound ${what} captured`, { frameId: frame.id, from: frame.payload.from });
    } catch (error) {
      this.stats.sendErrors++;
      this.logger.error(`inbound ${what} LOST: could not put it on xmpp-in`, {
        error: describeError(error),
        frameId: frame.id,
        from: frame.payload.from,
      });
    }
  }
}
