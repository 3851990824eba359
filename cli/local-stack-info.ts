import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { QUEUE_NAMES } from '../shared/topology.js';

/** The facts `npm start` writes to .noticeflow/local.json for clients of the running stack. */
export const LocalStackInfoSchema = z.object({
  site: z.string(),
  region: z.string(),
  tableName: z.string(),
  sqs: z.object({ endpoint: z.string() }),
  dynamodb: z.object({ endpoint: z.string() }),
  queues: z.record(z.enum(QUEUE_NAMES), z.string()),
  xmpp: z.object({ service: z.string(), domain: z.string() }),
  bot: z.object({ jid: z.string() }),
  accounts: z.record(z.string(), z.object({ jid: z.string(), password: z.string() })),
  /** The site API (infra/local/api-server.ts) and its bearer token. */
  api: z.object({ url: z.string(), token: z.string() }),
});
export type LocalStackInfo = z.infer<typeof LocalStackInfoSchema>;

export class StackNotRunningError extends Error {}

export async function readLocalStackInfo(path: string): Promise<LocalStackInfo> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new StackNotRunningError(`no local stack found (${path} is missing): start it with \`npm start\``);
  }
  return LocalStackInfoSchema.parse(JSON.parse(text));
}
