import type { NoticeTarget } from '../../../shared/commands/types.js';
import type { Notice } from '../../../shared/frames.js';
import type { User } from '../../../shared/store/types.js';
import { noticeIdFor, postingRefusal, publishNotice } from '../posting.js';
import type { CommandDeps } from './deps.js';
import { findNotice, findUser, latestNotice } from './lookup.js';

const ref = (notice: Notice) => ({ id: notice.id, author: notice.author });

/** `get` (`last`): that user's latest notice, as `nick: text [id]`. */
export async function get(_user: User, nickname: string, deps: CommandDeps): Promise<string> {
  const found = await findUser(deps, nickname);
  if ('reply' in found) return found.reply;
  const notice = await latestNotice(deps, found.user);
  if (!notice) return `${found.user.nickname} has not posted a notice yet.`;
  return `${notice.author.nickname}: ${notice.text} [${notice.id}]`;
}

/** `r` (`reply`): posts `text` as a reply to the notice (same checks as any notice). */
export async function reply(
  user: User,
  target: NoticeTarget,
  text: string,
  deps: CommandDeps,
): Promise<string> {
  const found = await findNotice(deps, target);
  if ('reply' in found) return found.reply;
  const refusal = await postingRefusal(user, text, deps);
  if (refusal) return refusal;
  await publishNotice(user, text, deps, { inReplyTo: ref(found.notice) });
  return `Reply to ${found.notice.author.nickname} sent.`;
}

/** `repeat` (`rp`, `rt`, `rd`): StatusNet's `RT @nick text`, never your own, never twice. */
export async function repeat(user: User, target: NoticeTarget, deps: CommandDeps): Promise<string> {
  const found = await findNotice(deps, target);
  if ('reply' in found) return found.reply;
  const original = found.notice.repeatOf
    ? ((await deps.store.getNotice(deps.site, found.notice.repeatOf.id)) ?? found.notice)
    : found.notice;
  if (original.author.id === user.id) return 'You cannot repeat your own notice.';
  if (original.scope !== 'public') return 'You cannot repeat a private notice.';
  const id = await noticeIdFor(deps);
  const claimed = await deps.store.claimRepeat(deps.site, user.id, original.id, id);
  if (claimed !== id) return `You already repeated that notice from ${original.author.nickname}.`;
  await publishNotice(user, `RT @${original.author.nickname} ${original.text}`, deps, {
    repeatOf: ref(original),
  });
  return `Notice from ${original.author.nickname} repeated.`;
}

/** `fav`: marks the notice as a favourite; a second time changes nothing. */
export async function fav(user: User, target: NoticeTarget, deps: CommandDeps): Promise<string> {
  const found = await findNotice(deps, target);
  if ('reply' in found) return found.reply;
  if (!(await deps.store.addFavorite(deps.site, user.id, found.notice.id)))
    return 'That notice is already a favourite.';
  return 'Notice marked as favourite.';
}
