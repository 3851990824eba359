import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_DRAIN, type DrainSettings } from '../../xmpp-relay/config.js';
import { silentLogger } from '../../xmpp-relay/log.js';
import { OutputDrain } from '../../xmpp-relay/output-drain.js';
import { Gate } from '../../xmpp-relay/timing.js';
import { FakeLink, FakeQueues, rawStanzasBody, stanzasBody } from '../helpers/relay-fakes.js';

const settings: DrainSettings = { ...DEFAULT_DRAIN, ackTimeoutMs: 2_000 };
const until = (predicate: () => boolean) =>
  vi.waitFor(() => expect(predicate()).toBe(true), { timeout: 2_000 });

function setup(options: { online?: boolean; deleteLingerMs?: number } = {}) {
  const link = new FakeLink();
  link.state = options.online === false ? 'down' : 'online';
  const queues = new FakeQueues();
  const online = new Gate(options.online !== false);
  const drain = new OutputDrain(
    { queues, link, online, logger: silentLogger },
    {
      ...settings,
      ...(options.deleteLingerMs === undefined ? {} : { deleteLingerMs: options.deleteLingerMs }),
    },
  );
  running.push({ drain, link });
  return { link, queues, online, drain };
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

describe('OutputDrain', () => {
  it('deletes a message only after every one of its stanzas is acknowledged', async () => {
    const { link, queues, drain } = setup();
    const id = queues.put(
      'bulk',
      stanzasBody('f1', [
        { id: 'a', body: 'one' },
        { id: 'b', body: 'two' },
      ]),
    );
    drain.start();
    await until(() => link.writes.length === 1);
    expect(link.writes[0]?.ids).toEqual(['a', 'b']);
    expect(queues.isDeleted(id)).toBe(false);
    link.writes[0]?.ack();
    await until(() => queues.isDeleted(id));
    expect(drain.stats.bulk).toMatchObject({ received: 1, delivered: 1 });
  });

  it('deletes messages acknowledged close together in one request, and keeps the unconfirmed one', async () => {
    const { link, queues, drain } = setup({ deleteLingerMs: 60_000 });
    const ids = [1, 2, 3, 4].map((i) =>
      queues.put('bulk', stanzasBody(`f${i}`, [{ id: `s${i}`, body: 'x' }])),
    );
    drain.start();
    for (let written = 1; written <= ids.length; written++) {
      await until(() => link.writes.length === written);
      if (written === 3) link.writes[2]?.fail();
      else link.writes[written - 1]?.ack();
    }
    await until(() => drain.stats.bulk.notConfirmed === 1);
    // Three are waiting for the linger; stopping sends them at once, in one request.
    expect(queues.deleted).toHaveLength(0);
    expect(await drain.stop(1_000)).toBe(true);
    expect(queues.deleteRequests).toBe(1);
    expect(queues.deleted.map((d) => d.messageId)).toEqual([ids[0], ids[1], ids[3]]);
    expect(drain.stats.bulk).toMatchObject({ delivered: 3, notConfirmed: 1, deleteErrors: 0 });
  });

  it('deletes an acknowledged message within the linger while the next one still waits for its acks', async () => {
    const { link, queues, drain } = setup({ deleteLingerMs: 20 });
    const first = queues.put('bulk', stanzasBody('f1', [{ id: 'a', body: 'one' }]));
    queues.put('bulk', stanzasBody('f2', [{ id: 'b', body: 'two' }]));
    drain.start();
    await until(() => link.writes.length === 1);
    link.writes[0]?.ack();
    await until(() => link.writes.length === 2);
    await until(() => queues.isDeleted(first));
    expect(link.writes[1]?.settled).toBe(false);
  });

  it('keeps a message whose stanzas failed (visibility expires, SQS redelivers)', async () => {
    const { link, queues, drain } = setup();
    const failed = queues.put('bulk', stanzasBody('f1', [{ id: 'a', body: 'one' }]));
    const next = queues.put('bulk', stanzasBody('f2', [{ id: 'b', body: 'two' }]));
    drain.start();
    await until(() => link.writes.length === 1);
    link.writes[0]?.fail();
    await until(() => link.writes.length === 2);
    link.writes[1]?.ack();
    await until(() => queues.isDeleted(next));
    expect(queues.isDeleted(failed)).toBe(false);
    expect(drain.stats.bulk.notConfirmed).toBe(1);
  });

  it('never writes an invalid frame nor deletes it, and sends the rest of the batch', async () => {
    const { link, queues, drain } = setup();
    link.autoAck = true;
    const good1 = queues.put('bulk', stanzasBody('f1', [{ id: 'a', body: 'one' }]));
    const bad = queues.put(
      'bulk',
      rawStanzasBody('f2', [
        {
          id: 'b',
          to: 'alice@example.org',
          xml: '<message to="alice@example.org"><body>\u0001</body></message>',
        },
      ]),
    );
    const notJson = queues.put('bulk', '{oops');
    const good2 = queues.put('bulk', stanzasBody('f3', [{ id: 'c', body: 'three' }]));
    drain.start();
    await until(() => queues.isDeleted(good1) && queues.isDeleted(good2));
    expect(link.writes.flatMap((w) => w.ids)).toEqual(['a', 'c']);
    expect(queues.isDeleted(bad)).toBe(false);
    expect(queues.isDeleted(notJson)).toBe(false);
    expect(drain.stats.bulk.invalid).toBe(2);
  });

  it('writes a priority message before any further bulk message', async () => {
    const { link, queues, drain } = setup();
    for (let i = 1; i <= 5; i++)
      queues.put('bulk', stanzasBody(`bulk${i}`, [{ id: `bulk${i}`, body: 'flood' }]));
    drain.start();
    await until(() => link.writes.length === 1);
    expect(link.writes[0]?.ids).toEqual(['bulk1']);

    queues.put('priority', stanzasBody('reply', [{ id: 'reply', body: 'ok' }]));
    await until(() => link.writes.length === 2);
    expect(link.writes[1]?.ids).toEqual(['reply']);

    // The reply is unacknowledged: the bulk lane still holds back after its message is done.
    link.writes[0]?.ack();
    await until(() => drain.priorityInHand.idle.waiting === 1);
    expect(link.writes).toHaveLength(2);
    link.writes[1]?.ack();
    await until(() => link.writes.length === 3);
    expect(link.writes[2]?.ids).toEqual(['bulk2']);
  });

  it('does not poll while the link is down and resumes when it is back', async () => {
    const { link, queues, online, drain } = setup({ online: false });
    link.autoAck = true;
    const id = queues.put('priority', stanzasBody('f1', [{ id: 'a', body: 'one' }]));
    drain.start();
    await Promise.resolve();
    expect(queues.receives).toEqual({ priority: 0, bulk: 0 });
    link.state = 'online';
    online.open();
    await until(() => queues.isDeleted(id));
  });

  it('holds received messages while the link is down and writes them once it is back', async () => {
    const { link, queues, online, drain } = setup();
    const first = queues.put('bulk', stanzasBody('f1', [{ id: 'a', body: 'one' }]));
    const second = queues.put('bulk', stanzasBody('f2', [{ id: 'b', body: 'two' }]));
    drain.start();
    await until(() => link.writes.length === 1);
    online.close();
    link.state = 'down';
    link.writes[0]?.fail();
    await until(() => drain.stats.bulk.notConfirmed === 1);
    expect(link.writes).toHaveLength(1);
    link.state = 'online';
    link.autoAck = true;
    online.open();
    await until(() => queues.isDeleted(second));
    expect(queues.isDeleted(first)).toBe(false);
    expect(link.writes.map((w) => w.ids[0])).toEqual(['a', 'b']);
  });

  it('stop: lets a written message finish and be deleted, writes nothing new, leaks no waiters', async () => {
    const { link, queues, online, drain } = setup();
    const first = queues.put('bulk', stanzasBody('f1', [{ id: 'a', body: 'one' }]));
    const second = queues.put('bulk', stanzasBody('f2', [{ id: 'b', body: 'two' }]));
    drain.start();
    await until(() => link.writes.length === 1);
    const stopped = drain.stop(2_000);
    link.writes[0]?.ack();
    expect(await stopped).toBe(true);
    expect(queues.isDeleted(first)).toBe(true);
    expect(queues.isDeleted(second)).toBe(false);
    expect(link.writes).toHaveLength(1);
    expect(queues.waiting).toBe(0);
    expect(online.waiting + drain.priorityInHand.idle.waiting).toBe(0);
  });

  it('stop: gives up waiting for acks after the grace period', async () => {
    const { link, queues, drain } = setup();
    queues.put('priority', stanzasBody('f1', [{ id: 'a', body: 'one' }]));
    drain.start();
    await until(() => link.writes.length === 1);
    expect(await drain.stop(50)).toBe(false);
    await link.stop();
    await drain.finished();
    expect(queues.deleted).toHaveLength(0);
  });
});
