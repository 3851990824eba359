import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { describeError, isPermanent } from '../errors.js';

export type RecordHandler = (record: SQSRecord) => Promise<void>;

/**
 * The one composition every queue handler uses: middy for logging context and metrics,
 * Powertools `processPartialResponse` for the partial batch response. A record fails by
 * throwing; its failure is logged with the reason and counted, and SQS redelivers it
 * until the queue's redrive policy moves it to the dead-letter queue.
 */
export function sqsBatchHandler(options: { logger: Logger; metrics: Metrics; recordHandler: RecordHandler }) {
  const { logger, metrics, recordHandler } = options;
  const processor = new BatchProcessor(EventType.SQS);

  const loggedRecordHandler = async (record: SQSRecord): Promise<void> => {
    try {
      await recordHandler(record);
      metrics.addMetric('RecordProcessed', MetricUnit.Count, 1);
    } catch (error) {
      metrics.addMetric(isPermanent(error) ? 'RecordRejected' : 'RecordFailed', MetricUnit.Count, 1);
      logger.error('record failed', {
        messageId: record.messageId,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        permanent: isPermanent(error),
        reason: describeError(error),
      });
      throw error;
    }
  };

  return middy(
    async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      processPartialResponse(event, loggedRecordHandler, processor, { context }),
  )
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
