import type { FrameKind, Notice } from './frames.js';

/**
 * The topology registry: the one declarative list of queues and of the handlers bound to
 * them. The local stack and the CDK app both derive queues, dead-letter queues,
 * functions and event-source mappings from it; adding a transport is a module plus an
 * entry here.
 */

/** Redrive to the dead-letter queue after this many receives (DESIGN: 5). */
export const MAX_RECEIVE_COUNT = 5;
/** Visibility timeout is at least this multiple of the consumer's timeout (AWS guidance). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** The largest message SQS takes (since August 2025); the output lanes use it to pack stanzas. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** One notice frame (at most 20,000 characters of text) fits well within the classic limit. */
const FRAME_QUEUE_MESSAGE_BYTES = 262_144;

export const QUEUE_NAMES = [
  'notices',
  'im-notify',
  'im-firehose',
  'xmpp-out',
  'xmpp-out-priority',
  'xmpp-in',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface QueueSpec {
  readonly name: QueueName;
  readonly accepts: readonly FrameKind[];
  /** Who consumes it: a Lambda handler from HANDLERS, or the xmpp-relay process. */
  readonly consumer: string;
  /** Consumer timeout in seconds; the visibility timeout derives from it. */
  readonly consumerTimeoutSeconds: number;
  /** The queue's MaximumMessageSize; producers read it back from SQS (shared/queue-limits.ts). */
  readonly maxMessageBytes: number;
  readonly description: string;
}

export interface HandlerSpec {
  readonly name: string;
  readonly source: QueueName;
  /** Module under functions/ exporting `handler`. */
  readonly module: string;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Queues this handler sends to; infra grants exactly these. */
  readonly sendsTo: readonly QueueName[];
  /**
   * For a transport (StatusNet's per-transport queues): which notices `distribute` hands
   * to this handler's queue. Absent for handlers that are not notice transports.
   */
  readonly takesNotice?: (notice: Notice) => boolean;
}

export const HANDLERS: readonly HandlerSpec[] = [
  {
    name: 'distribute',
    source: 'notices',
    module: 'functions/distribute/handler.ts',
    batchSize: 10,
    maxConcurrency: 5,
    timeoutSeconds: 30,
    memoryMb: 256,
    // distribute hands each notice to every transport that takes it (see transportQueues).
    sendsTo: ['im-notify', 'im-firehose'],
  },
  {
    // Every notice, local or remote (statusnet.md §1.3).
    name: 'im-notify',
    source: 'im-notify',
    module: 'functions/im-notify/handler.ts',
    batchSize: 5,
    maxConcurrency: 10,
    timeoutSeconds: 120,
    memoryMb: 512,
    sendsTo: ['xmpp-out', 'im-notify'],
    takesNotice: () => true,
  },
  {
    // The public firehose: local public notices only (StatusNet 0.9's rule; 1.0 leaked others).
    name: 'im-firehose',
    source: 'im-firehose',
    module: 'functions/im-firehose/handler.ts',
    batchSize: 10,
    maxConcurrency: 2,
    timeoutSeconds: 30,
    memoryMb: 256,
    sendsTo: ['xmpp-out'],
    takesNotice: (notice) => notice.local && notice.scope === 'public',
  },
  {
    name: 'im-inbound',
    source: 'xmpp-in',
    module: 'functions/im-inbound/handler.ts',
    batchSize: 10,
    maxConcurrency: 5,
    timeoutSeconds: 30,
    memoryMb: 256,
    sendsTo: ['notices', 'xmpp-out-priority'],
  },
];

/** The relay's receive visibility timeout; it must outlast waiting for stream-management acks. */
export const RELAY_TIMEOUT_SECONDS = 30;

function consumerOf(queue: QueueName): Pick<QueueSpec, 'consumer' | 'consumerTimeoutSeconds'> {
  const handler = HANDLERS.find((h) => h.source === queue);
  if (handler) return { consumer: handler.name, consumerTimeoutSeconds: handler.timeoutSeconds };
  return { consumer: 'xmpp-relay', consumerTimeoutSeconds: RELAY_TIMEOUT_SECONDS };
}

export const QUEUES: readonly QueueSpec[] = [
  {
    name: 'notices',
    accepts: ['notice'],
    maxMessageBytes: FRAME_QUEUE_MESSAGE_BYTES,
    description: 'New notices from the site, the API, the CLI and IM',
  },
  {
    name: 'im-notify',
    accepts: ['notice', 'fanout'],
    maxMessageBytes: FRAME_QUEUE_MESSAGE_BYTES,
    description: 'Notices to deliver by IM to their audience, and continuations of large fan-outs',
  },
  {
    name: 'im-firehose',
    accepts: ['notice'],
    maxMessageBytes: FRAME_QUEUE_MESSAGE_BYTES,
    description: 'Local public notices for the firehose listeners',
  },
  {
    name: 'xmpp-out',
    accepts: ['stanzas'],
    maxMessageBytes: SQS_MAX_MESSAGE_BYTES,
    description: 'Bulk lane: rendered stanzas for broadcasts',
  },
  {
    name: 'xmpp-out-priority',
    accepts: ['stanzas'],
    maxMessageBytes: SQS_MAX_MESSAGE_BYTES,
    description: 'Priority lane: replies and confirmations, always drained first',
  },
  {
    name: 'xmpp-in',
    accepts: ['chat-in', 'presence-in'],
    maxMessageBytes: FRAME_QUEUE_MESSAGE_BYTES,
    description: 'Inbound chat messages and presence subscription requests captured by the relay',
  },
].map((q) => ({ ...q, ...consumerOf(q.name as QueueName) }) as QueueSpec);

/** The transports' queues that take a given notice, in registry order. */
export function transportQueues(notice: Notice): QueueName[] {
  return HANDLERS.filter((handler) => handler.takesNotice?.(notice)).map((handler) => handler.source);
}

/** Every transport's queue: what `distribute` may send to, and so what its config reads. */
export function allTransportQueues(): QueueName[] {
  return HANDLERS.filter((handler) => handler.takesNotice).map((handler) => handler.source);
}

export function deadLetterQueueName(queue: QueueName): string {
  return `${queue}-dlq`;
}

export function visibilityTimeoutSeconds(queue: QueueSpec): number {
  return queue.consumerTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR;
}

export function queueSpec(name: QueueName): QueueSpec {
  const spec = QUEUES.find((q) => q.name === name);
  if (!spec) throw new Error(`unknown queue ${name}`);
  return spec;
}

/** Environment variable that carries a queue's URL to the processes that use it. */
export function queueUrlEnvName(queue: QueueName): string {
  return `QUEUE_URL_${queue.toUpperCase().replace(/-/g, '_')}`;
}
