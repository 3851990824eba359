import type { Notice } from '../frames.js';
import type { SiteSettings, SiteSettingsSource } from '../site-settings.js';
import type { BucketRange } from './buckets.js';

/** A user of the site, with the IM settings this system needs (statusnet.md §2.6). */
export interface User {
  readonly site: string;
  readonly id: string;
  readonly nickname: string;
  /** The user's IM address (bare JID, case-folded) and whether they proved they own it. */
  readonly im?: { readonly jid: string; readonly confirmed: boolean };
  /** StatusNet's `notify`: send notices by IM. */
  readonly notify: boolean;
  /** StatusNet's `replies`: also send @-replies from people I do not follow. Off by default. */
  readonly replies: boolean;
  /** Send me my own notices. StatusNet did so through self-subscription; here it is opt-in. */
  readonly echo: boolean;
}

/** The IM address part of a user. */
export type ImAddress = NonNullable<User['im']>;

/** The preferences a user changes on their own (on/off, the site's settings page). */
export type UserPreferences = Partial<Pick<User, 'notify' | 'replies' | 'echo'>>;

/** What became of a new user. */
export type CreateUserOutcome = 'created' | 'id-taken' | 'nickname-taken';

/** One row of an author's subscriber index. */
export interface Subscriber {
  readonly userId: string;
  /** The per-subscription IM flag (StatusNet's `subscription.jabber`); on unless turned off. */
  readonly im: boolean;
}

/** A follower who gets IM copies of an author's notices, and the address they go to. */
export interface ImSubscriber {
  readonly userId: string;
  readonly jid: string;
}

/**
 * Where a user's IM copies go, or undefined when they get none: a confirmed address with
 * `notify` on. The store keeps the IM subscriber index in step with it.
 */
export function imDeliveryJid(user: Pick<User, 'im' | 'notify'> | undefined): string | undefined {
  return user?.im?.confirmed && user.notify ? user.im.jid : undefined;
}

/** A user group, addressed in notices as `!nickname`. */
export interface Group {
  readonly site: string;
  readonly id: string;
  readonly nickname: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page; absent on the last page. */
  readonly next?: string;
}

/** The DynamoDB access this system needs, named for what it is used for. */
export interface Store extends SiteSettingsSource {
  putSiteSettings(site: string, settings: SiteSettings): Promise<void>;

  /** Writes the whole profile (seeding, tests); a change of one part goes through the setters below. */
  putUser(user: User): Promise<void>;
  /** A new user (no IM address yet): refused, with nothing written, when the id or nickname is taken. */
  createUser(user: Omit<User, 'im'>): Promise<CreateUserOutcome>;
  /**
   * Changes only these preferences, so a concurrent change of the address is kept; undefined
   * when there is no such user.
   */
  setPreferences(site: string, userId: string, preferences: UserPreferences): Promise<User | undefined>;
  /**
   * Sets (or, with undefined, removes) only the IM address, so a concurrent change of the
   * preferences is kept. A confirmed address is claimed first: StoreConflictError when another
   * user holds it. With `onlyIfJid`, changes nothing unless the address is still that one.
   * Undefined when there is no such user or the condition failed.
   */
  setIm(
    site: string,
    userId: string,
    im: ImAddress | undefined,
    onlyIfJid?: string,
  ): Promise<User | undefined>;
  getUser(site: string, id: string): Promise<User | undefined>;
  /** The users that exist among `ids`, in no particular order. */
  getUsers(site: string, ids: readonly string[]): Promise<User[]>;
  findUserByNickname(site: string, nickname: string): Promise<User | undefined>;
  /** The users that exist among `nicknames` (any case), in no particular order. */
  findUsersByNicknames(site: string, nicknames: readonly string[]): Promise<User[]>;
  /** Only confirmed addresses are indexed. */
  findUserByJid(site: string, bareJid: string): Promise<User | undefined>;

  /** Subscribes with the IM flag on; following again resets the flag. */
  follow(site: string, subscriberId: string, authorId: string): Promise<void>;
  /** Ends a subscription; false when there was none. */
  unfollow(site: string, subscriberId: string, authorId: string): Promise<boolean>;
  /** Turns IM copies of one followed author on or off; false when there is no such subscription. */
  setSubscriptionIm(site: string, subscriberId: string, authorId: string, on: boolean): Promise<boolean>;
  /** The users who follow `authorId`, a page at a time, in a stable order. */
  listSubscribers(site: string, authorId: string, cursor?: string, limit?: number): Promise<Page<Subscriber>>;
  /**
   * The followers of `authorId` who get IM copies of their notices (confirmed address,
   * notify on, per-subscription flag on), with their address, a page at a time: the
   * fan-out's index, so a page costs one Query and no read per recipient. Ordered by hash
   * bucket, then id; `range` limits the page to some buckets (buckets.ts). The cursor is
   * `<bucket>#<userId>`.
   */
  listImSubscribers(
    site: string,
    authorId: string,
    cursor?: string,
    limit?: number,
    range?: BucketRange,
  ): Promise<Page<ImSubscriber>>;
  /** Which of `userIds` follow `authorId` (one batch read, not a scan of the audience). */
  findSubscribers(site: string, authorId: string, userIds: readonly string[]): Promise<Subscriber[]>;

