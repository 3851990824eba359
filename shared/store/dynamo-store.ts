import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { PermanentError, TransientError } from '../errors.js';
import { type Notice, NoticeSchema } from '../frames.js';
import { type SiteSettings, SiteSettingsSchema } from '../site-settings.js';
import { type BucketRange, bucketKeyBounds } from './buckets.js';
import {
  BLOCKED_BY_PREFIX,
  commandKeys,
  DIRECT_MESSAGE_PREFIX,
  IM_SUBSCRIBER_PREFIX,
  IN_GROUP_PREFIX,
  keys,
  MEMBER_PREFIX,
  SUBSCRIBER_PREFIX,
  SUBSCRIPTION_PREFIX,
} from './table.js';
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
} from './types.js';

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

export class StoreConflictError extends PermanentError {}

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;
const MAX_SYNC_ROUNDS = 4;
const MAX_BATCH_GET_ROUNDS = 8;

/** The Store on DynamoDB (or an emulator speaking its API). See table.ts for the key design. */
export class DynamoStore implements Store, ConfirmationStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getSiteSettings(site: string): Promise<SiteSettings | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.siteSettings(site) }),
    );
    return Item ? SiteSettingsSchema.parse(Item.settings) : undefined;
  }

  async putSiteSettings(site: string, settings: SiteSettings): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.siteSettings(site), settings: SiteSettingsSchema.parse(settings) },
      }),
    );
  }

  async putUser(user: User): Promise<void> {
    const before = await this.getUser(user.site, user.id, true);
    await this.claim(
      { ...keys.nickname(user.site, user.nickname), userId: user.id },
      `nickname ${user.nickname} belongs to another user`,
    );
    const jid = confirmedJid(user);
    if (jid) await this.claimJid(user.site, user.id, jid);
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.user(user.site, user.id), type: 'user', ...user },
      }),
    );
    // Free what the user no longer holds, so another user may take it.
    if (before && before.nickname.toLowerCase() !== user.nickname.toLowerCase())
      await this.deleteOwned(keys.nickname(user.site, before.nickname), user.id);
    await this.followImChange(user.site, user.id, before, user);
  }

  async createUser(user: Omit<User, 'im'>): Promise<CreateUserOutcome> {
    try {
      await this.conditionalPut(
        { ...keys.user(user.site, user.id), type: 'user', ...user },
        'attribute_not_exists(pk)',
        undefined,
        `user id ${user.id} exists`,
      );
    } catch (error) {
      if (error instanceof StoreConflictError) return 'id-taken';
      throw error;
    }
    try {
      await this.claim(
        { ...keys.nickname(user.site, user.nickname), userId: user.id },
        `nickname ${user.nickname} is taken`,
      );
    } catch (error) {
      // Undo, keeping the first error: a nickname write that timed out may still have landed.
      await Promise.allSettled([
        this.deleteOwned(keys.nickname(user.site, user.nickname), user.id),
        this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.user(user.site, user.id) })),
      ]);
      if (error instanceof StoreConflictError) return 'nickname-taken';
      throw error;
    }
    return 'created';
  }

  async setPreferences(
    site: string,
    userId: string,
    preferences: UserPreferences,
  ): Promise<User | undefined> {
    const fields = Object.entries(preferences).filter(([, value]) => value !== undefined);
    if (fields.length === 0) return this.getUser(site, userId, true);
    const before = await this.updateUserItem(site, userId, {
      UpdateExpression: `SET ${fields.map(([name]) => `#${name} = :${name}`).join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(fields.map(([name]) => [`#${name}`, name])),
      ExpressionAttributeValues: Object.fromEntries(fields.map(([name, value]) => [`:${name}`, value])),
    });
    if (!before) return undefined;
    const after: User = { ...before, ...preferences };
    await this.followImChange(site, userId, before, after);
    return after;
  }

  async setIm(
    site: string,
    userId: string,
    im: ImAddress | undefined,
    onlyIfJid?: string,
  ): Promise<User | undefined> {
    const jid = im?.confirmed ? im.jid : undefined;
    if (jid) await this.claimJid(site, userId, jid);
    const before = await this.updateUserItem(site, userId, {
      UpdateExpression: im ? 'SET #im = :im' : 'REMOVE #im',
      ConditionExpression:
        onlyIfJid === undefined ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND #im.#jid = :expected',
      ExpressionAttributeNames: { '#im': 'im', ...(onlyIfJid === undefined ? {} : { '#jid': 'jid' }) },
      ...(im || onlyIfJid !== undefined
        ? {
            ExpressionAttributeValues: {
              ...(im ? { ':im': { jid: im.jid, confirmed: im.confirmed } } : {}),
              ...(onlyIfJid === undefined ? {} : { ':expected': onlyIfJid }),
            },
          }
        : {}),
    }).catch(async (error: unknown) => {
      // The profile may not have changed: give back a claim made for it (best effort).
      if (jid) await this.deleteOwnedUnlessHeld(site, userId, jid).catch(() => {});
      throw error;
    });
    if (!before) {
      // Nothing changed: give back a claim made for it, unless the user held it already.
      if (jid) await this.deleteOwnedUnlessHeld(site, userId, jid);
      return undefined;
    }
    const { im: _previous, ...rest } = before;
    const after: User = im ? { ...rest, im } : rest;
    await this.followImChange(site, userId, before, after);
    return after;
  }

  /** One conditional update of a user item; the item as it was, or undefined when the condition failed. */
  private async updateUserItem(
    site: string,
    userId: string,
    update: Pick<
      UpdateCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<User | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.user(site, userId),
          ...update,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes ? toUser(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Claims a confirmed address in the JID index for `userId`. A claim whose holder no longer
   * has that address confirmed (left behind by a change that failed half-way) is taken over;
   * a live one is a StoreConflictError.
   */
  private async claimJid(site: string, userId: string, jid: string): Promise<void> {
    const conflict = `IM address ${jid} is confirmed by another user`;
    const key = keys.jid(site, jid);
    try {
      await this.claim({ ...key, userId }, conflict);
      return;
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
    }
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    const holder = Item ? String(Item.userId) : undefined;
    if (holder && confirmedJid(await this.getUser(site, holder, true)) === jid)
      throw new StoreConflictError(conflict);
    await this.conditionalPut(
      { ...key, userId },
      holder ? 'userId = :holder' : 'attribute_not_exists(pk)',
      holder ? { ':holder': holder } : undefined,
      conflict,
    );
  }

  /**
   * After a profile change: frees the confirmed address the user no longer holds, so another
   * user may take it, and brings the IM subscriber index in step when the delivery address changed.
   */
  private async followImChange(site: string, userId: string, before: User | undefined, after: User) {
    const previousJid = confirmedJid(before);
    if (previousJid && previousJid !== confirmedJid(after))
      await this.deleteOwned(keys.jid(site, previousJid), userId);
    if (imDeliveryJid(before) !== imDeliveryJid(after)) await this.syncImSubscriptions(site, userId);
  }

  /** Puts an index item owned by `item.userId`, unless another user's is there (StoreConflictError). */
  private claim(item: Key & { readonly userId: string }, conflict: string): Promise<void> {
    return this.conditionalPut(
      item,
      'attribute_not_exists(pk) OR userId = :id',
      { ':id': item.userId },
      conflict,
    );
  }

  private async deleteOwnedUnlessHeld(site: string, userId: string, jid: string): Promise<void> {
    if (confirmedJid(await this.getUser(site, userId, true)) !== jid)
      await this.deleteOwned(keys.jid(site, jid), userId);
  }

  async getUser(site: string, id: string, consistent = false): Promise<User | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.user(site, id), ConsistentRead: consistent }),
    );
    return Item ? toUser(Item) : undefined;
  }

  async getUsers(site: string, ids: readonly string[]): Promise<User[]> {
    const items = await this.batchGet(unique(ids).map((id) => keys.user(site, id)));
    return items.map(toUser);
  }

  async findUserByNickname(site: string, nickname: string): Promise<User | undefined> {
    return this.followIndex(keys.nickname(site, nickname), site);
  }

  async findUsersByNicknames(site: string, nicknames: readonly string[]): Promise<User[]> {
    const lower = unique(nicknames.map((n) => n.toLowerCase()));
    const index = await this.batchGet(lower.map((n) => keys.nickname(site, n)));
    return this.getUsers(
      site,
      index.map((item) => String(item.userId)),
    );
  }

  async findUserByJid(site: string, bareJid: string): Promise<User | undefined> {
    const user = await this.followIndex(keys.jid(site, bareJid), site);
    // The index item may outlive a change of address; trust only the profile.
    return user?.im?.confirmed && user.im.jid === bareJid ? user : undefined;
  }

  async follow(site: string, subscriberId: string, authorId: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.subscriber(site, authorId, subscriberId), subscriberId, im: true, since: now },
      }),
    );
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.subscription(site, subscriberId, authorId), authorId, im: true, since: now },
      }),
    );
    await this.syncImSubscriber(site, subscriberId, authorId);
  }

  async unfollow(site: string, subscriberId: string, authorId: string): Promise<boolean> {
    const { Attributes } = await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.subscription(site, subscriberId, authorId),
        ReturnValues: 'ALL_OLD',
      }),
    );
    for (const key of [
      keys.imSubscriber(site, authorId, subscriberId),
      keys.subscriber(site, authorId, subscriberId),
    ]) {
      await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
    }
    return Attributes !== undefined;
  }

  async setSubscriptionIm(
    site: string,
    subscriberId: string,
    authorId: string,
    on: boolean,
  ): Promise<boolean> {
    // Both copies carry the flag: the author's and the subscriber's (which syncs read).
    for (const key of [
      keys.subscriber(site, authorId, subscriberId),
      keys.subscription(site, subscriberId, authorId),
    ]) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET im = :on',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':on': on },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    }
    await this.syncImSubscriber(site, subscriberId, authorId);
    return true;
  }

  async listImSubscribers(
    site: string,
    authorId: string,
    cursor?: string,
    limit = 1000,
    range?: BucketRange,
  ): Promise<Page<ImSubscriber>> {
    const page = await this.queryPrefix(
      keys.user(site, authorId).pk,
      IM_SUBSCRIBER_PREFIX,
      cursor,
      limit,
      ['userId', 'jid'],
      range && bucketKeyBounds(IM_SUBSCRIBER_PREFIX, range),
    );
    return {
      ...page,
      items: page.items.map((item) => ({ userId: String(item.userId), jid: String(item.jid) })),
    };
  }

  async listSubscribers(
    site: string,
    authorId: string,
    cursor?: string,
    limit = 1000,
  ): Promise<Page<Subscriber>> {
    const page = await this.queryPrefix(keys.user(site, authorId).pk, SUBSCRIBER_PREFIX, cursor, limit, [
      'subscriberId',
      'im',
    ]);
    return { ...page, items: page.items.map(toSubscriber) };
  }

  async findSubscribers(site: string, authorId: string, userIds: readonly string[]): Promise<Subscriber[]> {
    const items = await this.batchGet(unique(userIds).map((id) => keys.subscriber(site, authorId, id)));
    return items.map(toSubscriber);
  }

  async createGroup(group: Group): Promise<void> {
    await this.conditionalPut(
      { ...keys.groupNickname(group.site, group.nickname), groupId: group.id },
      'attribute_not_exists(pk) OR groupId = :id',
      { ':id': group.id },
      `group nickname ${group.nickname} belongs to another group`,
    );
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.group(group.site, group.id), type: 'group', ...group },
      }),
    );
  }

  async findGroupByNickname(site: string, nickname: string): Promise<Group | undefined> {
    const index = await this.get(keys.groupNickname(site, nickname));
    if (!index) return undefined;
    const item = await this.get(keys.group(site, String(index.groupId)));
    return item
      ? { site: String(item.site), id: String(item.id), nickname: String(item.nickname) }
      : undefined;
  }

  async joinGroup(site: string, groupId: string, userId: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.member(site, groupId, userId), userId, since: new Date().toISOString() },
      }),
    );
    await this.putInGroup(site, groupId, userId);
  }

  async leaveGroup(site: string, groupId: string, userId: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.member(site, groupId, userId) }),
    );
    await this.deleteInGroup(site, groupId, userId);
  }

  async listGroupMembers(
    site: string,
    groupId: string,
    cursor?: string,
    limit = 1000,
  ): Promise<Page<string>> {
    const page = await this.queryPrefix(keys.group(site, groupId).pk, MEMBER_PREFIX, cursor, limit, [
      'userId',
    ]);
    return { ...page, items: page.items.map((item) => String(item.userId)) };
  }

  async findGroupMembers(site: string, groupId: string, userIds: readonly string[]): Promise<string[]> {
    const items = await this.batchGet(unique(userIds).map((id) => keys.member(site, groupId, id)));
    return items.map((item) => String(item.userId));
  }

  async block(site: string, blockerId: string, blockedId: string): Promise<void> {
    const since = new Date().toISOString();
    // No transactions on the emulator: the reverse item first, so a half-done block errs
    // on the side of withholding notices from the blocker.
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.blockedBy(site, blockedId, blockerId), blockerId, since },
      }),
    );
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.blocks(site, blockerId, blockedId), blockedId, since },
      }),
    );
  }

  async unblock(site: string, blockerId: string, blockedId: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.blocks(site, blockerId, blockedId) }),
    );
    await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.blockedBy(site, blockedId, blockerId) }),
    );
  }

  async listBlockers(site: string, userId: string): Promise<string[]> {
    const blockers: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.queryPrefix(keys.user(site, userId).pk, BLOCKED_BY_PREFIX, cursor, 1000, [
        'blockerId',
      ]);
      blockers.push(...page.items.map((item) => String(item.blockerId)));
      cursor = page.next;
    } while (cursor);
    return blockers;
  }

  async saveNotice(site: string, notice: Notice): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.notice(site, notice.id), type: 'notice', notice },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    await this.recordActivity(site, notice);
    return true;
  }

  async getNotice(site: string, id: string): Promise<Notice | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.notice(site, id) }),
    );
    return Item ? NoticeSchema.parse(Item.notice) : undefined;
  }

  async nextNoticeId(site: string): Promise<string> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.noticeSequence(site),
        UpdateExpression: 'ADD #value :one',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return String(Attributes?.value);
  }

  async rememberFirst(site: string, key: string, value: string, ttlSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.idempotency(site, key), value, expiresAt: now + ttlSeconds },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return value;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: keys.idempotency(site, key), ConsistentRead: true }),
      );
      if (!Item) throw new TransientError(`idempotency record ${key} vanished; retry`);
      return String(Item.value);
    }
  }

  async remember(site: string, key: string, value: string, ttlSeconds: number): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.idempotency(site, key), value, expiresAt: now + ttlSeconds },
      }),
    );
  }

  // ---- IM commands (issue 4) ----

  async getUserActivity(site: string, userId: string): Promise<UserActivity> {
    const item = await this.get(commandKeys.activity(site, userId), true);
    const notices = Number(item?.notices ?? 0);
    return item?.latestNoticeId ? { notices, latestNoticeId: String(item.latestNoticeId) } : { notices };
  }

  async listSubscriptions(
    site: string,
    userId: string,
    cursor?: string,
    limit = 1000,
  ): Promise<Page<string>> {
    const page = await this.queryPrefix(keys.user(site, userId).pk, SUBSCRIPTION_PREFIX, cursor, limit, [
      'authorId',
    ]);
    return { ...page, items: page.items.map((item) => String(item.authorId)) };
  }

  async listUserGroups(site: string, userId: string, cursor?: string, limit = 1000): Promise<Page<string>> {
    const page = await this.queryPrefix(keys.user(site, userId).pk, IN_GROUP_PREFIX, cursor, limit, [
      'groupId',
    ]);
    return { ...page, items: page.items.map((item) => String(item.groupId)) };
  }

  async getGroups(site: string, ids: readonly string[]): Promise<Group[]> {
    const items = await this.batchGet(unique(ids).map((id) => keys.group(site, id)));
    return items.map((item) => ({
      site: String(item.site),
      id: String(item.id),
      nickname: String(item.nickname),
    }));
  }

  async addFavorite(site: string, userId: string, noticeId: string): Promise<boolean> {
    return this.putIfAbsent({ ...commandKeys.favorite(site, userId, noticeId), noticeId, since: nowIso() });
  }

  async isFavorite(site: string, userId: string, noticeId: string): Promise<boolean> {
    return (await this.get(commandKeys.favorite(site, userId, noticeId), true)) !== undefined;
  }

  async claimRepeat(site: string, userId: string, noticeId: string, repeatId: string): Promise<string> {
    const key = commandKeys.repeat(site, userId, noticeId);
    if (await this.putIfAbsent({ ...key, noticeId, repeatId, since: nowIso() })) return repeatId;
    const item = await this.get(key, true);
    if (!item) throw new TransientError(`repeat of ${noticeId} by ${userId} vanished; retry`);
    return String(item.repeatId);
  }

  async saveDirectMessage(site: string, message: DirectMessage): Promise<boolean> {
    const key = commandKeys.directMessage(site, message.to.id, message.createdAt, message.id);
    return this.putIfAbsent({ ...key, type: 'direct-message', message });
  }

  async listDirectMessages(site: string, userId: string): Promise<DirectMessage[]> {
    const messages: DirectMessage[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.queryPrefix(keys.user(site, userId).pk, DIRECT_MESSAGE_PREFIX, cursor, 1000, [
        'message',
      ]);
      messages.push(...page.items.map((item) => item.message as DirectMessage));
      cursor = page.next;
    } while (cursor);
    return messages;
  }

  async incrementCounter(site: string, key: string, ttlSeconds: number): Promise<number> {
    const now = Math.floor(Date.now() / 1000);
    const counterKey = commandKeys.counter(site, key);
    const add = (condition?: string) =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey,
          UpdateExpression: 'ADD hits :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: condition,
          ExpressionAttributeValues: {
            ':one': 1,
            ':expires': now + ttlSeconds,
            ...(condition ? { ':now': now } : {}),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
    try {
      // No TTL on the emulator: an expired counter is not added to but started afresh.
      const { Attributes } = await add('attribute_not_exists(pk) OR expiresAt >= :now');
      return Number(Attributes?.hits);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...counterKey, hits: 1, expiresAt: now + ttlSeconds },
        }),
      );
      return 1;
    }
  }

  async readCounter(site: string, key: string): Promise<number> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: commandKeys.counter(site, key) }),
    );
    // DynamoDB's TTL deletes late (and the emulator not at all): an expired counter reads 0.
    return Item && Number(Item.expiresAt) >= Math.floor(Date.now() / 1000) ? Number(Item.hits) : 0;
  }

  /** Counts a newly stored notice for its author and moves their latest notice forward. */
  private async recordActivity(site: string, notice: Notice): Promise<void> {
    const key = commandKeys.activity(site, notice.author.id);
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'ADD notices :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    try {
      // Notices may be stored out of order: only a later one becomes the latest.
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET latestNoticeId = :id, latestAt = :at',
          ConditionExpression: 'attribute_not_exists(latestAt) OR latestAt <= :at',
          ExpressionAttributeValues: { ':id': notice.id, ':at': notice.createdAt },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async putInGroup(site: string, groupId: string, userId: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...commandKeys.inGroup(site, userId, groupId), groupId, since: nowIso() },
      }),
    );
  }

  private async deleteInGroup(site: string, groupId: string, userId: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: commandKeys.inGroup(site, userId, groupId) }),
    );
  }

  /** Puts an item unless its key exists; false when it did. */
  private async putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  // --- Address confirmation (issue 4) ---

  async putConfirmation(confirmation: Confirmation): Promise<void> {
    const { site, userId, code } = confirmation;
    const before = await this.get(keys.pendingConfirmation(site, userId), true);
    await this.claim(
      { ...keys.confirmationCode(site, code), ...confirmation },
      `confirmation code ${code} is in use`,
    );
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.pendingConfirmation(site, userId), ...confirmation },
      }),
    );
    if (before && String(before.code) !== code)
      await this.deleteOwned(keys.confirmationCode(site, String(before.code)), userId);
  }

  async getConfirmationByCode(site: string, code: string): Promise<Confirmation | undefined> {
    return liveConfirmation(await this.get(keys.confirmationCode(site, code), true));
  }

  async getPendingConfirmation(site: string, userId: string): Promise<Confirmation | undefined> {
    return liveConfirmation(await this.get(keys.pendingConfirmation(site, userId), true));
  }

  async deleteConfirmation(site: string, userId: string): Promise<void> {
    const pending = await this.get(keys.pendingConfirmation(site, userId), true);
    if (!pending) return;
    await this.deleteOwned(keys.confirmationCode(site, String(pending.code)), userId);
    await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.pendingConfirmation(site, userId) }),
    );
  }

  /**
   * Puts or deletes one IM subscriber item to match the subscription and the user's
   * profile. Read again after writing: a profile change that synced in between may have
   * been overwritten with what was read before it, so the write is repeated until the
   * profile it was based on is still the current one.
   */
  private async syncImSubscriber(site: string, subscriberId: string, authorId: string): Promise<void> {
    const key = keys.imSubscriber(site, authorId, subscriberId);
    let jid = await this.imSubscriberJid(site, subscriberId, authorId);
    for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
      if (jid) {
        await this.db.send(
          new PutCommand({ TableName: this.tableName, Item: { ...key, userId: subscriberId, jid } }),
        );
      } else {
        await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
      }
      const now = await this.imSubscriberJid(site, subscriberId, authorId);
      if (now === jid) return;
      jid = now;
    }
    throw new TransientError(`IM subscriber ${subscriberId} of ${authorId} keeps changing; retry`);
  }

  /** Where `subscriberId`'s copies of `authorId`'s notices should go now, if anywhere. */
  private async imSubscriberJid(site: string, subscriberId: string, authorId: string) {
    const subscription = await this.get(keys.subscription(site, subscriberId, authorId), true);
    if (!subscription || subscription.im === false) return undefined;
    return imDeliveryJid(await this.getUser(site, subscriberId, true));
  }

  /**
   * Rewrites every IM subscriber item of a user after their address or `notify` changed:
   * one Query of their subscriptions and BatchWrites, a page at a time, in proportion to
   * how many people they follow (not to anyone's audience).
   */
  /**
   * Rewrites the user's rows of the IM subscriber index for the address they get copies at
   * now. Another change of the profile may have read it before this one and written its rows
   * after, so the profile is read again afterwards and the rows rewritten until they agree.
   */
  private async syncImSubscriptions(site: string, userId: string): Promise<void> {
    let jid = imDeliveryJid(await this.getUser(site, userId, true));
    for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
      let cursor: string | undefined;
      do {
        const page = await this.queryPrefix(keys.user(site, userId).pk, SUBSCRIPTION_PREFIX, cursor, 1000, [
          'authorId',
          'im',
        ]);
        const writes = page.items.map((item) => {
          const key = keys.imSubscriber(site, String(item.authorId), userId);
          return jid && item.im !== false
            ? { PutRequest: { Item: { ...key, userId, jid } } }
            : { DeleteRequest: { Key: key } };
        });
        await this.batchWrite(writes);
        cursor = page.next;
      } while (cursor);
      const now = imDeliveryJid(await this.getUser(site, userId, true));
      if (now === jid) return;
      jid = now;
    }
    throw new TransientError(`the IM address of user ${userId} keeps changing; retry`);
  }

  /** Deletes an index item if it still points at `userId`. */
  private async deleteOwned(key: Key, userId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          ConditionExpression: 'userId = :id',
          ExpressionAttributeValues: { ':id': userId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** BatchWrite of any number of requests, 25 per call, retrying unprocessed ones with backoff. */
  private async batchWrite(requests: readonly Record<string, unknown>[]): Promise<void> {
    for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
      let pending = requests.slice(start, start + BATCH_WRITE_LIMIT);
      for (let round = 0; pending.length > 0; round++) {
        if (round === MAX_BATCH_GET_ROUNDS)
          throw new TransientError(`${pending.length} writes left unprocessed after retries`);
        const result = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }),
        );
        pending = (result.UnprocessedItems?.[this.tableName] as Record<string, unknown>[] | undefined) ?? [];
        if (pending.length > 0) await backoff(round);
      }
    }
  }

  private async get(key: Key, consistent = false): Promise<Item | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: consistent }),
    );
    return Item;
  }

  /** BatchGet of any number of keys, 100 per call, retrying unprocessed keys with backoff. */
  private async batchGet(wanted: readonly Key[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let start = 0; start < wanted.length; start += BATCH_GET_LIMIT) {
      let pending: Item[] = wanted.slice(start, start + BATCH_GET_LIMIT);
      for (let round = 0; pending.length > 0; round++) {
        if (round === MAX_BATCH_GET_ROUNDS)
          throw new TransientError(`${pending.length} items left unread after retries`);
        const result = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        found.push(...(result.Responses?.[this.tableName] ?? []));
        pending = (result.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined) ?? [];
        if (pending.length > 0) await backoff(round);
      }
    }
    return found;
  }

  /**
   * One page of the items of partition `pk` whose sort key starts with `prefix` (and, if
   * given, lies `between` two bounds). The cursor is the rest of the last sort key (a user
   * or member id), so it is readable in frames and logs and stable while the partition
   * changes.
   */
  private async queryPrefix(
    pk: string,
    prefix: string,
    cursor: string | undefined,
    limit: number,
    attributes: readonly string[],
    between?: [string, string],
  ): Promise<Page<Item>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: between
          ? 'pk = :pk AND sk BETWEEN :low AND :high'
          : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: between
          ? { ':pk': pk, ':low': between[0], ':high': between[1] }
          : { ':pk': pk, ':prefix': prefix },
        ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
        ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
        Limit: limit,
        ExclusiveStartKey: cursor ? { pk, sk: `${prefix}${cursor}` } : undefined,
      }),
    );
    const items = result.Items ?? [];
    const lastSk = result.LastEvaluatedKey?.sk as string | undefined;
    return lastSk ? { items, next: lastSk.slice(prefix.length) } : { items };
  }

  private async followIndex(key: Key, site: string): Promise<User | undefined> {
    const item = await this.get(key);
    return item ? this.getUser(site, String(item.userId)) : undefined;
  }

  private async conditionalPut(
    item: Record<string, unknown>,
    condition: string,
    values: Record<string, unknown> | undefined,
    conflict: string,
  ): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StoreConflictError(conflict);
      throw error;
    }
  }
}

