import { createHash } from 'node:crypto';
import type { Notice, OutboundStanza } from './frames.js';
import { escapeXml } from './xml.js';

/**
 * Rendering of outbound stanzas (RFC 6121 §5 chat messages). Text is escaped once and
 * stripped of characters XML forbids, so a notice can never break the relay's stream.
 * A notice's full stanza (XHTML-IM, Atom, size cap) is rendered by shared/render/.
 */

/**
 * StatusNet's plain body for a notice: `nick: text [id]`, or GNU social's
 * `nick => parentnick: text [id]` for a reply (statusnet.md §2.3).
 */
export function noticeBody(notice: Notice): string {
  const parent = notice.inReplyTo ? ` => ${notice.inReplyTo.author.nickname}` : '';
  return `${notice.author.nickname}${parent}: ${notice.text} [${notice.id}]`;
}

/** A stable stanza id for (kind, business id, recipient), so redeliveries can be recognised. */
export function stanzaId(kind: string, businessId: string, recipient: string): string {
  const digest = createHash('sha256').update(recipient).digest('base64url').slice(0, 16);
  return `${kind}-${businessId}-${digest}`;
}

export function chatMessage(to: string, id: string, body: string): OutboundStanza {
  return {
    id,
    to,
    xml: `<message type="chat" to="${escapeXml(to)}" id="${escapeXml(id)}"><body>${escapeXml(body)}</body></message>`,
  };
}

/** The presence types that manage subscriptions (RFC 6121 §3). */
export type SubscriptionType = 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed';

/** A presence subscription stanza from the bot to `to` (a bare JID, RFC 6121 §3.1.1). */
export function subscriptionPresence(to: string, id: string, type: SubscriptionType): OutboundStanza {
  return { id, to, xml: `<presence type="${type}" to="${escapeXml(to)}" id="${escapeXml(id)}"/>` };
}
