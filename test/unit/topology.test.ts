import { describe, expect, it } from 'vitest';
import {
  allTransportQueues,
  HANDLERS,
  QUEUES,
  queueSpec,
  SQS_MAX_MESSAGE_BYTES,
  transportQueues,
  VISIBILITY_TIMEOUT_FACTOR,
  visibilityTimeoutSeconds,
} from '../../shared/topology.js';
import { notice } from '../helpers/fakes.js';

describe('topology registry', () => {
  it('binds every handler to a known queue that accepts frames', () => {
    for (const handler of HANDLERS) {
      expect(queueSpec(handler.source).consumer).toBe(handler.name);
      expect(handler.batchSize).toBeGreaterThanOrEqual(1);
      expect(handler.batchSize).toBeLessThanOrEqual(10);
      for (const target of handler.sendsTo) expect(queueSpec(target)).toBeDefined();
    }
  });

  it('gives every queue a visibility timeout of at least 6x its consumer timeout', () => {
    for (const queue of QUEUES) {
      expect(visibilityTimeoutSeconds(queue)).toBeGreaterThanOrEqual(
        VISIBILITY_TIMEOUT_FACTOR * queue.consumerTimeoutSeconds,
      );
    }
  });

  it('leaves the output lanes and the inbound queue to the relay', () => {
    expect(queueSpec('xmpp-out').consumer).toBe('xmpp-relay');
    expect(queueSpec('xmpp-out-priority').consumer).toBe('xmpp-relay');
    expect(queueSpec('xmpp-in').consumer).toBe('im-inbound');
  });

  it('gives every transport a queue that accepts notices, and lets distribute send to exactly those', () => {
    const transports = allTransportQueues();
    expect(transports).toEqual(['im-notify', 'im-firehose']);
    for (const queue of transports) expect(queueSpec(queue).accepts).toContain('notice');
    const distribute = HANDLERS.find((h) => h.name === 'distribute');
    expect([...(distribute?.sendsTo ?? [])].sort()).toEqual([...transports].sort());
  });

  it('routes local public notices to both transports, and the rest to im-notify only', () => {
    expect(transportQueues(notice())).toEqual(['im-notify', 'im-firehose']);
    expect(transportQueues(notice({ local: false }))).toEqual(['im-notify']);
    expect(transportQueues(notice({ scope: 'private' }))).toEqual(['im-notify']);
  });

  it('lets im-notify continue a large fan-out on its own queue', () => {
    expect(queueSpec('im-notify').accepts).toEqual(['notice', 'fanout']);
    expect(HANDLERS.find((h) => h.name === 'im-notify')?.sendsTo).toContain('im-notify');
  });

  it('gives the output lanes the largest message SQS takes (1 MiB), and every queue a size', () => {
    expect(SQS_MAX_MESSAGE_BYTES).toBe(1_048_576);
    expect(queueSpec('xmpp-out').maxMessageBytes).toBe(1_048_576);
    expect(queueSpec('xmpp-out-priority').maxMessageBytes).toBe(1_048_576);
    for (const queue of QUEUES) {
      expect(queue.maxMessageBytes).toBeGreaterThanOrEqual(1024);
      expect(queue.maxMessageBytes).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
    }
  });
});