function toUser(item: Record<string, unknown>): User {
  const im = item.im as User['im'];
  return {
    site: String(item.site),
    id: String(item.id),
    nickname: String(item.nickname),
    notify: item.notify === true,
    // Profiles written before these preferences existed read as StatusNet's defaults (off).
    replies: item.replies === true,
    echo: item.echo === true,
    ...(im ? { im: { jid: String(im.jid), confirmed: im.confirmed === true } } : {}),
  };
}

/** A stored confirmation, or undefined when there is none or it has expired. */
function liveConfirmation(item: Item | undefined): Confirmation | undefined {
  if (!item || Number(item.expiresAt) <= Math.floor(Date.now() / 1000)) return undefined;
  return {
    site: String(item.site),
    userId: String(item.userId),
    jid: String(item.jid),
    code: String(item.code),
    since: String(item.since),
    expiresAt: Number(item.expiresAt),
  };
}

function confirmedJid(user: User | undefined): string | undefined {
  return user?.im?.confirmed ? user.im.jid : undefined;
}

function toSubscriber(item: Item): Subscriber {
  // Items written before the flag existed have no `im`: the flag defaults to on.
  return { userId: String(item.subscriberId), im: item.im !== false };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function backoff(round: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
}

function nowIso(): string {
  return new Date().toISOString();
}
