/**
 * The stanzas the server has acknowledged (XEP-0198), remembered so a redelivered output
 * message (a Lambda retry, a message whose delete failed, a producer that sent the same
 * notice twice) does not reach a recipient a second time. Stanza ids derive from business
 * ids (notice × recipient), so a repeat carries the same id.
 *
 * Bounded: the least recently seen id is forgotten first, so memory stays flat however long
 * the relay runs. A Map keeps insertion order, which makes it an LRU with O(1) operations.
 */
export class AckedStanzas {
  readonly #keys = new Map<string, true>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('capacity must be an integer >= 0');
  }

  get size(): number {
    return this.#keys.size;
  }

  /** True when the stanza was acknowledged before; counts as a use (moves it to the fresh end). */
  has(key: string): boolean {
    if (!this.#keys.delete(key)) return false;
    this.#keys.set(key, true);
    return true;
  }

  add(key: string): void {
    if (this.capacity === 0) return;
    this.#keys.delete(key);
    this.#keys.set(key, true);
    while (this.#keys.size > this.capacity) {
      const oldest = this.#keys.keys().next().value as string;
      this.#keys.delete(oldest);
    }
  }
}

/** The identity of one stanza: its site, addressee and id (the same id to two JIDs is two stanzas). */
export function ackedKey(site: string, to: string, id: string): string {
  return `${site}\u0000${to}\u0000${id}`;
}
