import { makeFrame } from '../../shared/frames.js';
import type { FrameSender } from '../../shared/queue.js';
import { chatMessage, stanzaId } from '../../shared/stanza.js';
import type { Store } from '../../shared/store/types.js';

/** By default at most this many messages from the bot to one JID per minute (fixed one-minute windows). */
export const REPLIES_PER_MINUTE = 5;

export interface ChatSendDeps {
  readonly store: Pick<Store, 'incrementCounter'>;
  readonly sender: FrameSender;
  /** Default REPLIES_PER_MINUTE. */
  readonly repliesPerMinute?: number;
}

/**
 * Sends `text` as a chat message (RFC 6121 §5.2.2) to a bare JID on the priority lane,
 * unless that JID already got `repliesPerMinute` messages this minute: whatever is at the
 * other end (a person, a bot, an auto-responder), the bot never floods it and two bots cannot
 * ping-pong. Returns false when the limit held it back. The stanza id derives from the
 * inbound frame, so a redelivery resends the same stanza.
 *
 * Messages another user causes (a nudge, a direct message: `onBehalfOf` names that user) are
 * counted per (recipient, that user), apart from the replies to the recipient's own messages:
 * otherwise anyone could use up someone else's allowance and silence the bot's replies to them.
 */
export async function sendLimitedChat(
  deps: ChatSendDeps,
  message: {
    readonly site: string;
    readonly to: string;
    readonly text: string;
    readonly kind: string;
    readonly frameId: string;
    readonly at: Date;
    readonly onBehalfOf?: string;
  },
): Promise<boolean> {
  const minute = Math.floor(message.at.getTime() / 60_000);
  const cause = message.onBehalfOf === undefined ? '' : `from:${message.onBehalfOf}:`;
  const sent = await deps.store.incrementCounter(message.site, `chat-to:${message.to}:${cause}${minute}`, 60);
  if (sent > (deps.repliesPerMinute ?? REPLIES_PER_MINUTE)) return false;
  const id = stanzaId(`${message.site}.${message.kind}`, message.frameId, message.to);
  const stanza = chatMessage(message.to, id, message.text);
  await deps.sender.send('xmpp-out-priority', [
    makeFrame('stanzas', message.site, id, { stanzas: [stanza] }),
  ]);
  return true;
}

/** sendLimitedChat of `[Site name] body`, StatusNet's form of every system message (§2.3). */
export function sendSiteChat(
  deps: ChatSendDeps,
  message: {
    readonly site: string;
    readonly siteName: string;
    readonly to: string;
    readonly body: string;
    readonly kind: string;
    readonly frameId: string;
    readonly at: Date;
    readonly onBehalfOf?: string;
  },
): Promise<boolean> {
  const { siteName, body, ...rest } = message;
  return sendLimitedChat(deps, { ...rest, text: `[${siteName}] ${body}` });
}
