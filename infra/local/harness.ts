import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { describeError } from '../../shared/errors.js';
import { HANDLERS, type HandlerSpec, type QueueName } from '../../shared/topology.js';
import type { LocalLogger } from './log.js';
import { queueArn } from './provision.js';

/**
 * The local stand-in for Lambda's SQS event-source mapping, one per handler of the
 * topology. Like the real one it long-polls the source queue, invokes the handler with
 * batches of up to `batchSize` records and at most `maxConcurrency` batches at a time, and
 * honours the partial batch response (ReportBatchItemFailures): listed records stay on the
 * queue, the others are deleted, and a thrown error, a timeout or an invalid response fails
 * the whole batch. Failed records become visible again after the queue's visibility timeout
 * and the queue's redrive policy moves them to the dead-letter queue after max receives.
 *
 * Differences from Lambda: handlers run in this process (a timed-out invocation is abandoned,
 * not frozen), one receive fetches at most 10 messages (no batching window), and polling does
 * not scale up or back off the way the managed poller does.
 */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;

export interface HarnessBinding {
  readonly spec: HandlerSpec;
  /** The handler, or a module (path relative to `rootDir`) exporting `handler`. Default: `spec.module`. */
  readonly handler?: SqsHandler | string;
}

export interface HarnessOptions {
  readonly sqs: SQSClient;
  readonly queueUrls: Readonly<Partial<Record<QueueName, string>>>;
  /** Default: every entry of HANDLERS, loaded from its module. */
  readonly handlers?: readonly HarnessBinding[];
  readonly logger: LocalLogger;
  readonly region?: string;
  /** Where handler module paths are resolved from; default the repository root. */
  readonly rootDir?: string;
  /** Long-poll wait, 0 to 20 s (default 20); stop() aborts a poll in flight. */
  readonly waitTimeSeconds?: number;
  /** How long stop() waits for running invocations (default 10 s). */
  readonly drainTimeoutMs?: number;
}

export interface Harness {
  stop(): Promise<void>;
}

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const MAX_RECEIVE = 10;
const RECEIVE_ERROR_BACKOFF_MS = 1000;

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const bindings = options.handlers ?? HANDLERS.map((spec) => ({ spec }));
  const region = options.region ?? 'us-east-1';
  const controller = new AbortController();
  const mappings: EventSourceMapping[] = [];
  for (const binding of bindings) {
    const queueUrl = options.queueUrls[binding.spec.source];
    if (!queueUrl) throw new Error(`no URL for queue ${binding.spec.source} (handler ${binding.spec.name})`);
    mappings.push(
      new EventSourceMapping({
        spec: binding.spec,
        handler: await loadHandler(binding, options.rootDir ?? REPO_ROOT),
        queueUrl,
        queueArn: await queueArn(options.sqs, queueUrl),
        region,
        sqs: options.sqs,
        logger: options.logger,
        waitTimeSeconds: options.waitTimeSeconds ?? 20,
        signal: controller.signal,
      }),
    );
  }
  const loops = mappings.map((mapping) => mapping.run());
  return {
    async stop() {
      controller.abort();
      await Promise.all(loops);
      const running = mappings.flatMap((mapping) => [...mapping.inFlight]);
      if (running.length === 0) return;
      const drained = await settleWithin(Promise.allSettled(running), options.drainTimeoutMs ?? 10_000);
      if (!drained)
        options.logger.warn(`[harness] abandoned ${running.length} running invocation(s) on stop`);
    },
  };
}

