import { type BucketRange, IM_BUCKETS } from '../../shared/store/buckets.js';

/**
 * Where a fan-out stands: which audience (stage), which addressed group, and where in it
 * (cursor). The stages run in order: `direct` (the author's echo and @-mentions of people
 * who do not follow the author), `subscribers`, then each addressed group. A position is
 * the start of one invocation's work, and the key of its idempotency record.
 *
 * A large subscriber stage is split into bucket ranges read side by side (audience.ts):
 * each range is a chain of its own, and only the chain whose range ends the index carries
 * on to the groups.
 */
export type Stage = 'direct' | 'subscribers' | 'groups';

export interface Position {
  readonly stage: Stage;
  /** Index into the notice's addressed groups (noticeAddressing), for the `groups` stage. */
  readonly group: number;
  /** Where in the stage's list to carry on; absent at the start of a stage. */
  readonly cursor?: string;
  /** The subscriber index's buckets this chain reads; absent: all of them. */
  readonly buckets?: BucketRange;
}

export const START: Position = { stage: 'direct', group: 0 };

/** The idempotency key of the invocation that starts at `position`. */
export function positionKey(noticeId: string, position: Position): string {
  const range = position.buckets ? `${position.buckets.from}-${position.buckets.to}` : 'all';
  return `fanout:${noticeId}:${position.stage}:${position.group}:${range}:${position.cursor ?? 'start'}`;
}

/** Tells the frames of parallel chains apart: empty for the chain that is not split. */
export function chainTag(position: Position): string {
  return position.buckets ? `-b${position.buckets.from}` : '';
}

/**
 * The position after a finished stage (or group); undefined when the fan-out is complete,
 * or when this chain read a range of subscribers that another chain carries on from.
 */
export function nextStage(position: Position, groupCount: number): Position | undefined {
  if (position.stage === 'direct') return { stage: 'subscribers', group: 0 };
  if (position.stage === 'subscribers' && position.buckets && position.buckets.to < IM_BUCKETS)
    return undefined;
  const group = position.stage === 'subscribers' ? 0 : position.group + 1;
  return group < groupCount ? { stage: 'groups', group } : undefined;
}
