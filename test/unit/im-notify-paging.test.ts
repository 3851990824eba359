import { describe, expect, it, vi } from 'vitest';
import type { ImNotifyFrame } from '../../functions/im-notify/frame.js';
import { notifyPage, PageBusyError } from '../../functions/im-notify/im-notify.js';
import { InvalidFrameError } from '../../shared/errors.js';
import { type FanoutFrame, makeFrame } from '../../shared/frames.js';
import { DEFAULT_PACKING, type PackingLimits } from '../../shared/packing.js';
import { bucketLabel, IM_BUCKETS, imBucket } from '../../shared/store/buckets.js';
import { MemoryStore, notice, user } from '../helpers/fakes.js';
import { fanOut, noticeFrame, notifyDeps, recipientsOf, stanzasOf } from '../helpers/im-notify-run.js';

// Fan-out in pages with continuation frames, and idempotency per (notice, recipient).
function limits(pageSize: number, packing: PackingLimits = DEFAULT_PACKING, parallelism = 1) {
  return { limits: { pageSize, parallelism, claimSeconds: 120, packing } };
}

async function authorWithFollowers(count: number) {
  const store = new MemoryStore();
  await store.putUser(user('1', 'alice'));
  for (let i = 0; i < count; i++) {
    const id = `s${String(i).padStart(4, '0')}`;
    await store.putUser(user(id, `n${id}`));
    await store.follow('local', id, '1');
  }
  return store;
}

function continuations(sent: { queue: string; frame: { kind: string } }[]): FanoutFrame[] {
  return sent.filter((s) => s.queue === 'im-notify').map((s) => s.frame as FanoutFrame);
}

