import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { frameJsonSchemas } from '../../scripts/json-schemas.js';

describe('published JSON Schemas', () => {
  it('are current with the zod schemas (run `npm run schemas` after changing frames)', async () => {
    for (const [file, expected] of Object.entries(frameJsonSchemas())) {
      const published = await readFile(new URL(`../../schemas/${file}`, import.meta.url), 'utf8');
      expect(published, file).toBe(expected);
    }
  });

  it('describe the envelope a producer must send', () => {
    const notice = JSON.parse(frameJsonSchemas()['notice.json'] ?? '{}');
    expect(notice.required).toEqual(expect.arrayContaining(['v', 'kind', 'site', 'id', 'ts', 'payload']));
    expect(notice.properties.kind.const).toBe('notice');
  });
});