async function loadHandler(binding: HarnessBinding, rootDir: string): Promise<SqsHandler> {
  const source = binding.handler ?? binding.spec.module;
  if (typeof source === 'function') return source;
  const module = (await import(pathToFileURL(resolve(rootDir, source)).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${source} does not export a handler function`);
  return module.handler as SqsHandler;
}

interface MappingConfig {
  readonly spec: HandlerSpec;
  readonly handler: SqsHandler;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly sqs: SQSClient;
  readonly logger: LocalLogger;
  readonly waitTimeSeconds: number;
  readonly signal: AbortSignal;
}

class EventSourceMapping {
  readonly inFlight = new Set<Promise<void>>();
  private readonly aborted: Promise<void>;

  constructor(private readonly config: MappingConfig) {
    this.aborted = new Promise((resolve) =>
      config.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }

  async run(): Promise<void> {
    const { spec, signal } = this.config;
    while (!signal.aborted) {
      if (this.inFlight.size >= spec.maxConcurrency) {
        await Promise.race([...this.inFlight, this.aborted]);
        continue;
      }
      const messages = await this.receive();
      if (messages.length === 0) continue;
      // Received messages are invoked even when stopping: they are invisible now either way.
      const invocation = this.invoke(messages).finally(() => this.inFlight.delete(invocation));
      this.inFlight.add(invocation);
    }
  }

  private async receive(): Promise<Message[]> {
    const { sqs, queueUrl, spec, signal, waitTimeSeconds } = this.config;
    try {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(spec.batchSize, MAX_RECEIVE),
          WaitTimeSeconds: waitTimeSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      );
      return Messages ?? [];
    } catch (error) {
      if (signal.aborted) return [];
      this.config.logger.warn(`[harness] ${spec.name}: receive failed: ${describeError(error)}`);
      await Promise.race([delay(RECEIVE_ERROR_BACKOFF_MS), this.aborted]);
      return [];
    }
  }

  /** One Lambda invocation; never rejects. */
  private async invoke(messages: Message[]): Promise<void> {
    const { spec, handler, logger } = this.config;
    const records = messages.map((message) => toRecord(message, this.config.queueArn, this.config.region));
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    let outcome: BatchOutcome;
    try {
      const response = await withDeadline(
        Promise.resolve().then(() =>
          handler({ Records: records }, lambdaContext(spec, this.config.region, deadline)),
        ),
        deadline,
        `Task timed out after ${spec.timeoutSeconds} seconds`,
      );
      outcome = interpretBatchResponse(
        response,
        records.map((record) => record.messageId),
      );
    } catch (error) {
      outcome = { ok: false, reason: describeError(error) };
    }
    if (!outcome.ok) {
      logger.warn(
        `[harness] ${spec.name}: batch of ${records.length} failed, retried after the visibility timeout: ${outcome.reason}`,
      );
      return;
    }
    if (outcome.failed.size > 0) {
      logger.info(
        `[harness] ${spec.name}: ${outcome.failed.size} of ${records.length} record(s) reported failed`,
      );
    }
    await this.delete(records.filter((record) => !outcome.failed.has(record.messageId)));
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    const { sqs, queueUrl, spec, logger } = this.config;
    for (let start = 0; start < records.length; start += MAX_RECEIVE) {
      const entries = records
        .slice(start, start + MAX_RECEIVE)
        .map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle }));
      try {
        const { Failed } = await sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
        );
        for (const failure of Failed ?? []) {
          logger.warn(
            `[harness] ${spec.name}: delete refused (${failure.Code} ${failure.Message}); it will be redelivered`,
          );
        }
      } catch (error) {
        logger.warn(
          `[harness] ${spec.name}: delete failed, records will be redelivered: ${describeError(error)}`,
        );
      }
    }
  }
}

export type BatchOutcome =
  | { readonly ok: true; readonly failed: ReadonlySet<string> }
  | { readonly ok: false; readonly reason: string };

/**
 * Lambda's reading of a partial batch response: no response, or no or an empty
 * `batchItemFailures`, is full success; a malformed response, an empty or missing
 * `itemIdentifier`, or one that is not in the batch fails the whole batch.
 */
export function interpretBatchResponse(response: unknown, messageIds: readonly string[]): BatchOutcome {
  const success: BatchOutcome = { ok: true, failed: new Set() };
  if (response === undefined || response === null) return success;
  if (typeof response !== 'object' || Array.isArray(response)) {
    return {
      ok: false,
      reason: `invalid response: ${typeof response === 'object' ? 'an array' : typeof response}`,
    };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return success;
  if (!Array.isArray(failures))
    return { ok: false, reason: 'invalid response: batchItemFailures is not a list' };
  const known = new Set(messageIds);
  const failed = new Set<string>();
  for (const failure of failures) {
    const id =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || id === '') {
      return { ok: false, reason: 'invalid response: a batch item failure has no itemIdentifier' };
    }
    if (!known.has(id))
      return { ok: false, reason: `invalid response: itemIdentifier ${id} is not in the batch` };
    failed.add(id);
  }
  return { ok: true, failed };
}

function toRecord(message: Message, eventSourceARN: string, awsRegion: string): SQSRecord {
  const attributes = (message.Attributes ?? {}) as Record<string, string>;
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...attributes,
    } as SQSRecordAttributes,
    messageAttributes: toRecordAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
}

function toRecordAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
      },
    ]),
  );
}

function lambdaContext(spec: HandlerSpec, region: string, deadline: number): Context {
  const unsupported = () => {
    throw new Error('callback-style context methods are not supported; return a promise');
  };
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: spec.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${spec.name}`,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${spec.name}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

async function withDeadline<T>(work: Promise<T>, deadline: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([work.then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
