import { describe, expect, it } from 'vitest';
import { distributeNotice } from '../../functions/distribute/distribute.js';
import { makeFrame, type Notice } from '../../shared/frames.js';
import { MemoryStore, notice, RecordingSender, silentLogger } from '../helpers/fakes.js';

function run(overrides: Partial<Notice> = {}) {
  const frame = makeFrame('notice', 'local', 'notice-42', { notice: notice(overrides) });
  const store = new MemoryStore();
  const sender = new RecordingSender();
  return { frame, store, sender, deps: { store, sender, logger: silentLogger } };
}

describe('distribute', () => {
  it('stores a local public notice and hands it to im-notify and the firehose', async () => {
    const { frame, store, sender, deps } = run();
    const result = await distributeNotice(frame, deps);
    expect(result).toEqual({ stored: true, queues: ['im-notify', 'im-firehose'] });
    expect(await store.getNotice('local', '42')).toEqual(frame.payload.notice);
    for (const queue of ['im-notify', 'im-firehose'] as const) {
      expect(sender.to(queue)).toEqual([
        expect.objectContaining({ kind: 'notice', site: 'local', id: 'notice-42', payload: frame.payload }),
      ]);
    }
  });

  it.each([
    ['a notice from another site', { local: false }],
    ['a private notice', { scope: 'private' as const }],
    ['a private notice from another site', { local: false, scope: 'private' as const }],
  ])('hands %s to im-notify only, never to the firehose', async (_name, overrides) => {
    const { frame, sender, deps } = run(overrides);
    expect((await distributeNotice(frame, deps)).queues).toEqual(['im-notify']);
    expect(sender.to('im-notify')).toHaveLength(1);
    expect(sender.to('im-firehose')).toEqual([]);
  });

  it('stores a redelivered notice once but forwards it again', async () => {
    const { frame, store, sender, deps } = run();
    await distributeNotice(frame, deps);
    const second = await distributeNotice(frame, deps);
    expect(second.stored).toBe(false);
    expect(store.notices.size).toBe(1);
    expect(sender.to('im-notify')).toHaveLength(2);
    expect(sender.to('im-firehose')).toHaveLength(2);
  });
});
