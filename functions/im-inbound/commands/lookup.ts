import type { NoticeTarget } from '../../../shared/commands/types.js';
import type { Notice } from '../../../shared/frames.js';
import type { User } from '../../../shared/store/types.js';
import type { CommandDeps } from './deps.js';

/** A user by nickname, or the reply saying there is none. */
export async function findUser(
  deps: CommandDeps,
  nickname: string,
): Promise<{ user: User } | { reply: string }> {
  const user = await deps.store.findUserByNickname(deps.site, nickname);
  return user ? { user } : { reply: `No such user: ${nickname}.` };
}

/**
 * StatusNet's `Command::getNotice`: `#id` is a notice id, a nickname means that user's
 * latest notice. Returns the notice or the reply saying why there is none.
 */
export async function findNotice(
  deps: CommandDeps,
  target: NoticeTarget,
): Promise<{ notice: Notice } | { reply: string }> {
  if (target.kind === 'id') {
    const notice = await deps.store.getNotice(deps.site, target.id);
    return notice ? { notice } : { reply: `No such notice: #${target.id}.` };
  }
  const found = await findUser(deps, target.nickname);
  if ('reply' in found) return found;
  const notice = await latestNotice(deps, found.user);
  return notice ? { notice } : { reply: `${found.user.nickname} has not posted a notice yet.` };
}

export async function latestNotice(deps: CommandDeps, user: User): Promise<Notice | undefined> {
  const { latestNoticeId } = await deps.store.getUserActivity(deps.site, user.id);
  return latestNoticeId ? deps.store.getNotice(deps.site, latestNoticeId) : undefined;
}

/** Every item of a paged listing, read page by page. */
export async function readAll<T>(
  page: (cursor?: string) => Promise<{ items: readonly T[]; next?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const result = await page(cursor);
    all.push(...result.items);
    cursor = result.next;
  } while (cursor);
  return all;
}
