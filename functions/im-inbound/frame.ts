import { decodeFrame, type InboundChatFrame, type InboundPresenceFrame } from '../../shared/frames.js';

/** What the xmpp-in queue carries: a chat message, or a presence subscription stanza. */
export type ImInboundFrame = InboundChatFrame | InboundPresenceFrame;

/** Decodes either kind; a body that is neither fails as an invalid chat-in frame. */
export function decodeImInboundFrame(body: string): ImInboundFrame {
  return peekKind(body) === 'presence-in' ? decodeFrame('presence-in', body) : decodeFrame('chat-in', body);
}

function peekKind(body: string): unknown {
  try {
    return (JSON.parse(body) as { kind?: unknown } | null)?.kind;
  } catch {
    return undefined; // decodeFrame reports the parse error
  }
}
