import type { InboundChatFrame } from '../../shared/frames.js';
import type { SiteSettings } from '../../shared/site-settings.js';
import type { Store } from '../../shared/store/types.js';
import type { ChatSendDeps } from './outbound.js';
import { sendSiteChat } from './outbound.js';

/** An unknown address hears how to link it at most once per this time. */
export const UNKNOWN_SENDER_REPLY_SECONDS = 3600;

export interface UnknownSenderDeps extends ChatSendDeps {
  readonly store: Pick<Store, 'incrementCounter' | 'rememberFirst'>;
}

/**
 * A message from an address no user has confirmed (statusnet.md §2.4 step 3): one short
 * reply saying how to link it, at most once an hour per JID; nothing is posted. Returns
 * whether a reply went out.
 */
export async function replyToUnknownSender(
  frame: InboundChatFrame,
  jid: string,
  settings: SiteSettings,
  deps: UnknownSenderDeps,
  now: Date,
): Promise<boolean> {
  const first = await deps.store.rememberFirst(
    frame.site,
    `unknown-sender:${jid}`,
    frame.id,
    UNKNOWN_SENDER_REPLY_SECONDS,
  );
  if (first !== frame.id) return false;
  return sendSiteChat(deps, {
    site: frame.site,
    siteName: settings.name,
    to: jid,
    body: `This address is not linked to an account here. Add ${jid} as your IM address in your settings on the site and confirm it, then send me a message to post it.`,
    kind: 'unknown',
    frameId: frame.id,
    at: now,
  });
}
