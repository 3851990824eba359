import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStackInfo } from '../../cli/local-stack-info.js';
import type { QueueName } from '../../shared/topology.js';

/**
 * `<dataDir>/local.json`: how clients (the CLI, tests, a person) reach the running stack.
 * A superset of what the CLI reads (cli/local-stack-info.ts); the type check keeps them in step.
 */
export interface LocalInfo extends LocalStackInfo {
  readonly xmpp: { readonly service: string; readonly domain: string };
  readonly bot: { readonly jid: string };
  readonly accounts: Record<string, { jid: string; password: string }>;
  readonly queues: Record<QueueName, string>;
  readonly deadLetterQueues: Record<QueueName, string>;
  /** The process running the stack. */
  readonly pid: number;
}

export function localInfoPath(dataDir: string): string {
  return join(dataDir, 'local.json');
}

/** Written whole or not at all, so a reader never sees half a file. */
export function writeLocalInfo(dataDir: string, info: LocalInfo): void {
  const path = localInfoPath(dataDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export function readLocalInfo(dataDir: string): LocalInfo | undefined {
  const path = localInfoPath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LocalInfo;
  } catch {
    return undefined;
  }
}

export function removeLocalInfo(dataDir: string): void {
  rmSync(localInfoPath(dataDir), { force: true });
}
