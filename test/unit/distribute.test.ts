import { describe, expect, it } from 'vitest';
import { distributeNotice } from '../../functions/distribute/distribute.js';
import { makeFrame } from '../../shared/frames.js';
import { MemoryStore, notice, RecordingSender, silentLogger } from '../helpers/fakes.js';

describe('distribute', () => {
  const frame = makeFrame('notice', 'local', 'notice-42', { notice: notice() });

  it('stores the notice and hands it to im-notify', async () => {
    const store = new MemoryStore();
    const sender = new RecordingSender();
    const result = await distributeNotice(frame, { store, sender, logger: silentLogger });
    expect(result.stored).toBe(true);
    expect(await store.getNotice('local', '42')).toEqual(frame.payload.notice);
    expect(sender.to('im-notify')).toEqual([
      expect.objectContaining({ id: 'notice-42', payload: frame.payload }),
    ]);
  });

  it('stores a redelivered notice once but forwards it again', async () => {
    const store = new MemoryStore();
    const sender = new RecordingSender();
    await distributeNotice(frame, { store, sender, logger: silentLogger });
    const second = await distributeNotice(frame, { store, sender, logger: silentLogger });
    expect(second.stored).toBe(false);
    expect(store.notices.size).toBe(1);
    expect(sender.to('im-notify')).toHaveLength(2);
  });
});
