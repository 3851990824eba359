import type { OutboundStanza } from './frames.js';
import { escapeXml } from './xml.js';

/**
 * The presence and roster stanzas the bot sends about an address it links or unlinks
 * (RFC 6121). Each carries its recipient as the frame's `to`, which the relay's stanza check
 * compares with the root's `to` (a roster set has none; see xmpp-relay/stanza-check.ts).
 */

/** RFC 6121 §3.1.1: ask to see the contact's presence, so their server lets our messages in. */
export function subscribeRequest(jid: string, id: string): OutboundStanza {
  return presence('subscribe', jid, id);
}

/**
 * Ends the subscription both ways: RFC 6121 §3.2.1 (`unsubscribed`, cancel theirs to us) and
 * §3.3.1 (`unsubscribe`, cancel ours to them).
 */
export function unsubscribeBothWays(jid: string, idPrefix: string): OutboundStanza[] {
  return [
    presence('unsubscribed', jid, `${idPrefix}-unsubscribed`),
    presence('unsubscribe', jid, `${idPrefix}-unsubscribe`),
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
    xml: `<iq type="set" id="${escapeXml(id)}"><query xmlns="jabber:iq:roster"><item jid="${escapeXml(jid)}" subscription="remove"/></query></iq>`,
  };
}

function presence(type: string, to: string, id: string): OutboundStanza {
  return { id, to, xml: `<presence type="${type}" to="${escapeXml(to)}" id="${escapeXml(id)}"/>` };
}
