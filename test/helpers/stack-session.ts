import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { postNotice } from '../../cli/post.js';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/stack.js';
import { createDocumentClient, createSqsClient } from '../../shared/aws/clients.js';
import { makeFrame, type Notice } from '../../shared/frames.js';
import { SqsFrameSender } from '../../shared/queue.js';
import { DynamoStore } from '../../shared/store/dynamo-store.js';
import type { QueueName } from '../../shared/topology.js';
import { eventually } from './eventually.js';
import { connectUser, type XmppUser } from './xmpp-user.js';

/** startLocalStack's options but the folder and the ports, which are always a temp folder and free ports. */
export type StackOptions = Partial<Omit<LocalStackOptions, 'dataDir' | 'ports'>>;

export type StackSessionOptions = StackOptions & {
  /** A fixed site API port, as `npm start` has; every other port is a free one. */
  apiPort?: number;
  /** Names the temp data folder: `noticeflow-<name>-XXXXXX`. */
  readonly name: string;
  /** Accounts to log in over XMPP, in order: demo nicknames or names in `extraXmppAccounts`. */
  readonly users?: readonly string[];
  /** XMPP accounts to create once the stack runs (stack.addXmppAccount) and log in, after `users`. */
  readonly newAccounts?: readonly string[];
  /** Set in process.env before the stack starts (the harness loads the handlers in this process); restored after. */
  readonly env?: Readonly<Record<string, string>>;
};

/** The stack of one test file; the getters throw until beforeAll has set it up. */
export interface StackSession {
  readonly dataDir: string;
  readonly stack: LocalStack;
  readonly sqs: SQSClient;
  readonly db: DynamoDBDocumentClient;
  readonly store: DynamoStore;
  /** The logged-in XMPP session of `nickname`; throws if it was not asked for. */
  user(nickname: string): XmppUser;
  /** The bare JID of a demo account or of one in `newAccounts` ('' if there is none). */
  jid(nickname: string): string;
  /** Posts a notice as the CLI does (cli/post.ts); returns its id. */
  post(nickname: string, text: string): Promise<string>;
  /** Enqueues a notice frame on `notices` as any producer could; returns the notice id. */
  enqueueNotice(notice: Partial<Notice> & Pick<Notice, 'author' | 'text'>): Promise<string>;
  /** Waits until a queue holds no message, visible or in flight: everything sent was handled. */
  drained(queue: QueueName, timeoutMs?: number): Promise<void>;
  /** Starts the stack again on the same data folder (after the test stopped it). */
  restart(options?: StackOptions): Promise<void>;
}

/**
 * Most integration tests run the whole local stack (fauxqs, dynalite, Prosody, the handlers
 * in the harness and, by default, the relay as its own process) on free ports in a temp
 * folder, with SDK clients and logged-in users. This registers the beforeAll that sets that
 * up and the afterAll that undoes it, so each test file keeps only what it is about. Hooks a
 * file registers after this call run after the set-up and before the tear-down.
 */
export function useLocalStack(options: StackSessionOptions): StackSession {
  const { name, users: nicknames = [], newAccounts = [], env = {}, apiPort, ...stackOptions } = options;
  const savedEnv = Object.keys(env).map((key) => [key, process.env[key]] as const);
  let dataDir: string | undefined;
  let stack: LocalStack | undefined;
  let sqs: SQSClient | undefined;
  let db: DynamoDBDocumentClient | undefined;
  let store: DynamoStore | undefined;
  const users = new Map<string, XmppUser>();
  const newJids = new Map<string, string>();
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not set up yet (beforeAll)`);
    return value;
  };
  const start = (extra: StackOptions = {}) =>
    startLocalStack({
      relay: 'process',
      logLevel: 'SILENT',
      ...stackOptions,
      ...extra,
      dataDir: ready(dataDir, 'dataDir'),
      ports: {
        sqs: 0,
        dynamo: 0,
        c2s: 0,
        component: 0,
        ...(apiPort ? { api: apiPort } : {}),
      },
    });

  beforeAll(async () => {
    Object.assign(process.env, env);
    dataDir = await mkdtemp(join(tmpdir(), `noticeflow-${name}-`));
    stack = await start();
    sqs = createSqsClient(stack.endpoints);
    db = createDocumentClient(stack.endpoints);
    store = new DynamoStore(db, stack.info.tableName);
    const { service, domain } = stack.info.xmpp;
    for (const username of nicknames) {
      const password =
        stack.info.accounts[username]?.password ??
        stackOptions.extraXmppAccounts?.find((a) => a.username === username)?.password ??
        '';
      users.set(username, await connectUser({ service, domain, username, password }));
    }
    for (const username of newAccounts) {
      const { jid, password } = stack.addXmppAccount(username);
      newJids.set(username, jid);
      users.set(username, await connectUser({ service, domain, username, password }));
    }
  }, 90_000);

  afterAll(async () => {
    for (const user of users.values()) await user.stop();
    sqs?.destroy();
    db?.destroy();
    await stack?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    for (const [key, value] of savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  const session: StackSession = {
    get dataDir() {
      return ready(dataDir, 'dataDir');
    },
    get stack() {
      return ready(stack, 'stack');
    },
    get sqs() {
      return ready(sqs, 'sqs');
    },
    get db() {
      return ready(db, 'db');
    },
    get store() {
      return ready(store, 'store');
    },
    user(nickname) {
      const found = users.get(nickname);
      if (!found) throw new Error(`no XMPP session for ${nickname}`);
      return found;
    },
    jid: (nickname) => session.stack.info.accounts[nickname]?.jid ?? newJids.get(nickname) ?? '',
    post: (nickname, text) =>
      postNotice(
        { store: session.store, sender: new SqsFrameSender(session.sqs, session.stack.queueUrls) },
        'local',
        nickname,
        text,
      ),
    async enqueueNotice(fields) {
      const id = await session.store.nextNoticeId('local');
      const notice: Notice = {
        id,
        createdAt: new Date().toISOString(),
        source: 'test',
        scope: 'public',
        local: true,
        ...fields,
      };
      await new SqsFrameSender(session.sqs, session.stack.queueUrls).send('notices', [
        makeFrame('notice', 'local', `notice-${id}`, { notice }),
      ]);
      return id;
    },
    async drained(queue, timeoutMs = 15_000) {
      await eventually(
        async () => {
          const { Attributes } = await session.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: session.stack.queueUrls[queue],
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          );
          return (
            Number(Attributes?.ApproximateNumberOfMessages) === 0 &&
            Number(Attributes?.ApproximateNumberOfMessagesNotVisible) === 0
          );
        },
        { timeoutMs, what: `${queue} drained` },
      );
    },
    async restart(extra) {
      stack = await start(extra);
    },
  };
  return session;
}
