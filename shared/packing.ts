import type { OutboundStanza } from './frames.js';

/**
 * Packs rendered stanzas into groups for one output message each: fewer SQS requests per
 * stanza, while each message stays under the queue's size limit. The relay deletes a
 * packed message only when the server has acknowledged every stanza in it.
 */
export interface PackingLimits {
  readonly maxStanzas: number;
  /** Budget for the stanzas' serialized size inside one frame, leaving room for the envelope. */
  readonly maxBytes: number;
}

export const DEFAULT_PACKING: PackingLimits = { maxStanzas: 50, maxBytes: 200 * 1024 };

export function packStanzas(stanzas: readonly OutboundStanza[], limits: PackingLimits = DEFAULT_PACKING) {
  const groups: OutboundStanza[][] = [];
  let current: OutboundStanza[] = [];
  let bytes = 0;
  for (const stanza of stanzas) {
    // JSON escaping can grow a string; count the encoded form.
    const size = Buffer.byteLength(JSON.stringify(stanza));
    if (current.length > 0 && (current.length === limits.maxStanzas || bytes + size > limits.maxBytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(stanza);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
