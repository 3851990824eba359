import type { FrameKind, FrameOf, Notice } from '../../shared/frames.js';
import type { FrameSender } from '../../shared/queue.js';
import type { SiteSettings } from '../../shared/site-settings.js';
import { ALL_BUCKETS, type BucketRange, bucketLabel, imBucket } from '../../shared/store/buckets.js';
import {
  type Confirmation,
  type ConfirmationStore,
  type CreateUserOutcome,
  type DirectMessage,
  type Group,
  type ImAddress,
  type ImSubscriber,
  imDeliveryJid,
  type Page,
  type Store,
  type Subscriber,
  type User,
  type UserActivity,
  type UserPreferences,
} from '../../shared/store/types.js';
import type { QueueName } from '../../shared/topology.js';

/**
 * In-memory Store for unit tests; the DynamoStore is covered by integration tests. Pages
 * follow DynamoDB's: ids in sort-key order, the cursor is the last id returned, so a page
 * starts after it even when that row has gone since.
 */
export class MemoryStore implements Store, ConfirmationStore {
  readonly users = new Map<string, User>();
  /** `site/authorId` -> subscriberId -> per-subscription IM flag */
  readonly subscribers = new Map<string, Map<string, boolean>>();
  readonly groups = new Map<string, Group>();
  /** `site/groupId` -> member ids */
  readonly members = new Map<string, Set<string>>();
  /** `site/blockedId` -> blocker ids */
  readonly blockers = new Map<string, Set<string>>();
  readonly notices = new Map<string, Notice>();
  readonly remembered = new Map<string, { value: string; expiresAt: number }>();
  readonly settings = new Map<string, SiteSettings>();
  /** The clock idempotency records expire by (ms); tests move it. */
  now = () => Date.now();
  private sequence = 0;

  async getSiteSettings(site: string): Promise<SiteSettings | undefined> {
    return this.settings.get(site);
  }
  async putSiteSettings(site: string, settings: SiteSettings): Promise<void> {
    this.settings.set(site, settings);
  }

  async putUser(user: User): Promise<void> {
    this.users.set(`${user.site}/${user.id}`, user);
  }
  async createUser(user: Omit<User, 'im'>): Promise<CreateUserOutcome> {
    if (this.users.has(`${user.site}/${user.id}`)) return 'id-taken';
    if (await this.findUserByNickname(user.site, user.nickname)) return 'nickname-taken';
    this.users.set(`${user.site}/${user.id}`, user);
    return 'created';
  }
  async setPreferences(
    site: string,
    userId: string,
    preferences: UserPreferences,
  ): Promise<User | undefined> {
    const user = this.users.get(`${site}/${userId}`);
    if (!user) return undefined;
    const defined = Object.fromEntries(
      Object.entries(preferences).filter(([, value]) => value !== undefined),
    );
    const updated = { ...user, ...defined };
    this.users.set(`${site}/${userId}`, updated);
    return updated;
  }
  async setIm(
    site: string,
    userId: string,
    im: ImAddress | undefined,
    onlyIfJid?: string,
  ): Promise<User | undefined> {
    const user = this.users.get(`${site}/${userId}`);
    if (!user || (onlyIfJid !== undefined && user.im?.jid !== onlyIfJid)) return undefined;
    const { im: _previous, ...rest } = user;
    const updated: User = im ? { ...rest, im } : rest;
    this.users.set(`${site}/${userId}`, updated);
    return updated;
  }
  async getUser(site: string, id: string): Promise<User | undefined> {
    return this.users.get(`${site}/${id}`);
  }
  async getUsers(site: string, ids: readonly string[]): Promise<User[]> {
    return [...new Set(ids)].flatMap((id) => this.users.get(`${site}/${id}`) ?? []);
  }
  async findUserByNickname(site: string, nickname: string): Promise<User | undefined> {
    return [...this.users.values()].find(
      (u) => u.site === site && u.nickname.toLowerCase() === nickname.toLowerCase(),
    );
  }
  async findUsersByNicknames(site: string, nicknames: readonly string[]): Promise<User[]> {
    const wanted = new Set(nicknames.map((n) => n.toLowerCase()));
    return [...this.users.values()].filter((u) => u.site === site && wanted.has(u.nickname.toLowerCase()));
  }
  async findUserByJid(site: string, jid: string): Promise<User | undefined> {
    return [...this.users.values()].find((u) => u.site === site && u.im?.confirmed && u.im.jid === jid);
  }

