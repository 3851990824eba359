// Writes schemas/<kind>.json from the zod frame schemas (`npm run schemas`).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { frameJsonSchemas } from './json-schemas.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
await mkdir(outDir, { recursive: true });
for (const [file, text] of Object.entries(frameJsonSchemas())) {
  await writeFile(join(outDir, file), text);
  console.log(`wrote schemas/${file}`);
}
