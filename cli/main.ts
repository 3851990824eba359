import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDocumentClient, createSqsClient } from '../shared/aws/clients.js';
import { SqsFrameSender } from '../shared/queue.js';
import { DynamoStore } from '../shared/store/dynamo-store.js';
import { callApi } from './api-client.js';
import { API_USAGE, type ApiCall, parseApiCommand } from './api-commands.js';
import { readLocalStackInfo } from './local-stack-info.js';
import { postNotice } from './post.js';

const USAGE = `usage: noticeflow <command>

commands:
  post <nickname> <text...>            post a notice as that user on the running local stack; prints its id
${API_USAGE}

The local stack is started with \`npm start\`; its address and the site API's token are read from
.noticeflow/local.json (or the file named by NOTICEFLOW_LOCAL_INFO). The API commands print the
API's JSON answer. Exit codes: 0 done, 1 refused or failed (the reason is printed), 2 usage.`;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  try {
    if (command === 'post') return await post(rest);
    const parsed = parseApiCommand(args);
    if (parsed && 'usage' in parsed) {
      console.error(`usage: noticeflow ${parsed.usage}`);
      return 2;
    }
    if (parsed) return await api(parsed.call);
    console.error(`noticeflow: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  } catch (error) {
    console.error(`noticeflow: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

async function api(call: ApiCall): Promise<number> {
  const info = await readLocalStackInfo(localInfoPath());
  const answer = await callApi(info.api, call);
  if (answer.status < 400) {
    console.log(JSON.stringify(answer.body, null, 2));
    return 0;
  }
  const { error, field } = (answer.body ?? {}) as { error?: string; field?: string };
  console.error(
    `noticeflow: ${error ?? JSON.stringify(answer.body)}${field ? ` (field: ${field})` : ''} [${answer.status}]`,
  );
  return 1;
}

function localInfoPath(): string {
  return process.env.NOTICEFLOW_LOCAL_INFO ?? join(repoRoot, '.noticeflow/local.json');
}

async function post(args: readonly string[]): Promise<number> {
  const [nickname, ...words] = args;
  const text = words.join(' ');
  if (!nickname || !text.trim()) {
    console.error('usage: noticeflow post <nickname> <text...>');
    return 2;
  }
  const info = await readLocalStackInfo(localInfoPath());
  const endpoints = {
    region: info.region,
    sqsEndpoint: info.sqs.endpoint,
    dynamoEndpoint: info.dynamodb.endpoint,
  };
  const sqs = createSqsClient(endpoints);
  const db = createDocumentClient(endpoints);
  try {
    const id = await postNotice(
      { store: new DynamoStore(db, info.tableName), sender: new SqsFrameSender(sqs, info.queues) },
      info.site,
      nickname.replace(/^@/, ''),
      text,
    );
    console.log(id);
    return 0;
  } finally {
    sqs.destroy();
    db.destroy();
  }
}
