import type { Logger } from '@aws-lambda-powertools/logger';
import { makeFrame, type Notice, type NoticeFrame } from '../../shared/frames.js';
import { bareJid } from '../../shared/jid.js';
import { packBroadcast } from '../../shared/packing.js';
import type { FrameSender } from '../../shared/queue.js';
import type { QueueLimits } from '../../shared/queue-limits.js';
import { renderNoticeBroadcast } from '../../shared/render/notice-stanza.js';
import type { SiteSettings, SiteSettingsCache } from '../../shared/site-settings.js';

export interface ImFirehoseDeps {
  readonly settings: Pick<SiteSettingsCache, 'get'>;
  readonly limits: QueueLimits;
  readonly sender: FrameSender;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

export type FirehoseResult =
  | { readonly action: 'ignored'; readonly reason: string }
  | { readonly action: 'queued'; readonly listeners: number; readonly messages: number };

/** Why a notice never goes to the firehose, or undefined when it does. */
export function firehoseRefusal(notice: Notice): string | undefined {
  if (!notice.local) return 'notice from another site';
  if (notice.scope !== 'public') return `notice scope is ${notice.scope}`;
  return undefined;
}

/**
 * StatusNet's public XMPP feed (`xmpp.public`, statusnet.md §1.3): every local public notice
 * goes to each listener JID in the site's settings, at the bare JID, packed into as few
 * bulk-lane messages as the queue's size allows. `distribute` already routes only local public
 * notices here; the check is repeated because a leak of private or remote notices into this
 * feed was a real StatusNet bug (§4.A11), and the frame may come from any producer.
 */
export async function publishToFirehose(frame: NoticeFrame, deps: ImFirehoseDeps): Promise<FirehoseResult> {
  const { site } = frame;
  const { notice } = frame.payload;
  const refusal = firehoseRefusal(notice);
  if (refusal) {
    deps.logger.warn('notice not published to the firehose', { site, noticeId: notice.id, reason: refusal });
    return { action: 'ignored', reason: refusal };
  }
  const settings = await deps.settings.get(site);
  const listeners = listenerJids(settings, (jid, reason) =>
    deps.logger.warn('firehose listener skipped', { site, noticeId: notice.id, jid, reason }),
  );
  if (listeners.length === 0) return { action: 'ignored', reason: 'no firehose listeners' };

  // The same stanza (and id) a subscriber gets: a listener who also follows the author is one
  // recipient of one notice, so the relay sends whichever copy comes second as a repeat.
  const broadcast = renderNoticeBroadcast({ site, settings, notice }, listeners);
  const frames = packBroadcast(broadcast, await deps.limits.packing('xmpp-out')).map((part, index) =>
    makeFrame('stanzas', site, `firehose-${notice.id}-m${index}`, { broadcast: part }),
  );
  await deps.sender.send('xmpp-out', frames);
  deps.logger.info('notice queued for the firehose', {
    site,
    noticeId: notice.id,
    listeners: listeners.length,
    messages: frames.length,
  });
  return { action: 'queued', listeners: listeners.length, messages: frames.length };
}

/** The configured listeners as distinct bare JIDs; a malformed one is reported and left out. */
export function listenerJids(
  settings: Pick<SiteSettings, 'firehose'>,
  skipped: (jid: string, reason: string) => void,
): string[] {
  const seen = new Set<string>();
  for (const configured of settings.firehose) {
    const jid = bareJid(configured);
    if (!jid) skipped(configured, 'malformed JID');
    else seen.add(jid);
  }
  return [...seen];
}
