import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../infra/local/emulators.js';
import { ensureTable } from '../../infra/local/provision.js';
import { createDocumentClient } from '../../shared/aws/clients.js';
import { DynamoStore, StoreConflictError } from '../../shared/store/dynamo-store.js';
import { notice, user } from '../helpers/fakes.js';

// DynamoStore against the embedded DynamoDB (dynalite), through the real SDK client.
let emulators: Emulators;
let db: DynamoDBDocumentClient;
let store: DynamoStore;

beforeAll(async () => {
  emulators = await startEmulators({ sqsPort: 0, dynamoPort: 0 });
  db = createDocumentClient({ region: 'us-east-1', dynamoEndpoint: emulators.dynamoEndpoint });
  await ensureTable(db, 'store-test');
  store = new DynamoStore(db, 'store-test');
});

afterAll(async () => {
  db?.destroy();
  await emulators?.stop();
});

describe('DynamoStore', () => {
  it('finds users by id, nickname (any case) and confirmed JID only', async () => {
    await store.putUser(user('1', 'Alice', { im: { jid: 'alice@example.org', confirmed: true } }));
    await store.putUser(user('2', 'bob', { im: { jid: 'bob@example.org', confirmed: false } }));
    expect(await store.getUser('local', '1')).toMatchObject({ nickname: 'Alice', notify: true });
    expect((await store.findUserByNickname('local', 'alice'))?.id).toBe('1');
    expect((await store.findUserByJid('local', 'alice@example.org'))?.id).toBe('1');
    expect(await store.findUserByJid('local', 'bob@example.org')).toBeUndefined();
    expect(await store.findUserByNickname('other-site', 'alice')).toBeUndefined();
  });

  it('refuses a nickname or a confirmed JID that belongs to another user', async () => {
    await expect(store.putUser(user('3', 'alice'))).rejects.toThrow(StoreConflictError);
    await expect(
      store.putUser(user('4', 'dora', { im: { jid: 'alice@example.org', confirmed: true } })),
    ).rejects.toThrow(/confirmed by another user/);
  });

  it('stops finding a JID once its owner changed address', async () => {
    await store.putUser(user('5', 'erin', { im: { jid: 'erin@example.org', confirmed: true } }));
    await store.putUser(user('5', 'erin', { im: { jid: 'erin@new.example', confirmed: true } }));
    expect(await store.findUserByJid('local', 'erin@example.org')).toBeUndefined();
    expect((await store.findUserByJid('local', 'erin@new.example'))?.id).toBe('5');
  });

  it('pages through subscribers and reads more than one BatchGet worth of users', async () => {
    const ids = Array.from({ length: 230 }, (_, i) => `s${String(i).padStart(3, '0')}`);
    for (const id of ids) {
      await store.putUser(user(id, `n${id}`));
      await store.follow('local', id, 'author');
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listSubscribers('local', 'author', cursor, 100);
      seen.push(...page.items);
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect(pages).toBeGreaterThanOrEqual(3);
    const users = await store.getUsers('local', ids);
    expect(users.map((u) => u.id).sort()).toEqual(ids);
  });

  it('stores a notice once and allocates increasing ids', async () => {
    expect(await store.saveNotice('local', notice({ id: '7' }))).toBe(true);
    expect(await store.saveNotice('local', notice({ id: '7', text: 'changed' }))).toBe(false);
    expect((await store.getNotice('local', '7'))?.text).toBe('hello world');
    const first = Number(await store.nextNoticeId('seq-site'));
    const second = Number(await store.nextNoticeId('seq-site'));
    expect(second).toBe(first + 1);
  });

  it('remembers the first value for a key until it expires', async () => {
    expect(await store.rememberFirst('local', 'k', 'one', 60)).toBe('one');
    expect(await store.rememberFirst('local', 'k', 'two', 60)).toBe('one');
    expect(await store.rememberFirst('local', 'expired', 'a', -1)).toBe('a');
    expect(await store.rememberFirst('local', 'expired', 'b', 60)).toBe('b');
  });
});
