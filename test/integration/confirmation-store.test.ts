import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../shared/store/dynamo-store.js';
import { keys } from '../../shared/store/table.js';
import type { Confirmation } from '../../shared/store/types.js';
import { useDynaliteStore } from '../helpers/dynalite-store.js';

// The confirmation items of DynamoStore against dynalite, through the real SDK client.
const TABLE = 'confirmation-store-test';
const dynalite = useDynaliteStore(TABLE);

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
    await dynalite.store.putConfirmation(stored);
    expect(await dynalite.store.getConfirmationByCode('local', 'aaaaaaaaaaaa2')).toEqual(stored);
    expect(await dynalite.store.getPendingConfirmation('local', '1')).toEqual(stored);
    expect(await dynalite.store.getConfirmationByCode('other', 'AAAAAAAAAAAA2')).toBeUndefined();
  });

  it("replaces a user's confirmation and frees the old code", async () => {
    await dynalite.store.putConfirmation(confirmation('2', 'BBBBBBBBBBBB2'));
    await dynalite.store.putConfirmation(confirmation('2', 'CCCCCCCCCCCC2', { jid: 'new@example.org' }));
    expect(await dynalite.store.getConfirmationByCode('local', 'BBBBBBBBBBBB2')).toBeUndefined();
    expect(await dynalite.store.getPendingConfirmation('local', '2')).toMatchObject({
      code: 'CCCCCCCCCCCC2',
      jid: 'new@example.org',
    });
  });

  it('refuses a code held by another user', async () => {
    await dynalite.store.putConfirmation(confirmation('3', 'DDDDDDDDDDDD2'));
    await expect(dynalite.store.putConfirmation(confirmation('4', 'DDDDDDDDDDDD2'))).rejects.toThrow(
      StoreConflictError,
    );
    expect(await dynalite.store.getConfirmationByCode('local', 'DDDDDDDDDDDD2')).toMatchObject({
      userId: '3',
    });
  });

  it('reads an expired confirmation as absent (the emulator has no TTL)', async () => {
    const expired = confirmation('5', 'EEEEEEEEEEEE2', { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    await dynalite.store.putConfirmation(expired);
    const { Item } = await dynalite.db.send(
      new GetCommand({ TableName: TABLE, Key: keys.confirmationCode('local', 'EEEEEEEEEEEE2') }),
    );
    expect(Item?.userId).toBe('5'); // still stored: only the read treats it as gone
    expect(await dynalite.store.getConfirmationByCode('local', 'EEEEEEEEEEEE2')).toBeUndefined();
    expect(await dynalite.store.getPendingConfirmation('local', '5')).toBeUndefined();
  });

  it('deletes both the code and the pointer', async () => {
    await dynalite.store.putConfirmation(confirmation('6', 'FFFFFFFFFFFF2'));
    await dynalite.store.deleteConfirmation('local', '6');
    expect(await dynalite.store.getConfirmationByCode('local', 'FFFFFFFFFFFF2')).toBeUndefined();
    expect(await dynalite.store.getPendingConfirmation('local', '6')).toBeUndefined();
    await dynalite.store.deleteConfirmation('local', '6');
  });
});
