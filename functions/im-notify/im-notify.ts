import type { Logger } from '@aws-lambda-powertools/logger';
import { noticeAddressing } from '../../shared/addressing.js';
import { TransientError } from '../../shared/errors.js';
import { makeFrame, type Notice } from '../../shared/frames.js';
import { type PackingLimits, packBroadcast } from '../../shared/packing.js';
import type { FrameSender } from '../../shared/queue.js';
import { renderNoticeBroadcast } from '../../shared/render/notice-stanza.js';
import type { SiteSettings } from '../../shared/site-settings.js';
import type { Store } from '../../shared/store/types.js';
import { Audience, type AudienceStore, type Candidate, type Segment } from './audience.js';
import { deliveryJid, skipReason } from './eligibility.js';
import type { ImNotifyFrame } from './frame.js';
import { chainTag, type Position, positionKey, START } from './position.js';

export interface ImNotifyLimits {
  /** Audience rows read per invocation (mentions, subscriber rows, member rows). */
  readonly pageSize: number;
  /** Into how many chains, read side by side, a subscriber index longer than a page is split. */
  readonly parallelism: number;
  /** How long a page stays claimed by the message working on it: the function's timeout. */
  readonly claimSeconds: number;
  readonly packing: PackingLimits;
}

export interface ImNotifyDeps {
  readonly store: AudienceStore & Pick<Store, 'listBlockers' | 'rememberFirst' | 'remember'>;
  readonly sender: FrameSender;
  readonly settings: { get(site: string): Promise<SiteSettings> };
  readonly logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  readonly limits: ImNotifyLimits;
}

export interface PageOutcome {
  /** `duplicate`: this page was already done (a redelivery or a duplicate frame). */
  readonly status: 'sent' | 'duplicate';
  readonly queued: number;
  /** Where the continuation carries on; undefined when this was the last page of its chain. */
  readonly next?: Position;
  /** Chains split off by this page, each started by its own continuation. */
  readonly forks?: readonly Position[];
}

/** Another message holds the claim on this page; retry once it has finished or its claim expired. */
export class PageBusyError extends TransientError {}

/** Long enough to outlive any redelivery: SQS keeps a message at most 14 days. */
const DONE_TTL_SECONDS = 14 * 24 * 3600;
const DONE = 'done';
/** Stages and groups one invocation may walk through when they are small. */
const MAX_SEGMENTS = 64;

/**
 * One invocation of the IM fan-out: reads the audience from the frame's position until
 * `pageSize` rows are read; if audience remains, sends ONE continuation frame to its own
 * queue; then sends the notice once per output message with the eligible recipients'
 * envelopes (a broadcast), in as few messages as the queue's size allows.
 *
 * Idempotent per (notice, recipient) because pages are deterministic and each page's
 * idempotency record (keyed by its start position) goes through two states:
 * - before any work, the page is claimed for this SQS message (`attempt`, its message id):
 *   a Lambda retry of the same message carries on; any other copy (a duplicate notice
 *   frame, a continuation sent twice) is a no-op once the page is done, or is retried
 *   later while the owner still works (PageBusyError), so duplicates never run side by
 *   side and a duplicated continuation cannot double the rest of the fan-out;
 * - after the continuation and the stanzas were sent, the page is marked done.
 * The remaining window: a crash between sending and marking done makes the retry queue
 * the page's stanzas again. Their ids are stable (notice id, recipient), so the relay
 * can recognise and drop the repeats.
 */
