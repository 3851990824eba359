import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { bucketLabel, imBucket } from './buckets.js';

/**
 * One table, plain SDK (lib-dynamodb). Every item has a string partition key `pk` and
 * sort key `sk`; keys start with the site so one table serves several sites.
 *
 * | item                | pk                          | sk                     |
 * |---------------------|-----------------------------|------------------------|
 * | user profile        | `<site>#USER#<id>`          | `PROFILE`              |
 * | nickname -> user    | `<site>#NICK#<nickname>`    | `NICK`                 |
 * | confirmed JID -> user| `<site>#JID#<bare jid>`    | `JID`                  |
 * | subscriber of author| `<site>#USER#<authorId>`    | `SUBSCRIBER#<userId>`  |
 * | subscription of user| `<site>#USER#<userId>`      | `SUBSCRIPTION#<authorId>` |
 * | IM subscriber       | `<site>#USER#<authorId>`    | `IMSUB#<bucket>#<userId>` |
 * | user blocks user    | `<site>#USER#<blockerId>`   | `BLOCKS#<blockedId>`   |
 * | user is blocked by  | `<site>#USER#<blockedId>`   | `BLOCKEDBY#<blockerId>`|
 * | group profile       | `<site>#GROUP#<id>`         | `PROFILE`              |
 * | group nickname -> id| `<site>#GNICK#<nickname>`   | `GNICK`                |
 * | group member        | `<site>#GROUP#<groupId>`    | `MEMBER#<userId>`      |
 * | notice              | `<site>#NOTICE#<id>`        | `NOTICE`               |
 * | notice id sequence  | `<site>#SEQ`                | `notice`               |
 * | idempotency record  | `<site>#IDEM#<key>`         | `IDEM`                 |
 * | site settings       | `<site>#SITE`               | `SETTINGS`             |
 * | pending confirmation| `<site>#USER#<id>`          | `CONFIRMATION`         |
 * | confirmation code   | `<site>#CONFIRM#<code>`     | `CONFIRM`              |
 *
 * Access patterns: user by id (GetItem), by nickname and by JID (GetItem on the index
 * item, then the profile; by many nicknames with two BatchGets), subscribers of an author
 * (Query on the author's partition, `begins_with(sk, 'SUBSCRIBER#')`, paged; each item
 * carries the per-subscription `im` flag), IM subscribers of an author (the fan-out's
 * index: Query `begins_with(sk, 'IMSUB#')`, paged, or one range of its hash buckets
 * (`sk BETWEEN`, see buckets.ts) so a large fan-out reads ranges in parallel; a sparse copy of the subscriber items
 * of the followers who get IM copies (address confirmed, notify on, per-subscription flag
 * on), each carrying the address, so fan-out reads nothing per recipient; the store
 * rewrites a user's copies whenever their address or notify preference changes), "which of these users follow X" (BatchGet of X's subscriber items), group by
 * nickname (index item), members of a group (Query `begins_with(sk, 'MEMBER#')`, paged),
 * "which of these users are members of G" (BatchGet of member items), who blocks a user
 * (Query `begins_with(sk, 'BLOCKEDBY#')`: the reverse item written beside each block, so
 * fan-out reads an author's blockers in one Query), notice by id (GetItem), next notice id
 * (UpdateItem ADD), idempotency record (conditional put; `expiresAt` is the TTL
 * attribute in AWS, and reads treat expired records as absent because the emulator has
 * no TTL). Uniqueness (nickname, JID, notice id) uses conditional puts, which
 * the embedded emulator supports (it has no transactions).
 */
export const SUBSCRIBER_PREFIX = 'SUBSCRIBER#';
export const IM_SUBSCRIBER_PREFIX = 'IMSUB#';
export const SUBSCRIPTION_PREFIX = 'SUBSCRIPTION#';
export const MEMBER_PREFIX = 'MEMBER#';
export const BLOCKED_BY_PREFIX = 'BLOCKEDBY#';

