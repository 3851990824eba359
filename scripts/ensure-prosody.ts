// `npm test` runs this first: the integration tests need a real Prosody.
import { ensureProsodyInstalled } from '../infra/local/prosody.js';

try {
  ensureProsodyInstalled((line) => console.error(line));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
