import { describe, expect, it } from 'vitest';
import { packStanzas } from '../../shared/packing.js';
import { chunkBodies } from '../../shared/queue.js';
import { chatMessage } from '../../shared/stanza.js';

describe('packing', () => {
  const stanzas = Array.from({ length: 120 }, (_, i) => chatMessage(`u${i}@example.org`, `id-${i}`, 'hello'));

  it('packs stanzas by count, keeping order', () => {
    const groups = packStanzas(stanzas, { maxStanzas: 50, maxBytes: 1_000_000 });
    expect(groups.map((g) => g.length)).toEqual([50, 50, 20]);
    expect(groups.flat()).toEqual(stanzas);
  });

  it('packs stanzas by size', () => {
    const big = chatMessage('a@example.org', 'big', 'x'.repeat(1000));
    const groups = packStanzas([big, big, big], { maxStanzas: 50, maxBytes: 2500 });
    expect(groups.map((g) => g.length)).toEqual([2, 1]);
  });

  it('chunks message bodies into SendMessageBatch calls of at most 10 entries and 256 KiB', () => {
    expect(chunkBodies(Array.from({ length: 25 }, () => 'x')).map((c) => c.length)).toEqual([10, 10, 5]);
    const large = 'y'.repeat(100 * 1024);
    expect(chunkBodies([large, large, large]).map((c) => c.length)).toEqual([2, 1]);
  });
});
