import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { readInteger } from '../../shared/config.js';
import { describeError } from '../../shared/errors.js';
import { isAlive } from './child.js';
import { type LocalInfo, localInfoPath, readLocalInfo, removeLocalInfo, writeLocalInfo } from './info.js';
import { parseLogLevel } from './log.js';
import type { LocalStack, StackPorts } from './stack.js';

/**
 * `npm start`: the local stack in the foreground, its data in `.noticeflow/`. Prints
 * `noticeflow: ready` once everything is up and writes `.noticeflow/local.json` for the CLI;
 * Ctrl-C, SIGTERM or SIGHUP stops everything and removes that file.
 *
 * Environment: NOTICEFLOW_RELAY=process|none, NOTICEFLOW_LOG_LEVEL (default WARN; also
 * POWERTOOLS_LOG_LEVEL), NOTICEFLOW_SQS_PORT, NOTICEFLOW_DYNAMODB_PORT, NOTICEFLOW_XMPP_PORT,
 * NOTICEFLOW_COMPONENT_PORT, NOTICEFLOW_API_PORT (the site API, default 8080).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const DATA_DIR = join(ROOT, '.noticeflow');
const DUPLICATE_SIGNAL_MS = 1000;

async function main(): Promise<number> {
  quietSqliteWarning();
  const env = process.env;
  const logLevel = parseLogLevel(env.NOTICEFLOW_LOG_LEVEL ?? env.POWERTOOLS_LOG_LEVEL, 'WARN');
  const relay = env.NOTICEFLOW_RELAY?.trim() || 'process';
  if (relay !== 'process' && relay !== 'none')
    throw new Error(`NOTICEFLOW_RELAY must be process or none, got "${relay}"`);
  // Imported after the warning filter: fauxqs loads node:sqlite, which warns on Node 22.
  const { DEFAULT_API_PORT, DEFAULT_PORTS, startLocalStack } = await import('./stack.js');
  const port = (name: string, fallback: number) => readInteger(env, name, fallback, 1, 65535);
  const ports: StackPorts = {
    sqs: port('NOTICEFLOW_SQS_PORT', DEFAULT_PORTS.sqs),
    dynamo: port('NOTICEFLOW_DYNAMODB_PORT', DEFAULT_PORTS.dynamo),
    c2s: port('NOTICEFLOW_XMPP_PORT', DEFAULT_PORTS.c2s),
    component: port('NOTICEFLOW_COMPONENT_PORT', DEFAULT_PORTS.component),
    api: port('NOTICEFLOW_API_PORT', DEFAULT_API_PORT),
  };

  mkdirSync(DATA_DIR, { recursive: true });
  const running = readLocalInfo(DATA_DIR);
  if (running && running.pid !== process.pid && isAlive(running.pid)) {
    throw new Error(
      `already running (pid ${running.pid}, see ${relative(ROOT, localInfoPath(DATA_DIR))}); ` +
        `stop it with Ctrl-C in its terminal or \`kill ${running.pid}\``,
    );
  }
  removeLocalInfo(DATA_DIR);

  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    let first = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      // npm and tsx forward the signal the terminal already sent us: duplicates come within
      // milliseconds. A person pressing Ctrl-C again later means "stop waiting".
      if (first && Date.now() - first > DUPLICATE_SIGNAL_MS) {
        console.error('noticeflow: second interrupt, exiting without cleanup');
        process.exit(130);
      }
      first ||= Date.now();
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
  });

  const started = Date.now();
  console.log('noticeflow: starting the local stack...');
  const stack = await startLocalStack({ dataDir: DATA_DIR, ports, relay, logLevel });
  try {
    writeLocalInfo(DATA_DIR, stack.info);
    printBanner(stack, relay === 'process', Date.now() - started);
    console.log('noticeflow: ready');
    const signal = await stopRequested;
    console.log(`noticeflow: ${signal}, stopping...`);
  } finally {
    removeLocalInfo(DATA_DIR);
    await stack.stop();
  }
  console.log('noticeflow: stopped');
  return 0;
}

function printBanner(stack: LocalStack, relay: boolean, elapsedMs: number): void {
  const info: LocalInfo = stack.info;
  const accounts = Object.entries(info.accounts).map(
    ([nickname, account]) => `${nickname.padEnd(6)} ${account.jid.padEnd(20)} password ${account.password}`,
  );
  const lines = [
    '',
    `noticeflow local stack, site "${info.site}", up in ${(elapsedMs / 1000).toFixed(1)} s`,
    '',
    `  XMPP server   ${info.xmpp.service}  domain ${info.xmpp.domain} (plaintext, loopback only)`,
    `  bot           ${info.bot.jid}${relay ? ' (connected by the relay)' : ' (relay not started: NOTICEFLOW_RELAY=none)'}`,
    `  accounts      ${accounts.join('\n                ')}`,
    '                bob and carol follow alice; alice follows bob',
    `  site API      ${info.api.url}  token ${info.api.token}`,
    `  SQS           ${info.sqs.endpoint}`,
    `  DynamoDB      ${info.dynamodb.endpoint}  table ${info.tableName}`,
    `  details       ${relative(ROOT, localInfoPath(DATA_DIR))}`,
    '',
    '  Post a notice:  npx noticeflow post alice hello world',
    '  More:           npx noticeflow help',
    '  Stop:           Ctrl-C',
    '',
  ];
  console.log(lines.join('\n'));
}

/** fauxqs uses node:sqlite, which prints an ExperimentalWarning on Node 22; other warnings stay. */
function quietSqliteWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) return;
    console.warn(`${warning.name}: ${warning.message}`);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`noticeflow: ${describeError(error).replace(/^Error: /, '')}`);
    process.exit(1);
  },
);
