/**
 * Where a fan-out stands: which audience (stage), which addressed group, and where in it
 * (cursor). The stages run in order: `direct` (the author's echo and @-mentions of people
 * who do not follow the author), `subscribers`, then each addressed group. A position is
 * the start of one invocation's work, and the key of its idempotency record.
 */
export type Stage = 'direct' | 'subscribers' | 'groups';

export interface Position {
  readonly stage: Stage;
  /** Index into the notice's addressed groups (noticeAddressing), for the `groups` stage. */
  readonly group: number;
  /** Where in the stage's list to carry on; absent at the start of a stage. */
  readonly cursor?: string;
}

export const START: Position = { stage: 'direct', group: 0 };

/** The idempotency key of the invocation that starts at `position`. */
export function positionKey(noticeId: string, position: Position): string {
  return `fanout:${noticeId}:${position.stage}:${position.group}:${position.cursor ?? 'start'}`;
}

/** The position after a finished stage (or group); undefined when the fan-out is complete. */
export function nextStage(position: Position, groupCount: number): Position | undefined {
  if (position.stage === 'direct') return { stage: 'subscribers', group: 0 };
  const group = position.stage === 'subscribers' ? 0 : position.group + 1;
  return group < groupCount ? { stage: 'groups', group } : undefined;
}
