import type { Logger } from '@aws-lambda-powertools/logger';
import { type InboundChatFrame, makeFrame } from '../../shared/frames.js';
import { bareJid } from '../../shared/jid.js';
import type { FrameSender } from '../../shared/queue.js';
import { chatMessage, stanzaId } from '../../shared/stanza.js';
import type { Store } from '../../shared/store/types.js';

export interface ImInboundDeps {
  readonly store: Pick<Store, 'findUserByJid' | 'nextNoticeId' | 'rememberFirst'>;
  readonly sender: FrameSender;
  readonly logger: Pick<Logger, 'info'>;
  readonly siteName: string;
  readonly now?: () => Date;
}

export type InboundOutcome =
  | { readonly action: 'ignored'; readonly reason: string }
  | { readonly action: 'replied-unknown-sender'; readonly jid: string }
  | { readonly action: 'posted'; readonly noticeId: string };

/** Inbound records are deduplicated for this long (SQS keeps a message at most 14 days). */
const INBOUND_DEDUP_SECONDS = 14 * 24 * 3600;

/**
 * StatusNet's `xmpp-in` handling (statusnet.md §2.4), first slice: a chat message from a
 * confirmed address becomes a notice by its owner; anything else never posts. An
 * unknown sender gets a short explanation on the priority lane.
 */
export async function handleInboundChat(
  frame: InboundChatFrame,
  deps: ImInboundDeps,
): Promise<InboundOutcome> {
  const { site } = frame;
  const chat = frame.payload;
  if (chat.type !== 'chat' && chat.type !== 'normal')
    return { action: 'ignored', reason: `type ${chat.type}` };
  const text = chat.body.trim();
  if (!text) return { action: 'ignored', reason: 'empty body' };
  const jid = bareJid(chat.from);
  if (!jid) return { action: 'ignored', reason: 'malformed sender JID' };

  const user = await deps.store.findUserByJid(site, jid);
  if (!user) {
    const reply = `[${deps.siteName}] This address is not linked to an account here. Add ${jid} as your IM address in your settings on the site and confirm it, then send me a message to post it.`;
    const stanza = chatMessage(chat.from, stanzaId(`${site}.unknown`, frame.id, chat.from), reply);
    await deps.sender.send('xmpp-out-priority', [
      makeFrame('stanzas', site, stanza.id, { stanzas: [stanza] }),
    ]);
    deps.logger.info('message from unknown address', { site, jid });
    return { action: 'replied-unknown-sender', jid };
  }

  // A redelivered inbound frame must map to the same notice id, so `distribute` stores it once.
  const noticeId = await deps.store.rememberFirst(
    site,
    `inbound:${frame.id}`,
    await deps.store.nextNoticeId(site),
    INBOUND_DEDUP_SECONDS,
  );
  const createdAt = (deps.now?.() ?? new Date()).toISOString();
  await deps.sender.send('notices', [
    makeFrame('notice', site, `notice-${noticeId}`, {
      notice: {
        id: noticeId,
        author: { id: user.id, nickname: user.nickname },
        text,
        createdAt,
        source: 'xmpp',
        scope: 'public',
        local: true,
      },
    }),
  ]);
  deps.logger.info('notice posted from IM', { site, noticeId, userId: user.id });
  return { action: 'posted', noticeId };
}
