import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../infra/local/net.js';
import { type ProsodyAccount, startProsody as startStackProsody } from '../../infra/local/prosody.js';

export { freePort };

/**
 * A throw-away Prosody for integration tests: the local stack's launcher on free ports in a
 * temp folder. Throws (so the test fails, never skips) when prosody is not installed.
 */
export interface ProsodyServer {
  readonly domain: string;
  /** `xmpp://127.0.0.1:<port>` */
  readonly service: string;
  stop(): Promise<void>;
}

export async function startProsody(
  options: { domain?: string; accounts?: readonly ProsodyAccount[]; unlimited?: readonly string[] } = {},
): Promise<ProsodyServer> {
  const domain = options.domain ?? 'localhost';
  const dataDir = await mkdtemp(join(tmpdir(), 'noticeflow-prosody-'));
  const server = await startStackProsody({
    dataDir,
    c2sPort: await freePort(),
    componentPort: await freePort(),
    domain,
    accounts: options.accounts ?? [
      { username: 'bot', password: 'botpass' },
      { username: 'receiver', password: 'receiverpass' },
    ],
    unlimitedJids: (options.unlimited ?? ['bot']).map((user) => `${user}@${domain}`),
  });
  return {
    domain,
    service: server.service,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
