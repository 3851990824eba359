import { afterEach, describe, expect, it, vi } from 'vitest';
import { AckedStanzas, ackedKey } from '../../xmpp-relay/acked-stanzas.js';
import { DEFAULT_DRAIN, type DrainSettings } from '../../xmpp-relay/config.js';
import { silentLogger } from '../../xmpp-relay/log.js';
import { OutputDrain } from '../../xmpp-relay/output-drain.js';
import type { Lane, NotDeleted, QueueMessage } from '../../xmpp-relay/output-queues.js';
import { Gate } from '../../xmpp-relay/timing.js';
import { FakeLink, FakeQueues, stanzasBody } from '../helpers/relay-fakes.js';

const until = (predicate: () => boolean) =>
  vi.waitFor(() => expect(predicate()).toBe(true), { timeout: 2_000 });

/** Lanes whose next delete fails once, as an SQS delete can after the stanzas went out. */
class FlakyDeleteQueues extends FakeQueues {
  failNextDelete = false;
  override async delete(lane: Lane, messages: readonly QueueMessage[]): Promise<NotDeleted[]> {
    if (this.failNextDelete) {
      this.failNextDelete = false;
      return messages.map((message) => ({ message, reason: 'delete timed out' }));
    }
    return super.delete(lane, messages);
  }
}

const running: { drain: OutputDrain; link: FakeLink }[] = [];
afterEach(async () => {
  for (const { drain, link } of running.splice(0)) {
    const stopping = drain.stop(1_000);
    await link.stop();
    await stopping;
    await drain.finished();
  }
});

function setup(overrides: Partial<DrainSettings> = {}) {
  const link = new FakeLink();
  link.state = 'online';
  const queues = new FlakyDeleteQueues();
  const settings = { ...DEFAULT_DRAIN, ackTimeoutMs: 2_000, ...overrides };
  const drain = new OutputDrain({ queues, link, online: new Gate(true), logger: silentLogger }, settings);
  running.push({ drain, link });
  drain.start();
  return { link, queues, drain };
}

describe('relay repeat suppression', () => {
  it('does not send again a stanza the server acknowledged, and deletes a message of repeats', async () => {
    const { link, queues, drain } = setup();
    link.autoAck = true;
    const body = stanzasBody('notice-7-p0-m0', [
      { id: 'n7-bob', body: 'alice: hi [7]', to: 'bob@example.org' },
      { id: 'n7-carol', body: 'alice: hi [7]', to: 'carol@example.org' },
    ]);
    const first = queues.put('bulk', body);
    await until(() => queues.isDeleted(first));
    const again = queues.put('bulk', body);
    await until(() => queues.isDeleted(again));
    expect(link.writes.map((w) => w.ids)).toEqual([['n7-bob', 'n7-carol']]);
    expect(drain.stats.bulk).toMatchObject({ received: 2, delivered: 2, repeats: 2 });
  });

  it('sends only the new stanzas of a message that mixes repeats and new ones', async () => {
    const { link, queues, drain } = setup();
    link.autoAck = true;
    const first = queues.put('bulk', stanzasBody('f1', [{ id: 'a', body: 'one', to: 'bob@example.org' }]));
    await until(() => queues.isDeleted(first));
    const mixed = queues.put(
      'bulk',
      stanzasBody('f2', [
        { id: 'a', body: 'one', to: 'bob@example.org' },
        { id: 'b', body: 'two', to: 'bob@example.org' },
      ]),
    );
    await until(() => queues.isDeleted(mixed));
    expect(link.writes.map((w) => w.ids)).toEqual([['a'], ['b']]);
    expect(drain.stats.bulk.repeats).toBe(1);
  });

  it('treats the same id to another recipient as a new stanza', async () => {
    const { link, queues } = setup();
    link.autoAck = true;
    const first = queues.put('bulk', stanzasBody('f1', [{ id: 'same', body: 'x', to: 'bob@example.org' }]));
    await until(() => queues.isDeleted(first));
    const other = queues.put('bulk', stanzasBody('f2', [{ id: 'same', body: 'x', to: 'carol@example.org' }]));
    await until(() => queues.isDeleted(other));
    expect(link.writes).toHaveLength(2);
  });

  it('remembers nothing from an unacknowledged write: the redelivered message is sent again', async () => {
    const { link, queues } = setup();
    const body = stanzasBody('f1', [{ id: 'a', body: 'one' }]);
    const first = queues.put('bulk', body);
    await until(() => link.writes.length === 1);
    link.writes[0]?.fail();
    const redelivered = queues.put('bulk', body);
    await until(() => link.writes.length === 2);
    link.writes[1]?.ack();
    await until(() => queues.isDeleted(redelivered));
    expect(queues.isDeleted(first)).toBe(false);
    expect(link.writes.map((w) => w.ids)).toEqual([['a'], ['a']]);
  });

  it('does not resend a message whose delete failed after its stanzas were acknowledged', async () => {
    const { link, queues, drain } = setup();
    link.autoAck = true;
    queues.failNextDelete = true;
    const body = stanzasBody('f1', [{ id: 'a', body: 'one' }]);
    queues.put('bulk', body);
    await until(() => drain.stats.bulk.deleteErrors === 1);
    // The visibility timeout runs out and SQS hands the message out again.
    const again = queues.put('bulk', body);
    await until(() => queues.isDeleted(again));
    expect(link.writes).toHaveLength(1);
    expect(drain.stats.bulk.repeats).toBe(1);
  });

  it('suppresses repeats on the priority lane too', async () => {
    const { link, queues, drain } = setup();
    link.autoAck = true;
    const body = stanzasBody('reply', [{ id: 'reply-1', body: 'ok' }]);
    const first = queues.put('priority', body);
    await until(() => queues.isDeleted(first));
    const again = queues.put('priority', body);
    await until(() => queues.isDeleted(again));
    expect(link.writes).toHaveLength(1);
    expect(drain.stats.priority.repeats).toBe(1);
  });

  it('sends repeats when the memory is turned off (ackedMemory 0)', async () => {
    const { link, queues } = setup({ ackedMemory: 0 });
    link.autoAck = true;
    const body = stanzasBody('f1', [{ id: 'a', body: 'one' }]);
    const first = queues.put('bulk', body);
    await until(() => queues.isDeleted(first));
    const again = queues.put('bulk', body);
    await until(() => queues.isDeleted(again));
    expect(link.writes).toHaveLength(2);
  });
});

