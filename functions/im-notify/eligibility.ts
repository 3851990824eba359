import { bareJid } from '../../shared/jid.js';
import type { Candidate } from './audience.js';

/**
 * Why a user who has a reason to get a copy still gets none (statusnet.md §1.3 checks 1
 * and the block rule), or undefined when they get one. The same for every reason, so a
 * user skipped here is skipped in every stage alike.
 */
export function skipReason(user: Candidate, blockers: ReadonlySet<string>): string | undefined {
  if (!user.im) return 'no IM address';
  if (!user.im.confirmed) return 'IM address not confirmed';
  if (!user.notify) return 'notify is off';
  if (blockers.has(user.id)) return 'blocks the author';
  if (!bareJid(user.im.jid)) return 'malformed JID';
  return undefined;
}

/** Delivery always goes to the bare JID (RFC 6121 §8.5.2: the server picks the resources). */
export function deliveryJid(user: Candidate): string | undefined {
  return user.im ? bareJid(user.im.jid) : undefined;
}
