import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { handleApiRequest } from '../../functions/site-api/api.js';
import { bearerTokenCheck } from '../../functions/site-api/http.js';
import { createDocumentClient, createSqsClient } from '../../shared/aws/clients.js';
import { describeError } from '../../shared/errors.js';
import { SqsFrameSender } from '../../shared/queue.js';
import { SiteSettingsCache } from '../../shared/site-settings.js';
import { DynamoStore } from '../../shared/store/dynamo-store.js';
import { QUEUE_NAMES, type QueueName, queueUrlEnvName } from '../../shared/topology.js';
import { startApiServer } from './api-server.js';
import { stopStale } from './child.js';
import { DEMO_NICKNAMES, DEMO_SITE, seedDemo } from './demo.js';
import { startEmulators } from './emulators.js';
import { type HarnessBinding, startHarness } from './harness.js';
import type { LocalInfo } from './info.js';
import { consoleLogger, type LocalLogger, type LogLevel } from './log.js';
import { assertPortsFree, freePort } from './net.js';
import { ensureProsodyInstalled, type ProsodyAccount, startProsody } from './prosody.js';
import { provision } from './provision.js';
import { RELAY_ENTRY, startRelay } from './relay.js';
import { loadOrCreateSecrets } from './secrets.js';

/**
 * The whole system on one machine: SQS and DynamoDB emulators, the provisioned topology,
 * demo data, Prosody, the event-source harness running the handlers in this process, and
 * the relay as a child process. stop() undoes all of it in reverse order.
 */
export interface StackPorts {
  readonly sqs: number;
  readonly dynamo: number;
  readonly c2s: number;
  readonly component: number;
  /** The site API; unlike the others it defaults to a free port (0), so test stacks never collide. */
  readonly api?: number;
}

/** For `npm start`. Prosody's own service (installed by apt) takes 5222/5347, so ours sits beside it. */
export const DEFAULT_PORTS: StackPorts = { sqs: 9324, dynamo: 8000, c2s: 15222, component: 15347 };
/** For `npm start`; the demo site's base URL follows the API port, so confirmation links reach it. */
export const DEFAULT_API_PORT = 8080;

export interface LocalStackOptions {
  readonly dataDir: string;
  /** 0 picks a free port. Default DEFAULT_PORTS. */
  readonly ports?: Partial<StackPorts>;
  /** 'process' runs xmpp-relay/main.ts as a child process and waits until it is online. */
  readonly relay?: 'process' | 'none';
  /** Handlers' POWERTOOLS_LOG_LEVEL and the stack's own messages. Default WARN. */
  readonly logLevel?: LogLevel;
  readonly logger?: LocalLogger;
  /** Default: every handler of the topology, from its module. */
  readonly handlers?: readonly HarnessBinding[];
  readonly domain?: string;
  readonly region?: string;
  readonly tableName?: string;
  readonly relayReadyTimeoutMs?: number;
  /** More XMPP accounts with no user on the site (tests: strangers writing to the bot). */
  readonly extraXmppAccounts?: readonly ProsodyAccount[];
}

export interface LocalStack {
  readonly info: LocalInfo;
  readonly queueUrls: Record<QueueName, string>;
  readonly dlqUrls: Record<QueueName, string>;
  readonly endpoints: {
    readonly region: string;
    readonly sqsEndpoint: string;
    readonly dynamoEndpoint: string;
  };
  /** Creates (or resets) an XMPP account on the stack's Prosody, e.g. for a user made through the API. */
  addXmppAccount(username: string): { jid: string; password: string };
  stop(): Promise<void>;
}

