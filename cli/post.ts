import { makeFrame } from '../shared/frames.js';
import { noticeTextProblem } from '../shared/notice-text.js';
import type { FrameSender } from '../shared/queue.js';
import { defaultSiteSettings } from '../shared/site-settings.js';
import type { Store } from '../shared/store/types.js';

export class UnknownUserError extends Error {}
export class InvalidNoticeTextError extends Error {}

/**
 * Posts a notice the way a site does: check the text as the site API does (visible text,
 * within the site's limit), allocate the notice id, then enqueue a notice frame on
 * `notices`. Everything after that is the pipeline's job.
 */
export async function postNotice(
  deps: {
    store: Pick<Store, 'findUserByNickname' | 'nextNoticeId' | 'getSiteSettings'>;
    sender: FrameSender;
  },
  site: string,
  nickname: string,
  rawText: string,
  now = new Date(),
): Promise<string> {
  const text = rawText.trim();
  const { textLimit } = (await deps.store.getSiteSettings(site)) ?? defaultSiteSettings(site);
  const problem = noticeTextProblem(text, textLimit);
  if (problem) throw new InvalidNoticeTextError(`not posted: ${problem}`);
  const author = await deps.store.findUserByNickname(site, nickname);
  if (!author) throw new UnknownUserError(`no user with nickname "${nickname}" on site ${site}`);
  const id = await deps.store.nextNoticeId(site);
  const frame = makeFrame(
    'notice',
    site,
    `notice-${id}`,
    {
      notice: {
        id,
        author: { id: author.id, nickname: author.nickname },
        text,
        createdAt: now.toISOString(),
        source: 'cli',
        scope: 'public',
        local: true,
      },
    },
    now,
  );
  await deps.sender.send('notices', [frame]);
  return id;
}
