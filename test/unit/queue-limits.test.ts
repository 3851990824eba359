import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { encodeFrame, makeFrame, type OutboundStanza } from '../../shared/frames.js';
import { packStanzas } from '../../shared/packing.js';
import {
  ENVELOPE_MARGIN_BYTES,
  packingLimitsFor,
  readMaxStanzasPerMessage,
  SqsQueueLimits,
} from '../../shared/queue-limits.js';

/** An SQS client that answers GetQueueAttributes from a table, counting the calls. */
function fakeSqs(sizes: Record<string, string | undefined>, failures = 0) {
  const calls: GetQueueAttributesCommand[] = [];
  let failuresLeft = failures;
  const sqs = {
    send: async (command: unknown) => {
      if (!(command instanceof GetQueueAttributesCommand)) throw new Error('unexpected command');
      calls.push(command);
      if (failuresLeft-- > 0) throw new Error('throttled');
      return { Attributes: { MaximumMessageSize: sizes[command.input.QueueUrl ?? ''] } };
    },
  };
  return { sqs: sqs as unknown as ConstructorParameters<typeof SqsQueueLimits>[0], calls };
}

describe('queue limits', () => {
  it('reads MaximumMessageSize once per queue and derives the packing limits from it', async () => {
    const { sqs, calls } = fakeSqs({ 'http://q/out': '1048576' });
    const limits = new SqsQueueLimits(sqs, { 'xmpp-out': 'http://q/out' }, 500);
    const first = await limits.packing('xmpp-out');
    await limits.packing('xmpp-out');
    await Promise.all([limits.packing('xmpp-out'), limits.packing('xmpp-out')]);
    expect(first).toEqual({ maxStanzas: 500, maxBytes: 1_048_576 - ENVELOPE_MARGIN_BYTES - 500 });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.input).toEqual({ QueueUrl: 'http://q/out', AttributeNames: ['MaximumMessageSize'] });
  });

  it('does not cache a failed read: the next record asks again', async () => {
    const { sqs, calls } = fakeSqs({ 'http://q/out': '262144' }, 1);
    const limits = new SqsQueueLimits(sqs, { 'xmpp-out': 'http://q/out' }, 50);
    await expect(limits.packing('xmpp-out')).rejects.toMatchObject({ retryable: true });
    expect((await limits.packing('xmpp-out')).maxBytes).toBe(262_144 - ENVELOPE_MARGIN_BYTES - 50);
    expect(calls).toHaveLength(2);
  });

  it('refuses a queue that reports no usable size, and a queue it has no URL for', async () => {
    const { sqs } = fakeSqs({ 'http://q/out': undefined });
    const limits = new SqsQueueLimits(sqs, { 'xmpp-out': 'http://q/out' }, 50);
    await expect(limits.packing('xmpp-out')).rejects.toThrow(/MaximumMessageSize ""/);
    await expect(limits.packing('xmpp-out-priority')).rejects.toThrow(/no URL/);
  });

  it('leaves room for the envelope: a full pack of worst-case stanzas still fits the queue', () => {
    const maxMessageBytes = 64 * 1024;
    const limits = packingLimitsFor(maxMessageBytes, 1000);
    // Tiny stanzas so the comma per stanza matters, plus big ones with multi-byte text.
    const stanzas: OutboundStanza[] = [
      ...Array.from({ length: 900 }, (_, i) => ({ id: `s${i}`, to: 'a@b.c', xml: '<message/>' })),
      ...Array.from({ length: 60 }, (_, i) => ({
        id: `big${i}`,
        to: 'a@b.c',
        xml: `<message to="a@b.c"><body>${'é🙂"'.repeat(200)}</body></message>`,
      })),
    ];
    const groups = packStanzas(stanzas, limits);
    expect(groups.length).toBeGreaterThan(1);
    for (const group of groups) {
      const body = encodeFrame(
        makeFrame('stanzas', 'a-site-with-a-long-name', 'x'.repeat(512), { stanzas: group }),
      );
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxMessageBytes);
    }
  });

  it('reads the stanza cap from MAX_STANZAS_PER_MESSAGE, default 1,000, at most what a frame takes', () => {
    expect(readMaxStanzasPerMessage({})).toBe(1000);
    expect(readMaxStanzasPerMessage({ MAX_STANZAS_PER_MESSAGE: '10000' })).toBe(10_000);
    expect(readMaxStanzasPerMessage({ MAX_STANZAS_PER_MESSAGE: '50' })).toBe(50);
    expect(() => readMaxStanzasPerMessage({ MAX_STANZAS_PER_MESSAGE: '10001' })).toThrow(
      /MAX_STANZAS_PER_MESSAGE/,
    );
    expect(() => readMaxStanzasPerMessage({ MAX_STANZAS_PER_MESSAGE: '0' })).toThrow(
      /MAX_STANZAS_PER_MESSAGE/,
    );
  });

  it('refuses limits that leave no room for stanzas', () => {
    expect(() => packingLimitsFor(1024, 500)).toThrow(RangeError);
  });
});
