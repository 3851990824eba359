/**
 * The IM subscriber index is spread over buckets by a hash of the follower's id, so a large
 * fan-out can be cut into ranges of about equal size and read in parallel, however the
 * site's user ids are distributed (StatusNet's are a sequence).
 *
 * The bucket is part of the sort key, `IMSUB#<bucket as 2 hex digits>#<userId>`, so one
 * range is one Query (`sk BETWEEN`), still in a stable order.
 */
export const IM_BUCKETS = 256;

/** A range of buckets, `from` included, `to` excluded. */
export interface BucketRange {
  readonly from: number;
  readonly to: number;
}

export const ALL_BUCKETS: BucketRange = { from: 0, to: IM_BUCKETS };

/** FNV-1a (32 bit) of the id's UTF-16 code units, folded to a bucket: cheap, stable, even. */
export function imBucket(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return ((hash >>> 24) ^ (hash & 0xff)) % IM_BUCKETS;
}

export function bucketLabel(bucket: number): string {
  return bucket.toString(16).padStart(2, '0');
}

/** The bucket a cursor of the index (`<bucket>#<userId>`) stands in. */
export function bucketOfCursor(cursor: string): number | undefined {
  return /^[0-9a-f]{2}#/.test(cursor) ? Number.parseInt(cursor.slice(0, 2), 16) : undefined;
}

/** The sort-key bounds (inclusive) of a range's items: `IMSUB#<from>#` up to `IMSUB#<to - 1>$`. */
export function bucketKeyBounds(prefix: string, range: BucketRange): [string, string] {
  // '$' sorts right after '#', so it bounds every key of the last bucket.
  return [`${prefix}${bucketLabel(range.from)}#`, `${prefix}${bucketLabel(range.to - 1)}$`];
}

/**
 * Cuts `range` into at most `parts` ranges of about equal width, in order; fewer when the
 * range has fewer buckets.
 */
export function splitBuckets(range: BucketRange, parts: number): BucketRange[] {
  const width = range.to - range.from;
  const count = Math.max(1, Math.min(parts, width));
  const ranges: BucketRange[] = [];
  for (let i = 0; i < count; i++) {
    ranges.push({
      from: range.from + Math.floor((width * i) / count),
      to: range.from + Math.floor((width * (i + 1)) / count),
    });
  }
  return ranges;
}

/**
 * How many ranges the rest of the index is worth reading in, once a first page of `read`
 * items has covered the buckets before `here`. The hash spreads followers evenly over the
 * buckets, so the rest holds about read × (buckets left) ÷ (buckets covered) items: one range
 * per page of that, at most `parallelism`. An audience a little longer than one page stays one
 * chain instead of starting forks that would each read a handful of items.
 */
export function rangesForRest(read: number, here: number, pageSize: number, parallelism: number): number {
  // Still inside the first bucket: a full page there means a huge audience; a short read (a
  // budget mostly spent on mentions) says nothing, and the next page estimates again.
  if (here <= 0) return read >= pageSize ? Math.max(1, parallelism) : 1;
  const restEstimate = (read * (IM_BUCKETS - here)) / here;
  return Math.max(1, Math.min(parallelism, Math.ceil(restEstimate / pageSize)));
}
