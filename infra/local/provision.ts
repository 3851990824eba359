import { CreateTableCommand, DescribeTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableDefinition } from '../../shared/store/table.js';
import {
  deadLetterQueueName,
  MAX_RECEIVE_COUNT,
  QUEUES,
  type QueueName,
  visibilityTimeoutSeconds,
} from '../../shared/topology.js';

/**
 * Creates what the topology declares: every queue with its dead-letter queue and
 * redrive policy, and the table. Safe to run again on existing resources.
 */
export interface Provisioned {
  readonly queueUrls: Record<QueueName, string>;
  readonly dlqUrls: Record<QueueName, string>;
}

/** Dead letters are kept as long as SQS allows, so they can be inspected and redriven. */
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
const TABLE_ACTIVE_DEADLINE_MS = 10_000;

export async function provision(options: {
  sqs: SQSClient;
  dynamo: DynamoDBDocumentClient;
  tableName: string;
}): Promise<Provisioned> {
  const queueUrls = {} as Record<QueueName, string>;
  const dlqUrls = {} as Record<QueueName, string>;
  for (const spec of QUEUES) {
    const queue = await ensureQueue(options.sqs, {
      name: spec.name,
      visibilityTimeoutSeconds: visibilityTimeoutSeconds(spec),
      maxMessageBytes: spec.maxMessageBytes,
    });
    queueUrls[spec.name] = queue.url;
    dlqUrls[spec.name] = queue.dlqUrl;
  }
  await ensureTable(options.dynamo, options.tableName);
  return { queueUrls, dlqUrls };
}

export interface QueueWithDlq {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
}

/** One queue and its dead-letter queue. Tests use it directly for short visibility timeouts. */
export async function ensureQueue(
  sqs: SQSClient,
  options: {
    name: string;
    visibilityTimeoutSeconds: number;
    maxReceiveCount?: number;
    /** MaximumMessageSize of the queue and its dead-letter queue (which must hold any message). */
    maxMessageBytes?: number;
  },
): Promise<QueueWithDlq> {
  const size: Record<string, string> = options.maxMessageBytes
    ? { MaximumMessageSize: String(options.maxMessageBytes) }
    : {};
  const dlqUrl = await createOrUpdateQueue(sqs, deadLetterQueueName(options.name as QueueName), {
    MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
    ...size,
  });
  const redrivePolicy = {
    deadLetterTargetArn: await queueArn(sqs, dlqUrl),
    maxReceiveCount: options.maxReceiveCount ?? MAX_RECEIVE_COUNT,
  };
  const url = await createOrUpdateQueue(sqs, options.name, {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify(redrivePolicy),
    ...size,
  });
  return { url, arn: await queueArn(sqs, url), dlqUrl };
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${queueUrl} has no QueueArn`);
  return arn;
}

/** CreateQueue is idempotent only for identical attributes; otherwise update in place. */
async function createOrUpdateQueue(sqs: SQSClient, name: string, attributes: Record<string, string>) {
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (!QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
    return QueueUrl;
  } catch (error) {
    if (!isQueueNameExists(error)) throw error;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`GetQueueUrl ${name} returned no URL`);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return QueueUrl;
  }
}

export async function ensureTable(dynamo: DynamoDBDocumentClient, tableName: string) {
  try {
    await dynamo.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const deadline = Date.now() + TABLE_ACTIVE_DEADLINE_MS;
  for (;;) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is ${Table?.TableStatus}, not ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** fauxqs answers with the legacy code `AWS.SimpleQueueService.QueueNameExists`, which the SDK maps to no class. */
function isQueueNameExists(error: unknown): boolean {
  if (error instanceof QueueNameExists) return true;
  const code = (error as { Code?: string; name?: string }).Code ?? (error as { name?: string }).name ?? '';
  return code.endsWith('QueueNameExists');
}
