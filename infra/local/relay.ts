import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeExit, type Exit, exitOf, pipeLines, terminate } from './child.js';

/**
 * The xmpp-relay as a child process on the same Node, with its output prefixed `[relay] `.
 * Contract with xmpp-relay/main.ts: configuration comes from the environment, it prints a
 * line containing `relay: online` on stdout (whatever its log level) once its XMPP session
 * is up, and it exits on SIGTERM after closing the session.
 */
export const RELAY_ENTRY = 'xmpp-relay/main.ts';
export const RELAY_READY_LINE = 'relay: online';

export interface RelayProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

export interface RelayOptions {
  readonly rootDir: string;
  readonly env: Readonly<Record<string, string>>;
  /** Where the prefixed output lines go; default console.log. */
  readonly write?: (line: string) => void;
  readonly readyTimeoutMs?: number;
  readonly stopGraceMs?: number;
  /** Where the relay's pid is kept, so a start after a SIGKILL can stop the leftover (stopStale). */
  readonly pidFile?: string;
}

const TAIL_LINES = 40;

export async function startRelay(options: RelayOptions): Promise<RelayProcess> {
  const entry = resolve(options.rootDir, RELAY_ENTRY);
  if (!existsSync(entry)) {
    throw new Error(
      `${RELAY_ENTRY} not found: the relay is not built yet (start without it: NOTICEFLOW_RELAY=none)`,
    );
  }
  const write = options.write ?? console.log;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  // Its own process group, like Prosody: the terminal's Ctrl-C (and npm's forwarded copy)
  // reach only the stack, which then stops the relay first, once, while Prosody is still up.
  const child = spawn(process.execPath, ['--import', tsx, entry], {
    cwd: options.rootDir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (options.pidFile && child.pid) writeFileSync(options.pidFile, `${child.pid}\n`);
  const exited = exitOf(child);
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);
  const tail: string[] = [];
  let stopping = false;
  let online: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    online = resolve;
  });
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    write(line);
  };
  if (child.stdout) {
    pipeLines(child.stdout, '[relay] ', (line) => {
      remember(line);
      if (line.includes(RELAY_READY_LINE)) online();
    });
  }
  if (child.stderr) pipeLines(child.stderr, '[relay] ', remember);
  const stop = async () => {
    stopping = true;
    await terminate(child, exited, options.stopGraceMs ?? 10_000);
    process.off('exit', killOnExit);
    if (options.pidFile) rmSync(options.pidFile, { force: true });
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'online' as const),
    exited,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), readyTimeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (outcome !== 'online') {
    await stop();
    const why =
      outcome === 'timeout'
        ? `did not print "${RELAY_READY_LINE}" within ${readyTimeoutMs / 1000} s`
        : describeExit(outcome as Exit);
    throw new Error(`the relay ${why}; its last output:\n${tail.join('\n')}`);
  }
  void exited.then((exit) => {
    if (!stopping) write(`[relay] ${describeExit(exit)} unexpectedly; the stack is running without it`);
  });
  return { pid: child.pid ?? -1, stop };
}
