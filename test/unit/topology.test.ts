import { describe, expect, it } from 'vitest';
import {
  HANDLERS,
  QUEUES,
  queueSpec,
  VISIBILITY_TIMEOUT_FACTOR,
  visibilityTimeoutSeconds,
} from '../../shared/topology.js';

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
});