  /** Creates a group; a nickname taken by another group is a conflict. */
  createGroup(group: Group): Promise<void>;
  findGroupByNickname(site: string, nickname: string): Promise<Group | undefined>;
  joinGroup(site: string, groupId: string, userId: string): Promise<void>;
  leaveGroup(site: string, groupId: string, userId: string): Promise<void>;
  /** The ids of a group's members, a page at a time, in a stable order. */
  listGroupMembers(site: string, groupId: string, cursor?: string, limit?: number): Promise<Page<string>>;
  /** Which of `userIds` are members of the group (one batch read). */
  findGroupMembers(site: string, groupId: string, userIds: readonly string[]): Promise<string[]>;

  block(site: string, blockerId: string, blockedId: string): Promise<void>;
  unblock(site: string, blockerId: string, blockedId: string): Promise<void>;
  /** Everyone who blocks `userId` (one Query on the reverse items). */
  listBlockers(site: string, userId: string): Promise<string[]>;

  /** Stores a notice once; returns false when a notice with that id already exists. */
  saveNotice(site: string, notice: Notice): Promise<boolean>;
  getNotice(site: string, id: string): Promise<Notice | undefined>;
  /** Allocates the next notice id of a site (StatusNet's notice ids are a sequence). */
  nextNoticeId(site: string): Promise<string>;

  /**
   * Idempotency record: stores `value` under `key` unless a live record exists, and
   * returns whichever value is stored. Expired records count as absent.
   */
  rememberFirst(site: string, key: string, value: string, ttlSeconds: number): Promise<string>;
  /** Overwrites an idempotency record (e.g. a claim becoming "done"). */
  remember(site: string, key: string, value: string, ttlSeconds: number): Promise<void>;
}

// ---- IM commands (issue 4): what the chat command set reads and writes ----

/** What a user has posted, kept up to date by `saveNotice`. */
export interface UserActivity {
  /** Notices stored with this author (repeats included, as StatusNet counts them). */
  readonly notices: number;
  /** The id of the most recent of them by `createdAt`, if any. */
  readonly latestNoticeId?: string;
}

/** A direct message (StatusNet's `message` table), stored for the recipient. */
export interface DirectMessage {
  /** Stable for redeliveries of the chat message that sent it. */
  readonly id: string;
  readonly from: { readonly id: string; readonly nickname: string };
  readonly to: { readonly id: string; readonly nickname: string };
  readonly text: string;
  readonly createdAt: string;
}

// Declaration merging: these members join the Store interface above, kept apart for merges.
export interface Store {
  getUserActivity(site: string, userId: string): Promise<UserActivity>;
  /** The ids of the users `userId` follows, a page at a time, in a stable order. */
  listSubscriptions(site: string, userId: string, cursor?: string, limit?: number): Promise<Page<string>>;
  /** The ids of the groups `userId` is a member of, a page at a time, in a stable order. */
  listUserGroups(site: string, userId: string, cursor?: string, limit?: number): Promise<Page<string>>;
  /** The groups that exist among `ids`, in no particular order. */
  getGroups(site: string, ids: readonly string[]): Promise<Group[]>;
  /** Marks a notice as a favourite of `userId`; false when it already was one. */
  addFavorite(site: string, userId: string, noticeId: string): Promise<boolean>;
  isFavorite(site: string, userId: string, noticeId: string): Promise<boolean>;
  /**
   * Records that `userId` repeated `noticeId` as `repeatId`, unless they already did:
   * returns the repeat id stored first, so a second repeat is recognised and a redelivered
   * one gets the same id.
   */
  claimRepeat(site: string, userId: string, noticeId: string, repeatId: string): Promise<string>;
  /** Stores a direct message once; false when one with that id exists for the recipient. */
  saveDirectMessage(site: string, message: DirectMessage): Promise<boolean>;
  /** The direct messages sent to `userId`, oldest first. */
  listDirectMessages(site: string, userId: string): Promise<DirectMessage[]>;
  /**
   * Adds one to the counter `key` and returns the new count. The record expires after
   * `ttlSeconds` and then counts from zero again; callers put the time window in the key.
   */
  incrementCounter(site: string, key: string, ttlSeconds: number): Promise<number>;
  /** The count of `key`; 0 when it was never counted or has expired. */
  readCounter(site: string, key: string): Promise<number>;
}

// --- Address confirmation (issue 4) ---

/**
 * A user's pending IM address confirmation: at most one per user, found by its code or by
 * the user. Expired confirmations read as absent (the emulator has no TTL).
 */
export interface Confirmation {
  readonly site: string;
  readonly userId: string;
  /** The bare JID waiting to be confirmed. */
  readonly jid: string;
  /** Upper case, from the confirmation alphabet (shared/confirmation/code.ts). */
  readonly code: string;
  /** When the address was saved: "waiting for confirmation since". */
  readonly since: string;
  /** Epoch seconds; the TTL attribute in AWS. */
  readonly expiresAt: number;
}

/** The store's part of address confirmation; kept apart from Store so fakes of Store stay small. */
export interface ConfirmationStore {
  /** Replaces the user's pending confirmation (and frees its old code); a code in use by another user is a conflict. */
  putConfirmation(confirmation: Confirmation): Promise<void>;
  getConfirmationByCode(site: string, code: string): Promise<Confirmation | undefined>;
  getPendingConfirmation(site: string, userId: string): Promise<Confirmation | undefined>;
  /** Forgets the user's pending confirmation, if any. */
  deleteConfirmation(site: string, userId: string): Promise<void>;
}