describe('im-notify paging', () => {
  it('reads at most a page per invocation and continues with one frame carrying the cursor', async () => {
    const store = await authorWithFollowers(250);
    const readLimits: number[] = [];
    const list = store.listImSubscribers.bind(store);
    vi.spyOn(store, 'listImSubscribers').mockImplementation(async (site, author, cursor, limit) => {
      readLimits.push(limit ?? Number.POSITIVE_INFINITY);
      return list(site, author, cursor, limit);
    });
    const { deps, sender } = notifyDeps(store, limits(100, { maxStanzas: 40, maxBytes: 1_000_000 }));

    const first = await notifyPage(noticeFrame(), 'm-1', deps);
    // The index is ordered by hash bucket, then id: the cursor is the 100th row's key.
    const keys = (await list('local', '1', undefined, 250)).items.map(
      (row) => `${bucketLabel(imBucket(row.userId))}#${row.userId}`,
    );
    expect(first).toMatchObject({
      status: 'sent',
      queued: 100,
      next: { stage: 'subscribers', cursor: keys[99] },
    });
    expect(continuations(sender.sent)).toEqual([
      expect.objectContaining({
        kind: 'fanout',
        site: 'local',
        id: 'fanout-42-p1',
        payload: expect.objectContaining({ stage: 'subscribers', group: 0, cursor: keys[99], page: 1 }),
      }),
    ]);

    const rest = await fanOut(continuations(sender.sent)[0] as FanoutFrame, deps);
    expect(rest.map((o) => o.queued)).toEqual([100, 50]);
    expect(rest.at(-1)?.next).toBeUndefined();
    expect(readLimits.length).toBeGreaterThanOrEqual(3);
    expect(readLimits.every((limit) => limit <= 100)).toBe(true);
    const recipients = recipientsOf(sender);
    expect(recipients).toHaveLength(250);
    expect(new Set(recipients).size).toBe(250);
    // 100, 100, 50 stanzas in messages of at most 40: 3 + 3 + 2, every message id distinct
    const messages = sender.to('xmpp-out');
    expect(messages).toHaveLength(8);
    expect(new Set(messages.map((f) => f.id)).size).toBe(8);
    expect(messages.map((f) => f.id).slice(0, 3)).toEqual([
      'notice-42-p0-m0',
      'notice-42-p0-m1',
      'notice-42-p0-m2',
    ]);
    expect(continuations(sender.sent).map((f) => f.id)).toEqual(['fanout-42-p1', 'fanout-42-p2']);
  });

  it('walks every stage and group in order over several pages, each recipient once', async () => {
    const store = new MemoryStore();
    await store.putUser(user('1', 'alice'));
    for (const nickname of ['m1', 'm2', 'm3'])
      await store.putUser(user(nickname, nickname, { replies: true }));
    for (let i = 0; i < 5; i++) {
      await store.putUser(user(`f${i}`, `f${i}`));
      await store.follow('local', `f${i}`, '1');
    }
    for (const [id, nickname] of [
      ['g1', 'cats'],
      ['g2', 'dogs'],
    ] as const) {
      await store.createGroup({ site: 'local', id, nickname });
      await store.joinGroup('local', id, '1');
      for (let i = 0; i < 4; i++) {
        await store.putUser(user(`${id}u${i}`, `${id}u${i}`));
        await store.joinGroup('local', id, `${id}u${i}`);
      }
      // a follower and a mentioned user in each group, and one member of both
      await store.joinGroup('local', id, 'f0');
      await store.joinGroup('local', id, 'm1');
      await store.joinGroup('local', id, 'g1u0');
    }
    const { deps, sender } = notifyDeps(store, limits(2));
    const outcomes = await fanOut(noticeFrame({ text: '@m1 @m2 @m3 to !cats !dogs' }), deps);

    const stages = continuations(sender.sent).map((f) => `${f.payload.stage}:${f.payload.group}`);
    expect(stages[0]).toBe('direct:0');
    expect(stages).toContain('subscribers:0');
    expect(stages.indexOf('groups:0')).toBeLessThan(stages.indexOf('groups:1'));
    expect(continuations(sender.sent).map((f) => f.payload.page)).toEqual(stages.map((_, i) => i + 1));
    expect(outcomes.length).toBe(stages.length + 1);
    const recipients = recipientsOf(sender);
    // mentions, followers, g1's own members, g2's own members (g1u0 already had one from g1)
    expect(recipients).toHaveLength(3 + 5 + 4 + 4);
    expect(new Set(recipients).size).toBe(recipients.length);
  });

  it('writes one record per page, never one per recipient', async () => {
    const store = await authorWithFollowers(30);
    const { deps } = notifyDeps(store, limits(10));
    const outcomes = await fanOut(noticeFrame(), deps);
    expect(outcomes).toHaveLength(3);
    expect(store.remembered.size).toBe(3);
    expect([...store.remembered.values()].every((r) => r.value === 'done')).toBe(true);
  });

  it('refuses a direct-stage cursor that is not an offset, as a permanent error', async () => {
    const store = await authorWithFollowers(1);
    const { deps } = notifyDeps(store);
    const frame = makeFrame('fanout', 'local', 'fanout-42-p1', {
      notice: notice(),
      stage: 'direct',
      group: 0,
      cursor: 'bogus',
      page: 1,
    });
    await expect(notifyPage(frame, 'm-1', deps)).rejects.toThrow(InvalidFrameError);
  });
});

