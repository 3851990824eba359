import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createDocumentClient, createSqsClient } from '../aws/clients.js';
import { type Env, readOptionalUrl, readString, readUrl } from '../config.js';
import { type FrameSender, SqsFrameSender } from '../queue.js';
import { DynamoStore } from '../store/dynamo-store.js';
import type { ConfirmationStore, Store } from '../store/types.js';
import { type QueueName, queueUrlEnvName } from '../topology.js';

/** Configuration every queue handler shares, read and validated once per cold start. */
export interface HandlerConfig {
  readonly region: string;
  readonly tableName: string;
  readonly sqsEndpoint?: string;
  readonly dynamoEndpoint?: string;
  readonly queueUrls: Readonly<Partial<Record<QueueName, string>>>;
}

export function readHandlerConfig(env: Env, sendsTo: readonly QueueName[]): HandlerConfig {
  const queueUrls: Partial<Record<QueueName, string>> = {};
  for (const queue of sendsTo) queueUrls[queue] = readUrl(env, queueUrlEnvName(queue));
  return {
    region: readString(env, 'AWS_REGION', 'us-east-1'),
    tableName: readString(env, 'TABLE_NAME'),
    sqsEndpoint: readOptionalUrl(env, 'AWS_ENDPOINT_URL_SQS'),
    dynamoEndpoint: readOptionalUrl(env, 'AWS_ENDPOINT_URL_DYNAMODB'),
    queueUrls,
  };
}

/** The I/O edges of a handler, built once at module scope and reused across invocations. */
export interface HandlerRuntime {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Also keeps address confirmations (issue 4), for the site API and im-inbound's confirm-by-chat. */
  readonly store: Store & ConfirmationStore;
  readonly sender: FrameSender;
}

export function createHandlerRuntime(serviceName: string, config: HandlerConfig): HandlerRuntime {
  const endpoints = {
    region: config.region,
    sqsEndpoint: config.sqsEndpoint,
    dynamoEndpoint: config.dynamoEndpoint,
  };
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ serviceName, namespace: 'noticeflow' }),
    store: new DynamoStore(createDocumentClient(endpoints), config.tableName),
    sender: new SqsFrameSender(createSqsClient(endpoints), config.queueUrls),
  };
}
