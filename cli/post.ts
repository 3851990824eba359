import { makeFrame } from '../shared/frames.js';
import type { FrameSender } from '../shared/queue.js';
import type { Store } from '../shared/store/types.js';

export class UnknownUserError extends Error {}

/**
 * Posts a notice the way a site does: allocate the notice id, then enqueue a notice frame
 * on `notices`. Everything after that is the pipeline's job.
 */
export async function postNotice(
  deps: { store: Pick<Store, 'findUserByNickname' | 'nextNoticeId'>; sender: FrameSender },
  site: string,
  nickname: string,
  text: string,
  now = new Date(),
): Promise<string> {
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