  async follow(site: string, subscriberId: string, authorId: string): Promise<void> {
    const list = this.subscribers.get(`${site}/${authorId}`) ?? new Map<string, boolean>();
    list.set(subscriberId, true);
    this.subscribers.set(`${site}/${authorId}`, list);
  }
  async unfollow(site: string, subscriberId: string, authorId: string): Promise<boolean> {
    return this.subscribers.get(`${site}/${authorId}`)?.delete(subscriberId) ?? false;
  }
  async listImSubscribers(
    site: string,
    authorId: string,
    cursor?: string,
    limit = 1000,
    range: BucketRange = ALL_BUCKETS,
  ): Promise<Page<ImSubscriber>> {
    const list = this.subscribers.get(`${site}/${authorId}`) ?? new Map<string, boolean>();
    // Keyed like DynamoStore's sort keys: `<bucket>#<userId>`.
    const rows = new Map<string, ImSubscriber>();
    for (const [userId, im] of list) {
      const bucket = imBucket(userId);
      if (bucket < range.from || bucket >= range.to) continue;
      const jid = im ? imDeliveryJid(this.users.get(`${site}/${userId}`)) : undefined;
      if (jid) rows.set(`${bucketLabel(bucket)}#${userId}`, { userId, jid });
    }
    const page = pageOf([...rows.keys()], cursor, limit);
    return { ...page, items: page.items.map((key) => rows.get(key) as ImSubscriber) };
  }
  async setSubscriptionIm(
    site: string,
    subscriberId: string,
    authorId: string,
    on: boolean,
  ): Promise<boolean> {
    const list = this.subscribers.get(`${site}/${authorId}`);
    if (!list?.has(subscriberId)) return false;
    list.set(subscriberId, on);
    return true;
  }
  async listSubscribers(
    site: string,
    authorId: string,
    cursor?: string,
    limit = 1000,
  ): Promise<Page<Subscriber>> {
    const list = this.subscribers.get(`${site}/${authorId}`) ?? new Map<string, boolean>();
    const page = pageOf([...list.keys()], cursor, limit);
    return { ...page, items: page.items.map((userId) => ({ userId, im: list.get(userId) === true })) };
  }
  async findSubscribers(site: string, authorId: string, userIds: readonly string[]): Promise<Subscriber[]> {
    const list = this.subscribers.get(`${site}/${authorId}`) ?? new Map<string, boolean>();
    return [...new Set(userIds)].flatMap((userId) => {
      const im = list.get(userId);
      return im === undefined ? [] : [{ userId, im }];
    });
  }

  async createGroup(group: Group): Promise<void> {
    const taken = await this.findGroupByNickname(group.site, group.nickname);
    if (taken && taken.id !== group.id) throw new Error(`group nickname ${group.nickname} is taken`);
    this.groups.set(`${group.site}/${group.id}`, group);
  }
  async findGroupByNickname(site: string, nickname: string): Promise<Group | undefined> {
    return [...this.groups.values()].find(
      (g) => g.site === site && g.nickname.toLowerCase() === nickname.toLowerCase(),
    );
  }
  async joinGroup(site: string, groupId: string, userId: string): Promise<void> {
    const set = this.members.get(`${site}/${groupId}`) ?? new Set<string>();
    set.add(userId);
    this.members.set(`${site}/${groupId}`, set);
  }
  async leaveGroup(site: string, groupId: string, userId: string): Promise<void> {
    this.members.get(`${site}/${groupId}`)?.delete(userId);
  }
  async listGroupMembers(
    site: string,
    groupId: string,
    cursor?: string,
    limit = 1000,
  ): Promise<Page<string>> {
    return pageOf([...(this.members.get(`${site}/${groupId}`) ?? [])], cursor, limit);
  }
  async findGroupMembers(site: string, groupId: string, userIds: readonly string[]): Promise<string[]> {
    const set = this.members.get(`${site}/${groupId}`) ?? new Set<string>();
    return [...new Set(userIds)].filter((id) => set.has(id));
  }

