import type { FrameSender } from '../../../shared/queue.js';
import type { SiteSettings } from '../../../shared/site-settings.js';
import type { Store } from '../../../shared/store/types.js';

/**
 * What a command needs besides the user and the command: the store, the queues, and the
 * request it came in (site, settings, the inbound frame). Ids derived from the frame id make
 * a redelivered command post, store and send the same things again, never new ones.
 */
export interface CommandDeps {
  readonly store: Store;
  readonly sender: FrameSender;
  readonly site: string;
  readonly settings: SiteSettings;
  /** The inbound chat frame's id (stable for redeliveries of the same stanza). */
  readonly frameId: string;
  /** When the relay received the message; stable for redeliveries. */
  readonly receivedAt: string;
  /**
   * Sends `[Site] body` to someone else's bare JID on the priority lane, rate-limited per
   * JID like every reply; `kind` keeps the stanza ids of different sends apart.
   */
  readonly sendChat: (to: string, body: string, kind: string) => Promise<boolean>;
}