export const keys = {
  user: (site: string, id: string) => ({ pk: `${site}#USER#${id}`, sk: 'PROFILE' }),
  nickname: (site: string, nickname: string) => ({
    pk: `${site}#NICK#${nickname.toLowerCase()}`,
    sk: 'NICK',
  }),
  jid: (site: string, bareJid: string) => ({ pk: `${site}#JID#${bareJid}`, sk: 'JID' }),
  subscriber: (site: string, authorId: string, subscriberId: string) => ({
    pk: `${site}#USER#${authorId}`,
    sk: `${SUBSCRIBER_PREFIX}${subscriberId}`,
  }),
  subscription: (site: string, subscriberId: string, authorId: string) => ({
    pk: `${site}#USER#${subscriberId}`,
    sk: `${SUBSCRIPTION_PREFIX}${authorId}`,
  }),
  imSubscriber: (site: string, authorId: string, subscriberId: string) => ({
    pk: `${site}#USER#${authorId}`,
    sk: `${IM_SUBSCRIBER_PREFIX}${bucketLabel(imBucket(subscriberId))}#${subscriberId}`,
  }),
  blocks: (site: string, blockerId: string, blockedId: string) => ({
    pk: `${site}#USER#${blockerId}`,
    sk: `BLOCKS#${blockedId}`,
  }),
  blockedBy: (site: string, blockedId: string, blockerId: string) => ({
    pk: `${site}#USER#${blockedId}`,
    sk: `${BLOCKED_BY_PREFIX}${blockerId}`,
  }),
  group: (site: string, id: string) => ({ pk: `${site}#GROUP#${id}`, sk: 'PROFILE' }),
  groupNickname: (site: string, nickname: string) => ({
    pk: `${site}#GNICK#${nickname.toLowerCase()}`,
    sk: 'GNICK',
  }),
  member: (site: string, groupId: string, userId: string) => ({
    pk: `${site}#GROUP#${groupId}`,
    sk: `${MEMBER_PREFIX}${userId}`,
  }),
  notice: (site: string, id: string) => ({ pk: `${site}#NOTICE#${id}`, sk: 'NOTICE' }),
  noticeSequence: (site: string) => ({ pk: `${site}#SEQ`, sk: 'notice' }),
  siteSettings: (site: string) => ({ pk: `${site}#SITE`, sk: 'SETTINGS' }),
  idempotency: (site: string, key: string) => ({ pk: `${site}#IDEM#${key}`, sk: 'IDEM' }),
  // Address confirmation (issue 4): one item per code, and the user's pointer to their
  // pending one; both carry `expiresAt` (TTL in AWS, checked on read locally).
  pendingConfirmation: (site: string, userId: string) => ({
    pk: `${site}#USER#${userId}`,
    sk: 'CONFIRMATION',
  }),
  confirmationCode: (site: string, code: string) => ({
    pk: `${site}#CONFIRM#${code.toUpperCase()}`,
    sk: 'CONFIRM',
  }),
};

export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  };
}

// ---- IM commands (issue 4) ----
/**
 * | item                    | pk                        | sk                       |
 * |-------------------------|---------------------------|--------------------------|
 * | activity of a user      | `<site>#USER#<id>`        | `ACTIVITY`               |
 * | group a user is in      | `<site>#USER#<userId>`    | `INGROUP#<groupId>`      |
 * | favourite of a user     | `<site>#USER#<userId>`    | `FAVE#<noticeId>`        |
 * | repeat by a user        | `<site>#USER#<userId>`    | `REPEAT#<noticeId>`      |
 * | direct message received | `<site>#USER#<toId>`      | `DM#<createdAt>#<id>`    |
 * | counter (rate limits)   | `<site>#COUNT#<key>`      | `COUNT`                  |
 *
 * The activity item (notice count ADDed, latest notice SET under a condition on its time)
 * answers `get` and `stats` without a query over notices. The reverse membership item is
 * written beside each group member item, so a user's groups are one Query.
 */
export const IN_GROUP_PREFIX = 'INGROUP#';
export const DIRECT_MESSAGE_PREFIX = 'DM#';

export const commandKeys = {
  activity: (site: string, userId: string) => ({ pk: `${site}#USER#${userId}`, sk: 'ACTIVITY' }),
  inGroup: (site: string, userId: string, groupId: string) => ({
    pk: `${site}#USER#${userId}`,
    sk: `${IN_GROUP_PREFIX}${groupId}`,
  }),
  favorite: (site: string, userId: string, noticeId: string) => ({
    pk: `${site}#USER#${userId}`,
    sk: `FAVE#${noticeId}`,
  }),
  repeat: (site: string, userId: string, noticeId: string) => ({
    pk: `${site}#USER#${userId}`,
    sk: `REPEAT#${noticeId}`,
  }),
  directMessage: (site: string, toId: string, createdAt: string, id: string) => ({
    pk: `${site}#USER#${toId}`,
    sk: `${DIRECT_MESSAGE_PREFIX}${createdAt}#${id}`,
  }),
  counter: (site: string, key: string) => ({ pk: `${site}#COUNT#${key}`, sk: 'COUNT' }),
};
