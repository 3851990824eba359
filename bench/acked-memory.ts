/**
 * The relay's memory of acknowledged stanzas (xmpp-relay/acked-stanzas.ts) at capacity.
 *
 *   npm run bench:acked -- [--capacity 100000] [--rounds 4]
 *
 * Baseline: checking and adding `capacity` fresh ids to an empty memory. Then each round
 * checks and adds `capacity` more, every add evicting: the ratio to the baseline shows
 * whether a full memory costs more per stanza than an empty one (it should not).
 */
import { parseArgs } from 'node:util';
import { AckedStanzas, ackedKey } from '../xmpp-relay/acked-stanzas.js';

const { values } = parseArgs({
  options: {
    capacity: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '4' },
  },
});
const capacity = Number(values.capacity);
const rounds = Number(values.rounds);
const memory = new AckedStanzas(capacity);

function round(n: number): number {
  const begun = performance.now();
  for (let i = 0; i < capacity; i++) {
    // What the relay does per stanza: look it up, then remember it once acknowledged.
    const key = ackedKey('bench', `u${i}@example.org`, `bench.notice-${n}-${i}`);
    if (!memory.has(key)) memory.add(key);
  }
  return performance.now() - begun;
}

const baselineMs = round(0);
const full = Array.from({ length: rounds }, (_, i) => round(i + 1));
console.log(
  JSON.stringify(
    {
      capacity,
      held: memory.size,
      baselineMs: Number(baselineMs.toFixed(1)),
      atCapacityMs: full.map((ms) => Number(ms.toFixed(1))),
      atCapacityToBaseline: full.map((ms) => Number((ms / baselineMs).toFixed(2))),
    },
    null,
    2,
  ),
);
