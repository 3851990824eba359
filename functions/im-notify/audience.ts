import type { Addressing } from '../../shared/addressing.js';
import { InvalidFrameError } from '../../shared/errors.js';
import type { Notice } from '../../shared/frames.js';
import { bucketOfCursor, IM_BUCKETS, rangesForRest, splitBuckets } from '../../shared/store/buckets.js';
import type { Group, Store, User } from '../../shared/store/types.js';
import { nextStage, type Position } from './position.js';

/**
 * Who has a reason to get a copy of a notice (statusnet.md §1.3, `Notice::whoGets`), read
 * one segment at a time so no invocation grows with the audience. Reasons and the stage
 * that serves each, so that one person with several reasons gets exactly one copy:
 *
 * - echo: the author, if their `echo` preference is on (direct stage, first segment);
 * - reply: a mentioned user with `replies` on who does NOT follow the author with the
 *   IM flag on (direct stage; a follower with the flag on is served by the next stage);
 * - subscription: a follower whose per-subscription IM flag is on (subscribers stage);
 * - group: a member of an addressed group who had none of the reasons above and is not
 *   a member of an earlier addressed group (groups stage, one group after another).
 *
 * The author never gets a copy for any reason but echo. Who is actually sent one is then
 * decided by eligibility.ts, the same for every reason. Nothing is written per recipient:
 * every check is a batch read, so a segment costs about what paging the index costs.
 */
export type AudienceStore = Pick<
  Store,
  | 'getUser'
  | 'getUsers'
  | 'findUsersByNicknames'
  | 'listImSubscribers'
  | 'findSubscribers'
  | 'findGroupByNickname'
  | 'listGroupMembers'
  | 'findGroupMembers'
>;

export interface AudienceContext {
  readonly site: string;
  readonly notice: Notice;
  readonly addressing: Addressing;
  readonly store: AudienceStore;
  /** At most into how many chains a subscriber index longer than one page is split. */
  readonly parallelism: number;
  /** Rows one invocation reads: what a chain's share of the index is measured in. */
  readonly pageSize: number;
}

/** Who has a reason to get a copy: a user, or what the IM subscriber index holds of one. */
export type Candidate = Pick<User, 'id' | 'im' | 'notify'>;

export interface Segment {
  /** Users with a reason to get a copy, not yet checked for eligibility. */
  readonly candidates: readonly Candidate[];
  /** How many rows of the audience this segment read; counts against the page size. */
  readonly consumed: number;
  /** Where the next segment starts; undefined when the fan-out is complete. */
  readonly next: Position | undefined;
  /** Chains split off here, each to be started by a continuation frame of its own. */
  readonly forks?: readonly Position[];
}

/** Reads the segment that starts at `position`, reading at most `budget` rows. */
export class Audience {
  private groups?: Promise<(Group | undefined)[]>;

  constructor(private readonly context: AudienceContext) {}

  read(position: Position, budget: number): Promise<Segment> {
    switch (position.stage) {
      case 'direct':
        return this.direct(position, budget);
      case 'subscribers':
        return this.subscribers(position, budget);
      case 'groups':
        return this.group(position, budget);
    }
  }

  private get authorId(): string {
    return this.context.notice.author.id;
  }

  /** The mentioned nicknames, minus the author's own (their copy is the echo's business). */
  private get mentions(): readonly string[] {
    const author = this.context.notice.author.nickname.toLowerCase();
    return this.context.addressing.mentions.filter((nickname) => nickname !== author);
  }

