import { encodeFrame, type OutboundStanza, type StanzaFrame } from '../../shared/frames.js';
import { checkStanzaFrame } from '../../xmpp-relay/stanza-check.js';

/**
 * What the relay would write for a stanzas frame, one entry per stanza: the frame goes
 * through its encoding and the relay's own check, so broadcasts come out as one copy per
 * recipient, exactly as the socket would get them.
 */
export function writtenStanzas(frame: StanzaFrame): OutboundStanza[] {
  const checked = checkStanzaFrame(encodeFrame(frame));
  if (!checked.ok) throw new Error(`the relay refuses frame ${frame.id}: ${checked.reason}`);
  return checked.elements.map((element) => ({
    id: element.attrs.id ?? '',
    to: element.attrs.to ?? '',
    xml: element.toString(),
  }));
}
