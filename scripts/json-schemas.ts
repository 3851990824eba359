import { z } from 'zod';
import { FRAME_SCHEMAS, type FrameKind } from '../shared/frames.js';

/** JSON Schema documents for every frame kind, generated from the zod schemas. */
export function frameJsonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const kind of Object.keys(FRAME_SCHEMAS) as FrameKind[]) {
    const schema = z.toJSONSchema(FRAME_SCHEMAS[kind], { io: 'input', target: 'draft-2020-12' });
    const document = {
      ...schema,
      $id: `https://noticeflow.invalid/schemas/${kind}.json`,
      title: `noticeflow ${kind} frame`,
    };
    files[`${kind}.json`] = `${JSON.stringify(document, null, 2)}\n`;
  }
  return files;
}