describe('AckedStanzas', () => {
  it('forgets the least recently seen id first and never holds more than its capacity', () => {
    const acked = new AckedStanzas(2);
    acked.add('a');
    acked.add('b');
    expect(acked.has('a')).toBe(true); // now b is the oldest
    acked.add('c');
    expect(acked.size).toBe(2);
    expect(acked.has('b')).toBe(false);
    expect(acked.has('a')).toBe(true);
    expect(acked.has('c')).toBe(true);
  });

  it('stays bounded under a stream far larger than its capacity', () => {
    const acked = new AckedStanzas(1000);
    for (let i = 0; i < 20_000; i++) acked.add(`id-${i}`);
    expect(acked.size).toBe(1000);
    expect(acked.has('id-18999')).toBe(false);
    expect(acked.has('id-19000')).toBe(true);
    expect(acked.has('id-19999')).toBe(true);
  });

  it('keeps an id that is used again through any number of later adds', () => {
    const acked = new AckedStanzas(10);
    acked.add('kept');
    for (let i = 0; i < 1_000; i++) {
      acked.add(`id-${i}`);
      if (i % 4 === 0) expect(acked.has('kept')).toBe(true);
      expect(acked.size).toBeLessThanOrEqual(10);
    }
    expect(acked.has('id-999')).toBe(true);
    expect(acked.has('id-0')).toBe(false);
  });

  it('holds one id with a capacity of 1, and none with 0', () => {
    const one = new AckedStanzas(1);
    one.add('a');
    one.add('b');
    expect([one.size, one.has('a'), one.has('b')]).toEqual([1, false, true]);
    const none = new AckedStanzas(0);
    none.add('a');
    expect([none.size, none.has('a')]).toEqual([0, false]);
  });

  it('keys a stanza by site, addressee and id', () => {
    expect(ackedKey('s', 'bob@x', 'i')).not.toBe(ackedKey('s', 'carol@x', 'i'));
    expect(ackedKey('s1', 'bob@x', 'i')).not.toBe(ackedKey('s2', 'bob@x', 'i'));
  });

  it('refuses a negative capacity', () => {
    expect(() => new AckedStanzas(-1)).toThrow(RangeError);
  });
});
