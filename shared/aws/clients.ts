import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * AWS client factories. In AWS the endpoints come from the SDK's defaults; locally they
 * point at the emulators. fauxqs puts an unresolvable host in queue URLs, so the SQS
 * client must not use the queue URL as its endpoint.
 */
export interface AwsEndpoints {
  readonly region: string;
  readonly sqsEndpoint?: string;
  readonly dynamoEndpoint?: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function createSqsClient(endpoints: AwsEndpoints): SQSClient {
  return new SQSClient({
    region: endpoints.region,
    ...(endpoints.sqsEndpoint
      ? { endpoint: endpoints.sqsEndpoint, useQueueUrlAsEndpoint: false, credentials: LOCAL_CREDENTIALS }
      : {}),
  });
}

export function createDocumentClient(endpoints: AwsEndpoints): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: endpoints.region,
    ...(endpoints.dynamoEndpoint
      ? { endpoint: endpoints.dynamoEndpoint, credentials: LOCAL_CREDENTIALS }
      : {}),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
