import type { Logger } from '@aws-lambda-powertools/logger';
import { makeFrame, type NoticeFrame } from '../../shared/frames.js';
import type { FrameSender } from '../../shared/queue.js';
import type { Store } from '../../shared/store/types.js';
import { type QueueName, transportQueues } from '../../shared/topology.js';

export interface DistributeDeps {
  readonly store: Pick<Store, 'saveNotice'>;
  readonly sender: FrameSender;
  readonly logger: Pick<Logger, 'info'>;
}

/**
 * StatusNet's `distrib` step (statusnet.md §1.3): store the notice once, then hand it to
 * every transport whose registry entry takes it (`transportQueues`), so adding a transport
 * needs no change here. A redelivered frame is forwarded again even when the notice is
 * already stored, because the earlier attempt may have stopped between the steps;
 * downstream delivery is idempotent per (notice, recipient).
 */
export async function distributeNotice(
  frame: NoticeFrame,
  deps: DistributeDeps,
): Promise<{ stored: boolean; queues: QueueName[] }> {
  const { notice } = frame.payload;
  const stored = await deps.store.saveNotice(frame.site, notice);
  const queues = transportQueues(notice);
  const forwarded = makeFrame('notice', frame.site, frame.id, frame.payload);
  await Promise.all(queues.map((queue) => deps.sender.send(queue, [forwarded])));
  deps.logger.info(stored ? 'notice stored' : 'notice already stored, forwarded again', {
    site: frame.site,
    noticeId: notice.id,
    queues,
  });
  return { stored, queues };
}