  async block(site: string, blockerId: string, blockedId: string): Promise<void> {
    const set = this.blockers.get(`${site}/${blockedId}`) ?? new Set<string>();
    set.add(blockerId);
    this.blockers.set(`${site}/${blockedId}`, set);
  }
  async unblock(site: string, blockerId: string, blockedId: string): Promise<void> {
    this.blockers.get(`${site}/${blockedId}`)?.delete(blockerId);
  }
  async listBlockers(site: string, userId: string): Promise<string[]> {
    return [...(this.blockers.get(`${site}/${userId}`) ?? [])];
  }

  async saveNotice(site: string, notice: Notice): Promise<boolean> {
    if (this.notices.has(`${site}/${notice.id}`)) return false;
    this.notices.set(`${site}/${notice.id}`, notice);
    this.recordActivity(site, notice);
    return true;
  }
  async getNotice(site: string, id: string): Promise<Notice | undefined> {
    return this.notices.get(`${site}/${id}`);
  }
  async nextNoticeId(): Promise<string> {
    this.sequence += 1;
    return String(this.sequence);
  }
  async rememberFirst(site: string, key: string, value: string, ttlSeconds: number): Promise<string> {
    const existing = this.remembered.get(`${site}/${key}`);
    if (existing && existing.expiresAt > this.now()) return existing.value;
    await this.remember(site, key, value, ttlSeconds);
    return value;
  }
  async remember(site: string, key: string, value: string, ttlSeconds: number): Promise<void> {
    this.remembered.set(`${site}/${key}`, { value, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  // --- Address confirmation (issue 4): same semantics as DynamoStore ---
  /** `site/userId` -> the user's pending confirmation (the code index is derived from it). */
  readonly confirmations = new Map<string, Confirmation>();

  async putConfirmation(confirmation: Confirmation): Promise<void> {
    const holder = await this.getConfirmationByCode(confirmation.site, confirmation.code);
    if (holder && holder.userId !== confirmation.userId)
      throw new Error(`confirmation code ${confirmation.code} is in use`);
    this.confirmations.set(`${confirmation.site}/${confirmation.userId}`, confirmation);
  }
  async getConfirmationByCode(site: string, code: string): Promise<Confirmation | undefined> {
    const wanted = code.toUpperCase();
    return [...this.confirmations.values()].find(
      (c) => c.site === site && c.code === wanted && this.isLive(c),
    );
  }
  async getPendingConfirmation(site: string, userId: string): Promise<Confirmation | undefined> {
    const found = this.confirmations.get(`${site}/${userId}`);
    return found && this.isLive(found) ? found : undefined;
  }
  async deleteConfirmation(site: string, userId: string): Promise<void> {
    this.confirmations.delete(`${site}/${userId}`);
  }
  private isLive(confirmation: Confirmation): boolean {
    return confirmation.expiresAt > Math.floor(this.now() / 1000);
  }

  // ---- IM commands (issue 4) ----
  /** `site/userId` -> notice count and latest notice */
  readonly activity = new Map<string, { notices: number; latest?: Notice }>();
  /** `site/userId` -> favourite notice ids */
  readonly favorites = new Map<string, Set<string>>();
  /** `site/userId/noticeId` -> repeat id */
  readonly repeats = new Map<string, string>();
  readonly directMessages: { site: string; message: DirectMessage }[] = [];
  readonly counters = new Map<string, { hits: number; expiresAt: number }>();

  async getUserActivity(site: string, userId: string): Promise<UserActivity> {
    const entry = this.activity.get(`${site}/${userId}`);
    const notices = entry?.notices ?? 0;
    return entry?.latest ? { notices, latestNoticeId: entry.latest.id } : { notices };
  }
  async listSubscriptions(
    site: string,
    userId: string,
    cursor?: string,
    limit = 1000,
  ): Promise<Page<string>> {
    const authors = [...this.subscribers]
      .filter(([key, list]) => key.startsWith(`${site}/`) && list.has(userId))
      .map(([key]) => key.slice(site.length + 1));
    return pageOf(authors, cursor, limit);
  }
  async listUserGroups(site: string, userId: string, cursor?: string, limit = 1000): Promise<Page<string>> {
    const groups = [...this.members]
      .filter(([key, set]) => key.startsWith(`${site}/`) && set.has(userId))
      .map(([key]) => key.slice(site.length + 1));
    return pageOf(groups, cursor, limit);
  }
  async getGroups(site: string, ids: readonly string[]): Promise<Group[]> {
    return [...new Set(ids)].flatMap((id) => this.groups.get(`${site}/${id}`) ?? []);
  }
  async addFavorite(site: string, userId: string, noticeId: string): Promise<boolean> {
    const set = this.favorites.get(`${site}/${userId}`) ?? new Set<string>();
    this.favorites.set(`${site}/${userId}`, set);
    if (set.has(noticeId)) return false;
    set.add(noticeId);
    return true;
  }
  async isFavorite(site: string, userId: string, noticeId: string): Promise<boolean> {
    return this.favorites.get(`${site}/${userId}`)?.has(noticeId) ?? false;
  }
  async claimRepeat(site: string, userId: string, noticeId: string, repeatId: string): Promise<string> {
    const key = `${site}/${userId}/${noticeId}`;
    const existing = this.repeats.get(key);
    if (existing !== undefined) return existing;
    this.repeats.set(key, repeatId);
    return repeatId;
  }
  async saveDirectMessage(site: string, message: DirectMessage): Promise<boolean> {
    const exists = this.directMessages.some(
      (m) =>
        m.site === site &&
        m.message.id === message.id &&
        m.message.to.id === message.to.id &&
        m.message.createdAt === message.createdAt,
    );
    if (exists) return false;
    this.directMessages.push({ site, message });
    return true;
  }
  async listDirectMessages(site: string, userId: string): Promise<DirectMessage[]> {
    return this.directMessages
      .filter((m) => m.site === site && m.message.to.id === userId)
      .map((m) => m.message)
      .sort((a, b) => `${a.createdAt}#${a.id}`.localeCompare(`${b.createdAt}#${b.id}`));
  }
  async incrementCounter(site: string, key: string, ttlSeconds: number): Promise<number> {
    const existing = this.counters.get(`${site}/${key}`);
    const live = existing && existing.expiresAt >= this.now() ? existing : undefined;
    const next = {
      hits: (live?.hits ?? 0) + 1,
      expiresAt: live?.expiresAt ?? this.now() + ttlSeconds * 1000,
    };
    this.counters.set(`${site}/${key}`, next);
    return next.hits;
  }
  async readCounter(site: string, key: string): Promise<number> {
    const existing = this.counters.get(`${site}/${key}`);
    return existing && existing.expiresAt >= this.now() ? existing.hits : 0;
  }
  private recordActivity(site: string, notice: Notice): void {
    const entry = this.activity.get(`${site}/${notice.author.id}`) ?? { notices: 0 };
    entry.notices += 1;
    if (!entry.latest || entry.latest.createdAt <= notice.createdAt) entry.latest = notice;
    this.activity.set(`${site}/${notice.author.id}`, entry);
  }
}

/** One page of `ids` in sort order, starting after `cursor`, like a DynamoDB Query. */
function pageOf(ids: readonly string[], cursor: string | undefined, limit: number): Page<string> {
  const sorted = [...ids].sort();
  const rest = cursor === undefined ? sorted : sorted.filter((id) => id > cursor);
  const items = rest.slice(0, limit);
  const last = items.at(-1);
  return rest.length > limit && last !== undefined ? { items, next: last } : { items };
}

/** Records what would have been sent to each queue. */
export class RecordingSender implements FrameSender {
  readonly sent: { queue: QueueName; frame: FrameOf<FrameKind> }[] = [];

  async send(queue: QueueName, frames: readonly FrameOf<FrameKind>[]): Promise<void> {
    for (const frame of frames) this.sent.push({ queue, frame });
  }

  to(queue: QueueName): FrameOf<FrameKind>[] {
    return this.sent.filter((s) => s.queue === queue).map((s) => s.frame);
  }
}

export const silentLogger = { info() {}, warn() {}, error() {}, debug() {} };

export function user(id: string, nickname: string, overrides: Partial<User> = {}): User {
  return {
    site: 'local',
    id,
    nickname,
    notify: true,
    replies: false,
    echo: false,
    im: { jid: `${nickname}@example.org`, confirmed: true },
    ...overrides,
  };
}

export function notice(overrides: Partial<Notice> = {}): Notice {
  return {
    id: '42',
    author: { id: '1', nickname: 'alice' },
    text: 'hello world',
    createdAt: '2026-12-03T10:00:00.000Z',
    source: 'web',
    scope: 'public',
    local: true,
    ...overrides,
  };
}
