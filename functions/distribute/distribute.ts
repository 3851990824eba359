import type { Logger } from '@aws-lambda-powertools/logger';
import { makeFrame, type NoticeFrame } from '../../shared/frames.js';
import type { FrameSender } from '../../shared/queue.js';
import type { Store } from '../../shared/store/types.js';

export interface DistributeDeps {
  readonly store: Pick<Store, 'saveNotice'>;
  readonly sender: FrameSender;
  readonly logger: Pick<Logger, 'info'>;
}

/**
 * StatusNet's `distrib` step: store the notice once, then hand it to the IM transport.
 * A redelivered frame is forwarded again even when the notice is already stored, because
 * the earlier attempt may have stopped between the two steps; downstream delivery is
 * idempotent per (notice, recipient).
 */
export async function distributeNotice(
  frame: NoticeFrame,
  deps: DistributeDeps,
): Promise<{ stored: boolean }> {
  const { notice } = frame.payload;
  const stored = await deps.store.saveNotice(frame.site, notice);
  await deps.sender.send('im-notify', [makeFrame('notice', frame.site, frame.id, frame.payload)]);
  deps.logger.info(stored ? 'notice stored' : 'notice already stored, forwarded again', {
    site: frame.site,
    noticeId: notice.id,
  });
  return { stored };
}
