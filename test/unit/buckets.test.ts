import { describe, expect, it } from 'vitest';
import {
  ALL_BUCKETS,
  bucketKeyBounds,
  bucketLabel,
  bucketOfCursor,
  IM_BUCKETS,
  imBucket,
  rangesForRest,
  splitBuckets,
} from '../../shared/store/buckets.js';

describe('IM subscriber buckets', () => {
  it('spreads sequential ids (as StatusNet allocates them) evenly', () => {
    const counts = new Array<number>(IM_BUCKETS).fill(0);
    for (let id = 1; id <= 100_000; id++) {
      const bucket = imBucket(String(id));
      counts[bucket] = (counts[bucket] ?? 0) + 1;
    }
    const expected = 100_000 / IM_BUCKETS;
    expect(Math.min(...counts)).toBeGreaterThan(expected * 0.8);
    expect(Math.max(...counts)).toBeLessThan(expected * 1.2);
  });

  it('splits a range into contiguous parts of about equal width, never more than it has buckets', () => {
    expect(splitBuckets(ALL_BUCKETS, 4)).toEqual([
      { from: 0, to: 64 },
      { from: 64, to: 128 },
      { from: 128, to: 192 },
      { from: 192, to: 256 },
    ]);
    expect(splitBuckets({ from: 250, to: 256 }, 4)).toEqual([
      { from: 250, to: 251 },
      { from: 251, to: 253 },
      { from: 253, to: 254 },
      { from: 254, to: 256 },
    ]);
    expect(splitBuckets({ from: 255, to: 256 }, 8)).toEqual([{ from: 255, to: 256 }]);
    expect(splitBuckets({ from: 10, to: 20 }, 1)).toEqual([{ from: 10, to: 20 }]);
  });

  it('reads the bucket of a cursor, and nothing from a cursor of another shape', () => {
    expect(bucketOfCursor(`${bucketLabel(171)}#user-1`)).toBe(171);
    expect(bucketOfCursor('0g#x')).toBeUndefined();
    expect(bucketOfCursor('ab')).toBeUndefined();
    expect(bucketOfCursor('user-1')).toBeUndefined();
  });

  it('bounds every key of a range and none outside it', () => {
    const [low, high] = bucketKeyBounds('IMSUB#', { from: 16, to: 18 });
    const key = (bucket: number, id: string) => `IMSUB#${bucketLabel(bucket)}#${id}`;
    for (const inside of [key(16, ''), key(16, 'a'), key(17, '\u{10ffff}')]) {
      expect(inside >= low && inside <= high).toBe(true);
    }
    for (const outside of [key(15, '\u{10ffff}'), key(18, '')]) {
      expect(outside >= low && outside <= high).toBe(false);
    }
  });

  it('reads the rest in as many ranges as it fills pages, between one and the parallelism', () => {
    // A page of 1,000 that ended in bucket 128 covered half: about 1,000 left, one page.
    expect(rangesForRest(1000, 128, 1000, 8)).toBe(1);
    expect(rangesForRest(1000, 64, 1000, 8)).toBe(3);
    expect(rangesForRest(1000, 2, 1000, 8)).toBe(8);
    expect(rangesForRest(1000, 2, 1000, 1)).toBe(1);
    expect(rangesForRest(1000, 0, 1000, 8)).toBe(8);
    expect(rangesForRest(1, 0, 1000, 8)).toBe(1);
    expect(rangesForRest(1000, 255, 1000, 8)).toBe(1);
  });
});
