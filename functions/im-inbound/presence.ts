import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type InboundPresenceFrame, makeFrame, type OutboundStanza } from '../../shared/frames.js';
import { bareJid } from '../../shared/jid.js';
import type { FrameSender } from '../../shared/queue.js';
import { type SubscriptionType, stanzaId, subscriptionPresence } from '../../shared/stanza.js';
import type { Store } from '../../shared/store/types.js';

export interface PresenceDeps {
  readonly store: Pick<Store, 'findUserByJid' | 'rememberFirst'>;
  readonly sender: FrameSender;
  readonly logger: Pick<Logger, 'info'>;
}

export type PresenceOutcome =
  | { readonly action: 'ignored'; readonly reason: string }
  | { readonly action: 'acknowledged'; readonly jid: string }
  | { readonly action: 'approved'; readonly jid: string; readonly subscribedBack: boolean }
  | { readonly action: 'confirmed-unsubscribe'; readonly jid: string };

/** Never answer the same (JID, type) twice within this, so two bots cannot ping-pong. */
export const PRESENCE_ANSWER_INTERVAL_SECONDS = 60;

/**
 * Presence subscriptions (RFC 6121 §3), the bot's side:
 * - `subscribe` from anyone is approved with `subscribed` (§3.1.4), so anyone may see that
 *   the bot is online. The bot asks back with `subscribe` (§3.1.1) only when the JID is a
 *   confirmed address of a user: a subscription to a stranger would be unwanted.
 * - `unsubscribe` is acknowledged with `unsubscribed` (§3.3).
 * - `subscribed` and `unsubscribed` are the contact's answers to our own requests; the server
 *   has already updated the roster (§3.1.6, §3.2.3), so they are logged and need no reply.
 * Answers go out as one stanzas frame on the priority lane, to the bare JID (§3.1.1).
 */
export async function handleInboundPresence(
  frame: InboundPresenceFrame,
  deps: PresenceDeps,
): Promise<PresenceOutcome> {
  const { site } = frame;
  const { type } = frame.payload;
  const jid = bareJid(frame.payload.from);
  if (!jid) return { action: 'ignored', reason: 'malformed sender JID' };
  if (type === 'subscribed' || type === 'unsubscribed') {
    deps.logger.info(`presence ${type}`, { site, jid });
    return { action: 'acknowledged', jid };
  }

  // The frame id is the token: a redelivery of this very frame (its send failed) may answer,
  // any other frame for the same (JID, type) within the interval may not.
  const first = await deps.store.rememberFirst(
    site,
    answerKey(type, jid),
    frame.id,
    PRESENCE_ANSWER_INTERVAL_SECONDS,
  );
  if (first !== frame.id) {
    deps.logger.info('presence already answered within the interval', { site, jid, type });
    return { action: 'ignored', reason: `${type} already answered within a minute` };
  }

  const answer = (answerType: SubscriptionType): OutboundStanza =>
    subscriptionPresence(jid, stanzaId(`${site}.presence-${answerType}`, frame.id, jid), answerType);

  if (type === 'unsubscribe') {
    await send(site, frame.id, [answer('unsubscribed')], deps);
    deps.logger.info('presence unsubscribe acknowledged', { site, jid });
    return { action: 'confirmed-unsubscribe', jid };
  }

  const user = await deps.store.findUserByJid(site, jid);
  const stanzas = user ? [answer('subscribed'), answer('subscribe')] : [answer('subscribed')];
  await send(site, frame.id, stanzas, deps);
  deps.logger.info('presence subscription approved', { site, jid, subscribedBack: Boolean(user) });
  return { action: 'approved', jid, subscribedBack: Boolean(user) };
}

/** Hashed: a bare JID may be 2,047 bytes, beyond what a DynamoDB partition key takes. */
function answerKey(type: SubscriptionType, jid: string): string {
  return `presence-answer:${type}:${createHash('sha256').update(jid).digest('base64url')}`;
}

function send(site: string, inboundId: string, stanzas: OutboundStanza[], deps: PresenceDeps): Promise<void> {
  return deps.sender.send('xmpp-out-priority', [
    makeFrame('stanzas', site, `presence-answer-${inboundId}`, { stanzas }),
  ]);
}