  private async direct(position: Position, budget: number): Promise<Segment> {
    const { site, store } = this.context;
    const offset = position.cursor === undefined ? 0 : Number(position.cursor);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new InvalidFrameError(`direct-stage cursor must be an offset, got "${position.cursor}"`);
    }
    const slice = this.mentions.slice(offset, offset + budget);
    const candidates: User[] = [];
    if (offset === 0) {
      const author = await store.getUser(site, this.authorId);
      if (author?.echo) candidates.push(author);
    }
    const mentioned = (await store.findUsersByNicknames(site, slice)).filter(
      (user) => user.id !== this.authorId && user.replies,
    );
    const served = await this.followersWithIm(mentioned.map((user) => user.id));
    candidates.push(...mentioned.filter((user) => !served.has(user.id)));
    const end = offset + slice.length;
    return {
      candidates,
      consumed: slice.length,
      next: end < this.mentions.length ? { ...position, cursor: String(end) } : this.after(position),
    };
  }

  /**
   * The IM subscriber index already holds only deliverable followers and their address.
   * The first page of an index that does not fit it splits the rest (this bucket to the
   * last) into up to `parallelism` ranges, as many as the rest is estimated to fill pages
   * (rangesForRest): this chain carries on in the first, and a fork starts each of the
   * others, so a huge audience is read side by side instead of page after page.
   */
  private async subscribers(position: Position, budget: number): Promise<Segment> {
    const { site, store, parallelism, pageSize } = this.context;
    const page = await store.listImSubscribers(
      site,
      this.authorId,
      position.cursor,
      budget,
      position.buckets,
    );
    const candidates = page.items
      .filter((s) => s.userId !== this.authorId)
      .map((s) => ({ id: s.userId, notify: true, im: { jid: s.jid, confirmed: true } }));
    const consumed = page.items.length;
    if (page.next === undefined) return { candidates, consumed, next: this.after(position) };
    const here = bucketOfCursor(page.next);
    if (position.buckets || parallelism < 2 || here === undefined) {
      return { candidates, consumed, next: { ...position, cursor: page.next } };
    }
    const ranges = rangesForRest(consumed, here, pageSize, parallelism);
    if (ranges < 2) return { candidates, consumed, next: { ...position, cursor: page.next } };
    const [first, ...rest] = splitBuckets({ from: here, to: IM_BUCKETS }, ranges);
    return {
      candidates,
      consumed,
      next: { ...position, cursor: page.next, ...(first ? { buckets: first } : {}) },
      forks: rest.map((buckets) => ({ stage: 'subscribers', group: 0, buckets })),
    };
  }

  private async group(position: Position, budget: number): Promise<Segment> {
    const { site, store } = this.context;
    const groups = await this.addressedGroups();
    const group = groups[position.group];
    if (!group) return { candidates: [], consumed: 0, next: this.after(position) };
    const page = await store.listGroupMembers(site, group.id, position.cursor, budget);
    const next = page.next !== undefined ? { ...position, cursor: page.next } : this.after(position);
    let ids = page.items.filter((id) => id !== this.authorId);
    if (ids.length === 0) return { candidates: [], consumed: page.items.length, next };

    // Served by an earlier stage: followers with the IM flag on, and mentioned users
    // with `replies` on (whether the direct stage or the subscribers stage served them).
    const users = await store.getUsers(site, ids);
    const followers = await this.followersWithIm(ids);
    const mentions = new Set(this.mentions);
    ids = users
      .filter(
        (user) => !followers.has(user.id) && !(user.replies && mentions.has(user.nickname.toLowerCase())),
      )
      .map((user) => user.id);
    // Served by an earlier group.
    for (const earlier of groups.slice(0, position.group)) {
      if (!earlier || ids.length === 0) continue;
      const members = new Set(await store.findGroupMembers(site, earlier.id, ids));
      ids = ids.filter((id) => !members.has(id));
    }
    const keep = new Set(ids);
    return { candidates: users.filter((user) => keep.has(user.id)), consumed: page.items.length, next };
  }

  private after(position: Position): Position | undefined {
    return nextStage(position, this.context.addressing.groups.length);
  }

  private async followersWithIm(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { site, store } = this.context;
    const found = await store.findSubscribers(site, this.authorId, ids);
    return new Set(found.filter((s) => s.im).map((s) => s.userId));
  }

  /**
   * The addressed groups, in addressing order, undefined where a group does not count:
   * it does not exist, or it was only named in the text and the author is not a member
   * (StatusNet `saveGroups`: only members can post to a group; a producer that lists
   * `notice.groups` has applied its own rules). Read once per invocation.
   */
  private addressedGroups(): Promise<(Group | undefined)[]> {
    this.groups ??= Promise.all(
      this.context.addressing.groups.map(async (nickname) => {
        const { site, store, notice } = this.context;
        const group = await store.findGroupByNickname(site, nickname);
        if (!group) return undefined;
        const listed = notice.groups?.some((listedName) => listedName.toLowerCase() === nickname);
        if (listed) return group;
        const member = await store.findGroupMembers(site, group.id, [this.authorId]);
        return member.length > 0 ? group : undefined;
      }),
    );
    return this.groups;
  }
}
