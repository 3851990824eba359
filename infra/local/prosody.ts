import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { describeExit, type Exit, exitOf, terminate } from './child.js';
import { canConnect } from './net.js';

/**
 * A throw-away Prosody from the OS package, run as a plain foreground child process with a
 * config generated under the data folder (the recipe: /work/shared/reference/prosody-local.sh).
 * Accounts are written as internal_plain files, which is faster than prosodyctl.
 */
export interface ProsodyAccount {
  readonly username: string;
  readonly password: string;
}

export interface ProsodyOptions {
  readonly dataDir: string;
  readonly c2sPort: number;
  readonly componentPort: number;
  readonly domain?: string;
  readonly accounts: readonly ProsodyAccount[];
  /** Bare JIDs exempt from the c2s rate limit (the relay's bot). */
  readonly unlimitedJids: readonly string[];
  /** Secret of the `relay.<domain>` component; random when absent. */
  readonly componentSecret?: string;
}

export interface Prosody {
  readonly service: string;
  readonly domain: string;
  readonly pid: number;
  readonly component: { readonly domain: string; readonly service: string; readonly secret: string };
  /** Adds (or resets) an account while the server runs: it reads account files on each login. */
  addAccount(account: ProsodyAccount): void;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'sudo apt-get install -y prosody';
const READY_DEADLINE_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export function ensureProsodyInstalled(log: (line: string) => void = console.log): void {
  if (onPath('prosody')) return;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new Error(
      `Prosody (the XMPP server of the local stack) is not installed. Install it with: ${INSTALL_HINT}`,
    );
  }
  log('Prosody is not installed; installing it with apt-get (running as root)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', 'prosody']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0) {
      throw new Error(
        `apt-get ${args.join(' ')} failed (${result.status ?? result.signal}); try: ${INSTALL_HINT}`,
      );
    }
  }
  if (!onPath('prosody')) throw new Error(`prosody is still not on PATH after apt-get; try: ${INSTALL_HINT}`);
}

export async function startProsody(options: ProsodyOptions): Promise<Prosody> {
  const domain = options.domain ?? 'localhost';
  const componentDomain = `relay.${domain}`;
  const secret = options.componentSecret ?? randomBytes(18).toString('base64url');
  const dir = options.dataDir;
  const paths = {
    config: join(dir, 'prosody.cfg.lua'),
    pidfile: join(dir, 'prosody.pid'),
    data: join(dir, 'data'),
    certs: join(dir, 'certs'),
    log: join(dir, 'prosody.log'),
    errors: join(dir, 'prosody.err'),
    stdout: join(dir, 'stdout.log'),
  };
  mkdirSync(paths.data, { recursive: true });
  // An empty certificates folder spares an error line in the log.
  mkdirSync(paths.certs, { recursive: true });

  writeFileSync(paths.config, renderConfig({ ...options, domain, componentDomain, secret, paths }));
  writeAccounts(paths.data, domain, options.accounts);

  const out = openSync(paths.stdout, 'w');
  let child: ChildProcess;
  try {
    // Its own process group: a terminal's Ctrl-C reaches every process of the foreground
    // group at once, and Prosody would vanish while the relay is still closing its session.
    // The stack stops it last instead; if we exit any other way it is killed on 'exit', and a
    // leftover from a SIGKILL is stopped by the next start of the stack.
    child = spawn('prosody', ['-F', '--config', paths.config], {
      stdio: ['ignore', out, out],
      detached: true,
    });
  } finally {
    closeSync(out);
  }
  const exited = exitOf(child);
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);
  const stop = async () => {
    await terminate(child, exited, STOP_GRACE_MS);
    process.off('exit', killOnExit);
  };

  try {
    await waitUntilListening(exited, [options.c2sPort, options.componentPort], () =>
      logTail([paths.stdout, paths.errors, paths.log]),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    service: `xmpp://127.0.0.1:${options.c2sPort}`,
    domain,
    pid: child.pid ?? -1,
    component: { domain: componentDomain, service: `xmpp://127.0.0.1:${options.componentPort}`, secret },
    addAccount: (account) => writeAccounts(paths.data, domain, [account]),
    stop,
  };
}

interface ConfigInput extends ProsodyOptions {
  readonly domain: string;
  readonly componentDomain: string;
  readonly secret: string;
  readonly paths: Record<'pidfile' | 'data' | 'certs' | 'log' | 'errors', string>;
}

function renderConfig(c: ConfigInput): string {
  const q = luaString;
  const runAsRoot = process.getuid?.() === 0;
  return `-- generated by noticeflow (infra/local/prosody.ts); rewritten on every start
${runAsRoot ? 'run_as_root = true -- we are root; otherwise prosody would setuid to user prosody' : ''}
pidfile = ${q(c.paths.pidfile)}
data_path = ${q(c.paths.data)}
certificates = ${q(c.paths.certs)}
log = { info = ${q(c.paths.log)}; error = ${q(c.paths.errors)} }
interfaces = { "127.0.0.1" }
c2s_ports = { ${c.c2sPort} }
c2s_interfaces = { "127.0.0.1" }
component_ports = { ${c.componentPort} }
component_interfaces = { "127.0.0.1" }
http_ports = { }
https_ports = { }
-- Plaintext on loopback only.
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "smacks"; "posix"; "limits" }
modules_disabled = { "s2s"; "offline" }
-- Prosody's default c2s limit (10 KiB/s, about 55 messages/s) would throttle the relay's bot.
limits = { c2s = { rate = "10kb/s" } }
unlimited_jids = { ${c.unlimitedJids.map(q).join('; ')} }

VirtualHost ${q(c.domain)}

Component ${q(c.componentDomain)}
  component_secret = ${q(c.secret)}
`;
}

/** internal_plain accounts: data/<host>/accounts/<user>.dat, names escaped as Prosody does. */
function writeAccounts(dataPath: string, domain: string, accounts: readonly ProsodyAccount[]): void {
  const dir = join(dataPath, prosodyEncode(domain), 'accounts');
  mkdirSync(dir, { recursive: true });
  for (const { username, password } of accounts) {
    writeFileSync(
      join(dir, `${prosodyEncode(username)}.dat`),
      `return {\n\t["password"] = ${luaString(password)};\n};\n`,
      {
        mode: 0o600,
      },
    );
  }
}

/** util/datamanager.lua `encode`: every non-alphanumeric byte becomes %xx (so '.' is %2e). */
export function prosodyEncode(name: string): string {
  return Array.from(Buffer.from(name, 'utf8'))
    .map((byte) =>
      /[A-Za-z0-9]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

function luaString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

async function waitUntilListening(exited: Promise<Exit>, ports: number[], tail: () => string): Promise<void> {
  let exit: Exit | undefined;
  void exited.then((e) => {
    exit = e;
  });
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (exit) throw new Error(`prosody ${describeExit(exit)} before listening:\n${tail()}`);
    const open = await Promise.all(ports.map((port) => canConnect(port)));
    if (open.every(Boolean)) return;
    if (Date.now() > deadline)
      throw new Error(`prosody did not open ports ${ports.join(', ')} in time:\n${tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function logTail(files: string[], lines = 20): string {
  return files
    .filter((file) => existsSync(file))
    .map((file) => {
      const text = readFileSync(file, 'utf8').trimEnd();
      return text ? `--- ${file}\n${text.split('\n').slice(-lines).join('\n')}` : '';
    })
    .filter(Boolean)
    .join('\n');
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
