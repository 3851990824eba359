import { PermanentError } from './errors.js';
import type { OutboundStanza } from './frames.js';
import { bareJid } from './jid.js';
import { stanzaId, subscriptionPresence } from './stanza.js';
import { escapeXml } from './xml.js';

/**
 * Pruning the bot's roster when a user removes their IM address.
 *
 * One roster remove (RFC 6121 §2.5) is all it takes: removing an item makes the bot's server
 * cancel both directions itself (§2.5.2: `unsubscribe` to the contact when we were subscribed
 * to them, `unsubscribed` when they were subscribed to us), so the contact stops seeing the
 * bot's presence and the bot stops receiving theirs. Sending those two presences as well would
 * only make the server do the same work twice.
 *
 * Removing a JID the roster does not hold gets an `item-not-found` error (§2.5.3), which the
 * relay does not look at: there was nothing to prune.
 *
 * The iq has no `to`: a roster set is addressed to the bot's own account (RFC 6121 §2.1.5).
 * The frame's `to` names the contact it is about; the relay's stanza check lets an iq without
 * `to` through for that reason.
 */
export const ROSTER_NS = 'jabber:iq:roster';

/**
 * The stanzas that take `address` off the bot's roster, for one stanzas frame on
 * xmpp-out-priority. The roster holds bare JIDs, so the address is normalized (a resource is
 * dropped); a malformed one is a PermanentError. `removalId` identifies this removal (e.g.
 * the address change), so a later removal of the same address gets a stanza id of its own.
 */
export function rosterRemovalStanzas(site: string, address: string, removalId: string): OutboundStanza[] {
  const jid = bareJid(address);
  if (!jid) throw new PermanentError(`"${address}" is not a JID; nothing to remove from the roster`);
  return [rosterRemove(jid, stanzaId(`${site}.roster-remove`, removalId, jid))];
}

/*
 * The presence and roster stanzas the bot sends about an address it links or unlinks
 * (RFC 6121). Each carries its recipient as the frame's `to`, which the relay's stanza check
 * compares with the root's `to` (a roster set has none; see xmpp-relay/stanza-check.ts).
 * Removing an address sends the two presences as well as the roster remove: a server that
 * does not cancel the subscriptions itself (§2.5.2) still tells the contact.
 */

/** RFC 6121 §3.1.1: ask to see the contact's presence, so their server lets our messages in. */
export function subscribeRequest(jid: string, id: string): OutboundStanza {
  return subscriptionPresence(jid, id, 'subscribe');
}

/**
 * Ends the subscription both ways: RFC 6121 §3.2.1 (`unsubscribed`, cancel theirs to us) and
 * §3.3.1 (`unsubscribe`, cancel ours to them).
 */
export function unsubscribeBothWays(jid: string, idPrefix: string): OutboundStanza[] {
  return [
    subscriptionPresence(jid, `${idPrefix}-unsubscribed`, 'unsubscribed'),
    subscriptionPresence(jid, `${idPrefix}-unsubscribe`, 'unsubscribe'),
  ];
}

/**
 * RFC 6121 §2.5.2: removes `jid` from the bot's own roster. The iq goes to the bot's own
 * account, so it has no `to`; the frame's `to` names the item instead.
 */
export function rosterRemove(jid: string, id: string): OutboundStanza {
  return {
    id,
    to: jid,
    xml: `<iq type="set" id="${escapeXml(id)}"><query xmlns="${ROSTER_NS}"><item jid="${escapeXml(jid)}" subscription="remove"/></query></iq>`,
  };
}