describe('im-notify parallel chains', () => {
  it('splits an index longer than a page into ranges read side by side, each follower once', async () => {
    const store = await authorWithFollowers(2000);
    const { deps, sender } = notifyDeps(store, limits(100, DEFAULT_PACKING, 4));

    const first = await notifyPage(noticeFrame(), 'm-1', deps);
    const chains = continuations(sender.sent);
    expect(chains).toHaveLength(4);
    expect(first.forks).toHaveLength(3);
    // Contiguous ranges from the bucket the first page stopped in to the end of the index.
    const ranges = chains.map((frame) => frame.payload.buckets);
    expect(ranges[0]?.from).toBe(Number.parseInt(String(chains[0]?.payload.cursor).slice(0, 2), 16));
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.from).toBe(ranges[i - 1]?.to);
    expect(ranges.at(-1)?.to).toBe(IM_BUCKETS);
    // Only the first chain carries on from the cursor; the others start their range.
    expect(chains.slice(1).every((frame) => frame.payload.cursor === undefined)).toBe(true);
    expect(new Set(chains.map((frame) => frame.id)).size).toBe(4);

    const outcomes = [];
    for (const chain of chains) outcomes.push(...(await fanOut(chain, deps)));
    // The chains never split again.
    expect(outcomes.every((o) => o.queued <= 100 && !o.forks)).toBe(true);
    const recipients = recipientsOf(sender);
    expect(recipients).toHaveLength(2000);
    expect(new Set(recipients).size).toBe(2000);
    const frameIds = sender.to('xmpp-out').map((frame) => frame.id);
    expect(new Set(frameIds).size).toBe(frameIds.length);
  });

  it('goes on to the groups once, from the chain that ends the index', async () => {
    const store = await authorWithFollowers(500);
    await store.createGroup({ site: 'local', id: 'g1', nickname: 'cats' });
    await store.joinGroup('local', 'g1', '1');
    for (let i = 0; i < 30; i++) {
      await store.putUser(user(`m${i}`, `member${i}`));
      await store.joinGroup('local', 'g1', `m${i}`);
    }
    await store.joinGroup('local', 'g1', 's0007'); // a follower too: one copy only
    const { deps, sender } = notifyDeps(store, limits(50, DEFAULT_PACKING, 3));
    const outcomes = await fanOut(noticeFrame({ text: 'hello !cats' }), deps);
    expect(outcomes.filter((o) => o.forks).length).toBe(1);
    // Were the group read by more than one chain, its members would get two copies.
    const recipients = recipientsOf(sender);
    expect(recipients).toHaveLength(530);
    expect(new Set(recipients).size).toBe(530);
  });

  it('splits only as far as the rest of the index fills pages', async () => {
    // 150 followers, pages of 100: the rest is about half a page, so no fork is worth it.
    const small = await authorWithFollowers(150);
    const one = notifyDeps(small, limits(100, DEFAULT_PACKING, 8));
    const smallOutcomes = await fanOut(noticeFrame(), one.deps);
    expect(smallOutcomes.some((o) => o.forks)).toBe(false);
    expect(smallOutcomes.map((o) => o.queued)).toEqual([100, 50]);

    // 400 followers: about three pages left (the hash spreads them only about evenly), so a
    // few ranges, well short of the eight allowed; everyone still gets one copy.
    const larger = await authorWithFollowers(400);
    const some = notifyDeps(larger, limits(100, DEFAULT_PACKING, 8));
    const outcomes = await fanOut(noticeFrame(), some.deps);
    const forks = outcomes.flatMap((o) => o.forks ?? []);
    expect(forks.length).toBeGreaterThanOrEqual(1);
    expect(forks.length).toBeLessThanOrEqual(3);
    const recipients = recipientsOf(some.sender);
    expect(new Set(recipients).size).toBe(400);
    expect(recipients).toHaveLength(400);
  });

  it('reads the whole index in one chain when the parallelism is 1', async () => {
    const store = await authorWithFollowers(300);
    const { deps, sender } = notifyDeps(store, limits(100, DEFAULT_PACKING, 1));
    const outcomes = await fanOut(noticeFrame(), deps);
    expect(outcomes.map((o) => o.queued)).toEqual([100, 100, 100]);
    expect(continuations(sender.sent).every((frame) => frame.payload.buckets === undefined)).toBe(true);
  });
});

