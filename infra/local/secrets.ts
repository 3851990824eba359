import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Passwords of the local XMPP accounts, the component secret and the site API token: generated on the first
 * start of a data folder and kept in it (mode 0600), so restarts keep them and nothing is
 * hard-coded.
 */
export interface LocalSecrets {
  readonly passwords: Readonly<Record<string, string>>;
  readonly componentSecret: string;
  /** The site API's bearer token (infra/local/api-server.ts). */
  readonly apiToken: string;
}

export function loadOrCreateSecrets(file: string, usernames: readonly string[]): LocalSecrets {
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>) : {};
  const passwords: Record<string, string> = { ...stored.passwords };
  let changed = !existsSync(file);
  for (const name of usernames) {
    if (!passwords[name]) {
      passwords[name] = randomSecret();
      changed = true;
    }
  }
  const secrets = {
    passwords,
    componentSecret: stored.componentSecret || randomSecret(),
    apiToken: stored.apiToken || randomSecret(),
  };
  if (changed || !stored.componentSecret || !stored.apiToken) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}

function randomSecret(): string {
  return randomBytes(12).toString('base64url');
}
