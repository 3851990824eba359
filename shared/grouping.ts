/**
 * Splits items, in order, into consecutive groups of at most `maxItems` items and at most
 * `maxBytes` bytes by `sizeOf`. An item larger than `maxBytes` gets a group of its own
 * (the caller's limit check then refuses it with a clear error).
 */
export function groupBySize<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  limits: { readonly maxItems: number; readonly maxBytes: number },
): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length === limits.maxItems || bytes + size > limits.maxBytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
