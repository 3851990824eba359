import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../infra/local/emulators.js';
import { ensureTable } from '../../infra/local/provision.js';
import { createDocumentClient } from '../../shared/aws/clients.js';
import { DynamoStore, StoreConflictError } from '../../shared/store/dynamo-store.js';
import { keys } from '../../shared/store/table.js';
import type { Confirmation } from '../../shared/store/types.js';

// The confirmation items of DynamoStore against dynalite, through the real SDK client.
let emulators: Emulators;
let db: DynamoDBDocumentClient;
let store: DynamoStore;
const TABLE = 'confirmation-store-test';

beforeAll(async () => {
  emulators = await startEmulators({ sqsPort: 0, dynamoPort: 0 });
  db = createDocumentClient({ region: 'us-east-1', dynamoEndpoint: emulators.dynamoEndpoint });
  await ensureTable(db, TABLE);
  store = new DynamoStore(db, TABLE);
});

afterAll(async () => {
  db?.destroy();
  await emulators?.stop();
});

const inAWeek = () => Math.floor(Date.now() / 1000) + 7 * 24 * 3600;
function confirmation(userId: string, code: string, overrides: Partial<Confirmation> = {}): Confirmation {
  return {
    site: 'local',
    userId,
    jid: `user${userId}@example.org`,
    code,
    since: '2026-01-01T00:00:00.000Z',
    expiresAt: inAWeek(),
    ...overrides,
  };
}

describe('DynamoStore confirmations', () => {
  it('finds a confirmation by its code (any case) and by its user', async () => {
    const stored = confirmation('1', 'AAAAAAAAAAAA2');
    await store.putConfirmation(stored);
    expect(await store.getConfirmationByCode('local', 'aaaaaaaaaaaa2')).toEqual(stored);
    expect(await store.getPendingConfirmation('local', '1')).toEqual(stored);
    expect(await store.getConfirmationByCode('other', 'AAAAAAAAAAAA2')).toBeUndefined();
  });

  it("replaces a user's confirmation and frees the old code", async () => {
    await store.putConfirmation(confirmation('2', 'BBBBBBBBBBBB2'));
    await store.putConfirmation(confirmation('2', 'CCCCCCCCCCCC2', { jid: 'new@example.org' }));
    expect(await store.getConfirmationByCode('local', 'BBBBBBBBBBBB2')).toBeUndefined();
    expect(await store.getPendingConfirmation('local', '2')).toMatchObject({
      code: 'CCCCCCCCCCCC2',
      jid: 'new@example.org',
    });
  });

  it('refuses a code held by another user', async () => {
    await store.putConfirmation(confirmation('3', 'DDDDDDDDDDDD2'));
    await expect(store.putConfirmation(confirmation('4', 'DDDDDDDDDDDD2'))).rejects.toThrow(
      StoreConflictError,
    );
    expect(await store.getConfirmationByCode('local', 'DDDDDDDDDDDD2')).toMatchObject({ userId: '3' });
  });

  it('reads an expired confirmation as absent (the emulator has no TTL)', async () => {
    const expired = confirmation('5', 'EEEEEEEEEEEE2', { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    await store.putConfirmation(expired);
    const { Item } = await db.send(
      new GetCommand({ TableName: TABLE, Key: keys.confirmationCode('local', 'EEEEEEEEEEEE2') }),
    );
    expect(Item?.userId).toBe('5'); // still stored: only the read treats it as gone
    expect(await store.getConfirmationByCode('local', 'EEEEEEEEEEEE2')).toBeUndefined();
    expect(await store.getPendingConfirmation('local', '5')).toBeUndefined();
  });

  it('deletes both the code and the pointer', async () => {
    await store.putConfirmation(confirmation('6', 'FFFFFFFFFFFF2'));
    await store.deleteConfirmation('local', '6');
    expect(await store.getConfirmationByCode('local', 'FFFFFFFFFFFF2')).toBeUndefined();
    expect(await store.getPendingConfirmation('local', '6')).toBeUndefined();
    await store.deleteConfirmation('local', '6');
  });
});
