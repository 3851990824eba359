import { createHash, randomUUID } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { describeError } from '../shared/errors.js';
import { type InboundChat, type InboundChatFrame, makeFrame } from '../shared/frames.js';
import { bareJid } from '../shared/jid.js';
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
  const body = message.getChildText('body');
  if (!body?.trim()) return undefined;
  const from = message.attrs.from ?? '';
  const stanzaId = message.attrs.id || undefined;
  const payload: InboundChat = {
    from,
    to: message.attrs.to ?? '',
    type: type as InboundChat['type'],
    ...(stanzaId ? { stanzaId } : {}),
    body,
    receivedAt: now.toISOString(),
  };
  return makeFrame('chat-in', site, inboundFrameId(from, stanzaId), payload, now);
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
    const work = this.#capture(message);
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
    try {
      await withTimeout(
        this.sender.send('xmpp-in', [frame]),
        this.sendTimeoutMs,
        () => new Error(`xmpp-in send not confirmed within ${this.sendTimeoutMs} ms`),
      );
      this.stats.captured++;
      this.logger.debug('inbound chat captured', { frameId: frame.id, from: frame.payload.from });
    } catch (error) {
      this.stats.sendErrors++;
      this.logger.error('inbound chat LOST: could not put it on xmpp-in', {
        error: describeError(error),
        frameId: frame.id,
        from: frame.payload.from,
      });
    }
  }
}