describe('im-notify idempotency', () => {
  it('ignores a duplicate notice frame from a producer: no second copy, no second continuation', async () => {
    const store = await authorWithFollowers(25);
    const { deps, sender } = notifyDeps(store, limits(10));
    await fanOut(noticeFrame(), deps);
    const before = sender.sent.length;
    const again = await fanOut(noticeFrame(), deps);
    expect(again).toEqual([{ status: 'duplicate', queued: 0 }]);
    expect(sender.sent.length).toBe(before);
    expect(recipientsOf(sender)).toHaveLength(25);
  });

  it('ignores a redelivered page and a continuation sent twice', async () => {
    const store = await authorWithFollowers(25);
    const { deps, sender } = notifyDeps(store, limits(10));
    await notifyPage(noticeFrame(), 'm-1', deps);
    const page1 = continuations(sender.sent)[0] as ImNotifyFrame;
    expect(await notifyPage(page1, 'm-2', deps)).toMatchObject({ status: 'sent', queued: 10 });
    // SQS delivered page 1 again, and a retried producer sent its continuation twice
    expect(await notifyPage(page1, 'm-2', deps)).toEqual({ status: 'duplicate', queued: 0 });
    expect(await notifyPage(page1, 'm-3', deps)).toEqual({ status: 'duplicate', queued: 0 });
    await fanOut(continuations(sender.sent)[1] as ImNotifyFrame, deps);
    const recipients = recipientsOf(sender);
    expect(recipients).toHaveLength(25);
    expect(new Set(recipients).size).toBe(25);
  });

  it('lets a retry of the same message finish a page that failed halfway, with the same stanza ids', async () => {
    const store = await authorWithFollowers(15);
    const { deps, sender } = notifyDeps(store, limits(10));
    const send = sender.send.bind(sender);
    const failing = vi.spyOn(sender, 'send').mockImplementation(async (queue, frames) => {
      await send(queue, frames);
      if (queue === 'xmpp-out') throw new Error('SQS unavailable');
    });
    await expect(notifyPage(noticeFrame(), 'm-1', deps)).rejects.toThrow('SQS unavailable');
    const firstIds = stanzasOf(sender).map((s) => s.id);
    failing.mockRestore();
    expect(await notifyPage(noticeFrame(), 'm-1', deps)).toMatchObject({ status: 'sent', queued: 10 });
    // the documented window: the page's stanzas were queued twice, with the same ids
    expect(stanzasOf(sender).map((s) => s.id)).toEqual([...firstIds, ...firstIds]);
    expect(new Set(firstIds).size).toBe(10);
    // and so was the continuation; its second copy finds the next page done and does nothing
    const [continuation, again] = continuations(sender.sent);
    expect([again?.id, again?.payload]).toEqual([continuation?.id, continuation?.payload]);
    expect(await fanOut(continuation as FanoutFrame, deps)).toMatchObject([{ status: 'sent', queued: 5 }]);
    expect(await notifyPage(again as FanoutFrame, 'm-3', deps)).toEqual({ status: 'duplicate', queued: 0 });
  });

  it('makes another copy wait while a page is claimed, and lets it take over once the claim expires', async () => {
    const store = await authorWithFollowers(3);
    let now = 1_000_000;
    store.now = () => now;
    await store.rememberFirst('local', 'fanout:42:direct:0:all:start', 'claim:m-crashed', 120);
    const { deps, sender } = notifyDeps(store);
    await expect(notifyPage(noticeFrame(), 'm-2', deps)).rejects.toThrow(PageBusyError);
    expect(sender.sent).toEqual([]);
    now += 121_000;
    expect(await notifyPage(noticeFrame(), 'm-2', deps)).toMatchObject({ status: 'sent', queued: 3 });
  });

  it('gives every stanza an id derived from the notice and the recipient only', async () => {
    const store = await authorWithFollowers(12);
    const small = notifyDeps(store, limits(5));
    await fanOut(noticeFrame(), small.deps);
    store.remembered.clear();
    const large = notifyDeps(store, limits(100));
    await fanOut(noticeFrame(), large.deps);
    const ids = (run: typeof small) => Object.fromEntries(stanzasOf(run.sender).map((s) => [s.to, s.id]));
    expect(ids(large)).toEqual(ids(small));
    expect(Object.keys(ids(small))).toHaveLength(12);
  });
});
