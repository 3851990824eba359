import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * A queue handler module for the local event-source harness tests, loaded by path like the
 * real ones: records whose body starts with "fail" are reported failed. It throws (failing
 * the whole batch) when the event or context is not what Lambda would pass.
 */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  for (const record of event.Records) {
    const realistic =
      record.eventSource === 'aws:sqs' &&
      record.eventSourceARN.startsWith('arn:aws:sqs:') &&
      Number(record.attributes.ApproximateReceiveCount) >= 1 &&
      record.receiptHandle.length > 0;
    if (!realistic) throw new Error(`unrealistic record ${JSON.stringify(record)}`);
  }
  if (!context.awsRequestId || context.getRemainingTimeInMillis() <= 0)
    throw new Error('unrealistic context');
  return {
    batchItemFailures: event.Records.filter((record) => record.body.startsWith('fail')).map((record) => ({
      itemIdentifier: record.messageId,
    })),
  };
}