const RELAY_LOG_LEVEL: Partial<Record<LogLevel, string>> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  SILENT: 'error',
};

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const BOT = 'bot';

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const logLevel = options.logLevel ?? 'WARN';
  const logger = options.logger ?? consoleLogger(logLevel);
  const domain = options.domain ?? 'localhost';
  const region = options.region ?? 'us-east-1';
  const tableName = options.tableName ?? 'noticeflow';
  const site = DEMO_SITE;
  const wanted = { ...DEFAULT_PORTS, ...options.ports };

  ensureProsodyInstalled((line) => logger.warn(line));
  // A run that was SIGKILLed leaves its children behind, holding their ports.
  const prosodyDir = join(options.dataDir, 'prosody');
  await stopStale(join(prosodyDir, 'prosody.pid'), join(prosodyDir, 'prosody.cfg.lua'));
  await stopStale(join(options.dataDir, 'relay.pid'), join(REPO_ROOT, RELAY_ENTRY));
  const apiPort = options.ports?.api ?? 0;
  await assertPortsFree({
    SQS: wanted.sqs,
    DynamoDB: wanted.dynamo,
    XMPP: wanted.c2s,
    'XMPP component': wanted.component,
    'site API': apiPort,
  });
  const secrets = loadOrCreateSecrets(join(options.dataDir, 'secrets.json'), [BOT, ...DEMO_NICKNAMES]);
  const password = (name: string) => secrets.passwords[name] ?? '';

  // Everything started so far, stopped in reverse on failure or on stop().
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.error(`[stack] stopping ${name} failed: ${describeError(error)}`);
      }
    }
  };

  try {
    const emulators = await startEmulators({ sqsPort: wanted.sqs, dynamoPort: wanted.dynamo });
    stops.push({ name: 'emulators', stop: emulators.stop });
    const endpoints = {
      region,
      sqsEndpoint: emulators.sqsEndpoint,
      dynamoEndpoint: emulators.dynamoEndpoint,
    };
    const sqs = createSqsClient(endpoints);
    const dynamo = createDocumentClient(endpoints);
    stops.push({
      name: 'AWS clients',
      stop: async () => {
        sqs.destroy();
        dynamo.destroy();
      },
    });

    const { queueUrls, dlqUrls } = await provision({ sqs, dynamo, tableName });
    // Confirmation links must reach the site API: with a port chosen (npm start), the site's
    // base URL is that port; tests on a free port keep the demo's nominal one.
    await seedDemo(new DynamoStore(dynamo, tableName), {
      site,
      domain,
      ...(apiPort ? { baseUrl: `http://localhost:${apiPort}` } : {}),
    });

    const c2sPort = wanted.c2s || (await freePort());
    const componentPort = wanted.component || (await freePort());
    const prosody = await startProsody({
      dataDir: prosodyDir,
      c2sPort,
      componentPort,
      domain,
      accounts: [
        ...[BOT, ...DEMO_NICKNAMES].map((username) => ({ username, password: password(username) })),
        ...(options.extraXmppAccounts ?? []),
      ],
      unlimitedJids: [`${BOT}@${domain}`],
      componentSecret: secrets.componentSecret,
    });
    stops.push({ name: 'prosody', stop: prosody.stop });
    logger.info(`[stack] prosody (pid ${prosody.pid}) on ${prosody.service}`);

    // Handler modules read their configuration from process.env when they load.
    Object.assign(process.env, handlerEnvironment({ ...endpoints, tableName, queueUrls, logLevel }));
    const harness = await startHarness({ sqs, queueUrls, handlers: options.handlers, logger, region });
    stops.push({ name: 'harness', stop: harness.stop });

    if ((options.relay ?? 'process') === 'process') {
      const relay = await startRelay({
        rootDir: REPO_ROOT,
        env: relayEnvironment({
          ...endpoints,
          tableName,
          queueUrls,
          logLevel,
          site,
          domain,
          service: prosody.service,
          password: password(BOT),
        }),
        readyTimeoutMs: options.relayReadyTimeoutMs,
        pidFile: join(options.dataDir, 'relay.pid'),
      });
      stops.push({ name: 'relay', stop: relay.stop });
    }

    const api = await startApiServer({
      port: apiPort,
      handle: (request) =>
        handleApiRequest(
          {
            site,
            store: new DynamoStore(dynamo, tableName),
            sender: new SqsFrameSender(sqs, queueUrls),
            settings: new SiteSettingsCache(new DynamoStore(dynamo, tableName), 1000),
            authorize: bearerTokenCheck(secrets.apiToken),
            log: (message) => logger.error(`[api] ${message}`),
          },
          request,
        ),
      onError: (message) => logger.error(message),
    });
    stops.push({ name: 'site API', stop: api.stop });

    const info: LocalInfo = {
      api: { url: api.url, token: secrets.apiToken },
      xmpp: { service: prosody.service, domain },
      bot: { jid: `${BOT}@${domain}` },
      accounts: Object.fromEntries(
        DEMO_NICKNAMES.map((nickname) => [
          nickname,
          { jid: `${nickname}@${domain}`, password: password(nickname) },
        ]),
      ),
      site,
      region,
      sqs: { endpoint: endpoints.sqsEndpoint },
      dynamodb: { endpoint: endpoints.dynamoEndpoint },
      tableName,
      queues: queueUrls,
      deadLetterQueues: dlqUrls,
      pid: process.pid,
    };
    let stopping: Promise<void> | undefined;
    return {
      info,
      queueUrls,
      dlqUrls,
      endpoints,
      addXmppAccount: (username) => {
        const account = { username, password: randomBytes(12).toString('base64url') };
        prosody.addAccount(account);
        return { jid: `${username}@${domain}`, password: account.password };
      },
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

interface Wiring {
  readonly region: string;
  readonly sqsEndpoint: string;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly queueUrls: Record<QueueName, string>;
  readonly logLevel: LogLevel;
}

/** What a Lambda function would find in its environment, pointed at the emulators. */
export function handlerEnvironment(w: Wiring): Record<string, string> {
  return {
    AWS_REGION: w.region,
    TABLE_NAME: w.tableName,
    AWS_ENDPOINT_URL_SQS: w.sqsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: w.dynamoEndpoint,
    ...Object.fromEntries(QUEUE_NAMES.map((name) => [queueUrlEnvName(name), w.queueUrls[name]])),
    POWERTOOLS_METRICS_NAMESPACE: 'noticeflow',
    // Metrics would print EMF JSON to the console; there is no CloudWatch to read it.
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: w.logLevel,
    // Locally a settings change (a new firehose listener) should show at once, not in 30 s.
    SITE_SETTINGS_TTL_SECONDS: '1',
  };
}

/** The relay's configuration (see xmpp-relay/config.ts), pointed at the local stack. */
export function relayEnvironment(
  w: Wiring & { site: string; domain: string; service: string; password: string },
): Record<string, string> {
  const queue = (name: QueueName) => ({ [queueUrlEnvName(name)]: w.queueUrls[name] });
  return {
    XMPP_SERVICE: w.service,
    XMPP_DOMAIN: w.domain,
    XMPP_USERNAME: BOT,
    XMPP_PASSWORD: w.password,
    SITE: w.site,
    ...queue('xmpp-out'),
    ...queue('xmpp-out-priority'),
    ...queue('xmpp-in'),
    AWS_REGION: w.region,
    AWS_ENDPOINT_URL_SQS: w.sqsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: w.dynamoEndpoint,
    TABLE_NAME: w.tableName,
    // The SDK's default credential chain needs something; the emulators accept anything.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    // The relay's readiness line is printed whatever its level; its logs follow the stack's.
    LOG_LEVEL: RELAY_LOG_LEVEL[w.logLevel] ?? 'warn',
  };
}
