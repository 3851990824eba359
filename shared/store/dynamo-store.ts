import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { PermanentError, TransientError } from '../errors.js';
import { type Notice, NoticeSchema } from '../frames.js';
import { type SiteSettings, SiteSettingsSchema } from '../site-settings.js';
import { keys, SUBSCRIBER_PREFIX } from './table.js';
import type { Page, Store, User } from './types.js';

export class StoreConflictError extends PermanentError {}

const BATCH_GET_LIMIT = 100;
const MAX_BATCH_GET_ROUNDS = 8;

/** The Store on DynamoDB (or an emulator speaking its API). See table.ts for the key design. */
export class DynamoStore implements Store {
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
    const owner = { ':id': user.id };
    const ownedOrFree = 'attribute_not_exists(pk) OR userId = :id';
    await this.conditionalPut(
      { ...keys.nickname(user.site, user.nickname), userId: user.id },
      ownedOrFree,
      owner,
      `nickname ${user.nickname} belongs to another user`,
    );
    if (user.im?.confirmed) {
      await this.conditionalPut(
        { ...keys.jid(user.site, user.im.jid), userId: user.id },
        ownedOrFree,
        owner,
        `IM address ${user.im.jid} is confirmed by another user`,
      );
    }
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.user(user.site, user.id), type: 'user', ...user },
      }),
    );
  }

  async getUser(site: string, id: string): Promise<User | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.user(site, id) }),
    );
    return Item ? toUser(Item) : undefined;
  }

  async getUsers(site: string, ids: readonly string[]): Promise<User[]> {
    const users: User[] = [];
    for (let start = 0; start < ids.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] = ids
        .slice(start, start + BATCH_GET_LIMIT)
        .map((id) => keys.user(site, id));
      for (let round = 0; pending.length > 0; round++) {
        if (round === MAX_BATCH_GET_ROUNDS)
          throw new TransientError(`${pending.length} users left unread after retries`);
        const result = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) users.push(toUser(item));
        pending =
          (result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        if (pending.length > 0) await backoff(round);
      }
    }
    return users;
  }

  async findUserByNickname(site: string, nickname: string): Promise<User | undefined> {
    return this.followIndex(keys.nickname(site, nickname), site);
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
  }

  async listSubscribers(
    site: string,
    authorId: string,
    cursor?: string,
    limit = 1000,
  ): Promise<Page<string>> {
    const { pk } = keys.user(site, authorId);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': SUBSCRIBER_PREFIX },
        ProjectionExpression: 'subscriberId',
        Limit: limit,
        ExclusiveStartKey: cursor ? { pk, sk: `${SUBSCRIBER_PREFIX}${cursor}` } : undefined,
      }),
    );
    const items = (result.Items ?? []).map((item) => String(item.subscriberId));
    const lastSk = result.LastEvaluatedKey?.sk as string | undefined;
    return lastSk ? { items, next: lastSk.slice(SUBSCRIBER_PREFIX.length) } : { items };
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
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
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

  private async followIndex(key: { pk: string; sk: string }, site: string): Promise<User | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return Item ? this.getUser(site, String(Item.userId)) : undefined;
  }

  private async conditionalPut(
    item: Record<string, unknown>,
    condition: string,
    values: Record<string, unknown>,
    conflict: string,
  ): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
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
    ...(im ? { im: { jid: String(im.jid), confirmed: im.confirmed === true } } : {}),
  };
}

function backoff(round: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
}
