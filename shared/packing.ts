import { type Broadcast, encodeJson, type OutboundStanza } from './frames.js';
import { groupBySize } from './grouping.js';

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

export function packStanzas(
  stanzas: readonly OutboundStanza[],
  limits: PackingLimits = DEFAULT_PACKING,
): OutboundStanza[][] {
  // JSON escaping can grow a string; count the encoded form.
  return groupBySize(stanzas, (stanza) => Buffer.byteLength(encodeJson(stanza)), {
    maxItems: limits.maxStanzas,
    maxBytes: limits.maxBytes,
  });
}

/**
 * Splits a broadcast's recipients over as few messages as the limits allow; each part
 * carries the stanza once. The stanza's size comes off every part's byte budget.
 */
export function packBroadcast(broadcast: Broadcast, limits: PackingLimits = DEFAULT_PACKING): Broadcast[] {
  const budget = limits.maxBytes - Buffer.byteLength(encodeJson(broadcast.xml));
  return groupBySize(broadcast.recipients, (recipient) => Buffer.byteLength(encodeJson(recipient)), {
    maxItems: limits.maxStanzas,
    maxBytes: Math.max(1, budget),
  }).map((recipients) => ({ xml: broadcast.xml, recipients }));
}
