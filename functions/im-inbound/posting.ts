import { createHash } from 'node:crypto';
import { makeFrame, type Notice } from '../../shared/frames.js';
import type { User } from '../../shared/store/types.js';
import type { CommandDeps } from './commands/deps.js';

/** Inbound records are deduplicated for this long (SQS keeps a message at most 14 days). */
export const INBOUND_DEDUP_SECONDS = 14 * 24 * 3600;
/** StatusNet's `site.dupelimit`: the same text twice within this time is refused. */
export const DUPLICATE_SECONDS = 60;
/** StatusNet's throttle: at most this many notices per window. */
export const THROTTLE_COUNT = 20;
export const THROTTLE_WINDOW_SECONDS = 600;

import { textLength } from '../../shared/notice-text.js';

/** The reply to text longer than the site's limit, or undefined. */
export function lengthRefusal(text: string, deps: Pick<CommandDeps, 'settings'>): string | undefined {
  const length = textLength(text);
  return length > deps.settings.textLimit ? tooLongReply(deps.settings.textLimit, length) : undefined;
}

export function tooLongReply(limit: number, length: number): string {
  return `Message too long: the maximum is ${limit} characters, you sent ${length}.`;
}

/**
 * StatusNet's `Notice::saveNew` checks (statusnet.md §2.4 step 6), as the reply to send, or
 * undefined when the text may be posted: the length limit, the duplicate limit and the
 * throttle. The duplicate record holds the frame id, so a redelivery is not its own duplicate.
 */
export async function postingRefusal(
  user: User,
  text: string,
  deps: CommandDeps,
): Promise<string | undefined> {
  const tooLong = lengthRefusal(text, deps);
  if (tooLong) return tooLong;

  const digest = createHash('sha256').update(text).digest('base64url');
  const first = await deps.store.rememberFirst(
    deps.site,
    `dupe:${user.id}:${digest}`,
    deps.frameId,
    DUPLICATE_SECONDS,
  );
  if (first !== deps.frameId)
    return `Not posted: you sent the same notice less than ${DUPLICATE_SECONDS} seconds ago.`;

  if ((await recentPosts(user, deps)) > THROTTLE_COUNT)
    return `Not posted: too many notices (more than ${THROTTLE_COUNT} in ${THROTTLE_WINDOW_SECONDS / 60} minutes). Take a break and try again in a few minutes.`;
  return undefined;
}

/**
 * StatusNet's throttle counted the notices of the last ten minutes. One counter per
 * ten-minute window, plus the window before weighted by how much of it is still within ten
 * minutes, approximates that sliding count with one update and one read: a burst across a
 * window edge cannot reach twice the limit, as fixed windows would allow. Every attempt
 * counts, so someone who keeps trying while throttled stays throttled.
 */
async function recentPosts(user: User, deps: CommandDeps): Promise<number> {
  const position = Date.parse(deps.receivedAt) / 1000 / THROTTLE_WINDOW_SECONDS;
  const window = Math.floor(position);
  const [current, previous] = await Promise.all([
    // Kept two windows, so it is still there to be weighted in the next one.
    deps.store.incrementCounter(deps.site, `posts:${user.id}:${window}`, 2 * THROTTLE_WINDOW_SECONDS),
    deps.store.readCounter(deps.site, `posts:${user.id}:${window - 1}`),
  ]);
  return current + previous * (1 - (position - window));
}

/**
 * Enqueues a notice by `user` on `notices`, as the site does; `distribute` stores it. One
 * inbound frame posts at most one notice, so its id is remembered under the frame id and a
 * redelivery posts the same notice again (stored once).
 */
export async function publishNotice(
  user: User,
  text: string,
  deps: CommandDeps,
  links: Pick<Notice, 'inReplyTo' | 'repeatOf'> = {},
): Promise<string> {
  const id = await noticeIdFor(deps);
  const notice: Notice = {
    id,
    author: { id: user.id, nickname: user.nickname },
    text,
    createdAt: deps.receivedAt,
    source: 'xmpp',
    scope: 'public',
    local: true,
    ...links,
  };
  await deps.sender.send('notices', [makeFrame('notice', deps.site, `notice-${id}`, { notice })]);
  return id;
}

/** The id of the notice this inbound frame posts: allocated once, the same on redelivery. */
export async function noticeIdFor(deps: CommandDeps): Promise<string> {
  return deps.store.rememberFirst(
    deps.site,
    `inbound:${deps.frameId}`,
    await deps.store.nextNoticeId(deps.site),
    INBOUND_DEDUP_SECONDS,
  );
}
