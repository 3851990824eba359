import type { Logger } from '@aws-lambda-powertools/logger';
import { makeFrame, type NoticeFrame, type OutboundStanza } from '../../shared/frames.js';
import { bareJid } from '../../shared/jid.js';
import { DEFAULT_PACKING, type PackingLimits, packStanzas } from '../../shared/packing.js';
import type { FrameSender } from '../../shared/queue.js';
import { renderNoticeMessage } from '../../shared/stanza.js';
import type { Store, User } from '../../shared/store/types.js';

export interface ImNotifyDeps {
  readonly store: Pick<Store, 'listSubscribers' | 'getUsers'>;
  readonly sender: FrameSender;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly pageSize?: number;
  readonly packing?: PackingLimits;
}

/** Why a subscriber gets no copy, or undefined when they get one. */
export function skipReason(user: User, authorId: string): string | undefined {
  if (user.id === authorId) return 'author';
  if (!user.im) return 'no IM address';
  if (!user.im.confirmed) return 'IM address not confirmed';
  if (!user.notify) return 'notify is off';
  if (!bareJid(user.im.jid)) return 'malformed JID';
  return undefined;
}

/**
 * StatusNet's IM broadcast (statusnet.md §1.3): every subscriber of the author with a
 * confirmed IM address and `notify` on gets one chat message `nick: text [id]` at their
 * bare JID. Subscribers are read a page at a time and each page's stanzas are packed
 * into as few output messages as the limits allow.
 */
export async function notifySubscribers(frame: NoticeFrame, deps: ImNotifyDeps): Promise<{ queued: number }> {
  const { site } = frame;
  const { notice } = frame.payload;
  let cursor: string | undefined;
  let page = 0;
  let queued = 0;
  do {
    const subscribers = await deps.store.listSubscribers(
      site,
      notice.author.id,
      cursor,
      deps.pageSize ?? 1000,
    );
    const users = await deps.store.getUsers(site, subscribers.items);
    const stanzas: OutboundStanza[] = [];
    for (const user of users) {
      const reason = skipReason(user, notice.author.id);
      if (reason === 'malformed JID') {
        deps.logger.warn('recipient skipped', { site, noticeId: notice.id, userId: user.id, reason });
      }
      if (reason || !user.im) continue;
      stanzas.push(renderNoticeMessage(site, notice, bareJid(user.im.jid) as string));
    }
    const frames = packStanzas(stanzas, deps.packing ?? DEFAULT_PACKING).map((group, index) =>
      makeFrame('stanzas', site, `notice-${notice.id}-p${page}-m${index}`, { stanzas: group }),
    );
    if (frames.length > 0) await deps.sender.send('xmpp-out', frames);
    queued += stanzas.length;
    cursor = subscribers.next;
    page++;
  } while (cursor);
  deps.logger.info('notice queued for IM', { site, noticeId: notice.id, recipients: queued });
  return { queued };
}
