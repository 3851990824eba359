import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { type Emulators, startEmulators } from '../../infra/local/emulators.js';
import { ensureTable } from '../../infra/local/provision.js';
import { createDocumentClient } from '../../shared/aws/clients.js';
import { DynamoStore } from '../../shared/store/dynamo-store.js';

export interface DynaliteStore {
  readonly db: DynamoDBDocumentClient;
  readonly store: DynamoStore;
}

/**
 * The store tests run DynamoStore against the embedded DynamoDB (dynalite) through the real
 * SDK client. This registers the beforeAll that starts it and creates `tableName`, and the
 * afterAll that stops it, so those files hold only their tests.
 */
export function useDynaliteStore(tableName: string): DynaliteStore {
  let emulators: Emulators | undefined;
  let db: DynamoDBDocumentClient | undefined;
  let store: DynamoStore | undefined;

  beforeAll(async () => {
    emulators = await startEmulators({ sqsPort: 0, dynamoPort: 0 });
    db = createDocumentClient({ region: 'us-east-1', dynamoEndpoint: emulators.dynamoEndpoint });
    await ensureTable(db, tableName);
    store = new DynamoStore(db, tableName);
  });

  afterAll(async () => {
    db?.destroy();
    await emulators?.stop();
  });

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('dynalite is not set up yet (beforeAll)');
    return value;
  };
  return {
    get db() {
      return ready(db);
    },
    get store() {
      return ready(store);
    },
  };
}