export async function notifyPage(
  frame: ImNotifyFrame,
  attempt: string,
  deps: ImNotifyDeps,
): Promise<PageOutcome> {
  const { site } = frame;
  const { notice } = frame.payload;
  const start: Position = frame.kind === 'fanout' ? frame.payload : START;
  const page = frame.kind === 'fanout' ? frame.payload.page : 0;
  const log = { site, noticeId: notice.id, page, stage: start.stage, group: start.group };

  const key = positionKey(notice.id, start);
  const claim = `claim:${attempt}`;
  // Reading the page has no side effects, so it runs beside the claim instead of after it:
  // each page's round trips are on the fan-out's critical path. A lost claim wastes the read.
  const [holder, { recipients, next, forks }] = await Promise.all([
    deps.store.rememberFirst(site, key, claim, deps.limits.claimSeconds),
    readPage(site, notice, start, deps),
  ]);
  if (holder === DONE) {
    deps.logger.info('page already done; duplicate ignored', log);
    return { status: 'duplicate', queued: 0 };
  }
  if (holder !== claim) throw new PageBusyError(`page ${key} is being worked on by another message`);

  // The continuations go first, so the next pages are read while this one is rendered and
  // sent: the fan-out's pace is that of paging the index.
  const chains = [...(next ? [next] : []), ...forks];
  if (chains.length > 0) {
    await deps.sender.send(
      'im-notify',
      chains.map((position) =>
        makeFrame('fanout', site, `fanout-${notice.id}${chainTag(position)}-p${page + 1}`, {
          notice,
          stage: position.stage,
          group: position.group,
          ...(position.cursor === undefined ? {} : { cursor: position.cursor }),
          ...(position.buckets === undefined ? {} : { buckets: position.buckets }),
          page: page + 1,
        }),
      ),
    );
  }
  const settings = await deps.settings.get(site);
  // Rendered once per page and sent once per message: only the envelope (to, id) is per recipient.
  const frames =
    recipients.length === 0
      ? []
      : packBroadcast(renderNoticeBroadcast({ site, settings, notice }, recipients), deps.limits.packing).map(
          (broadcast, index) =>
            makeFrame('stanzas', site, `notice-${notice.id}${chainTag(start)}-p${page}-m${index}`, {
              broadcast,
            }),
        );
  if (frames.length > 0) await deps.sender.send('xmpp-out', frames);
  await deps.store.remember(site, key, DONE, DONE_TTL_SECONDS);
  deps.logger.info('notice page queued for IM', {
    ...log,
    recipients: recipients.length,
    messages: frames.length,
    more: !!next,
    forks: forks.length,
  });
  const queued = recipients.length;
  return {
    status: 'sent',
    queued,
    ...(next ? { next } : {}),
    ...(forks.length > 0 ? { forks } : {}),
  };
}

/**
 * Reads segments from `start` until the page size is used up or the audience ends, and
 * returns the bare JIDs that get a copy, once each.
 */
async function readPage(
  site: string,
  notice: Notice,
  start: Position,
  deps: ImNotifyDeps,
): Promise<{ recipients: string[]; next: Position | undefined; forks: Position[] }> {
  const audience = new Audience({
    site,
    notice,
    addressing: noticeAddressing(notice),
    store: deps.store,
    parallelism: deps.limits.parallelism,
    pageSize: deps.limits.pageSize,
  });
  const blockers = blockersOf(site, notice, deps.store);
  // Read beside the first segment; a rejection is observed at the first await below.
  blockers.catch(() => {});
  const seen = new Set<string>();
  const recipients: string[] = [];
  const forks: Position[] = [];
  let position: Position | undefined = start;
  let budget = deps.limits.pageSize;
  for (let segments = 0; position && budget > 0 && segments < MAX_SEGMENTS; segments++) {
    const [segment, blocking]: [Segment, Set<string>] = await Promise.all([
      audience.read(position, budget),
      blockers,
    ]);
    for (const user of segment.candidates) {
      const to = eligibleJid(user, blocking, site, notice, deps.logger);
      if (to && !seen.has(to)) {
        seen.add(to);
        recipients.push(to);
      }
    }
    budget -= segment.consumed;
    position = segment.next;
    forks.push(...(segment.forks ?? []));
  }
  return { recipients, next: position, forks };
}

/** Users who block the author, or the original author of a repeat (`Notice::whoGets`). */
async function blockersOf(
  site: string,
  notice: Notice,
  store: Pick<Store, 'listBlockers'>,
): Promise<Set<string>> {
  const authors = new Set([notice.author.id, ...(notice.repeatOf ? [notice.repeatOf.author.id] : [])]);
  const lists = await Promise.all([...authors].map((id) => store.listBlockers(site, id)));
  return new Set(lists.flat());
}

function eligibleJid(
  user: Candidate,
  blockers: ReadonlySet<string>,
  site: string,
  notice: Notice,
  logger: ImNotifyDeps['logger'],
): string | undefined {
  const reason = skipReason(user, blockers);
  if (reason === 'malformed JID') {
    // The only skip that is an operator's problem, not a user's choice: say so, carry on.
    logger.warn('recipient skipped', { site, noticeId: notice.id, userId: user.id, reason });
  }
  return reason ? undefined : deliveryJid(user);
}
