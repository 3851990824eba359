import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, makeFrame } from '../../shared/frames.js';
import { sqsBatchHandler } from '../../shared/lambda/sqs-batch.js';
import { notice } from '../helpers/fakes.js';
import { lambdaContext, sqsEvent, sqsRecord } from '../helpers/sqs-events.js';

describe('sqsBatchHandler', () => {
  const good = encodeFrame(makeFrame('notice', 'local', 'n-1', { notice: notice() }));

  function build() {
    const handled: string[] = [];
    const errors: unknown[] = [];
    const logger = new Logger({ serviceName: 'test' });
    logger.error = (...args: unknown[]) => void errors.push(args);
    const handler = sqsBatchHandler({
      logger,
      metrics: new Metrics({ serviceName: 'test', namespace: 'test' }),
      recordHandler: async (record) => {
        handled.push(decodeFrame('notice', record.body).id);
      },
    });
    return { handler, handled, errors };
  }

  it('fails only the bad records of a batch, with the reason logged', async () => {
    const { handler, handled, errors } = build();
    const event = sqsEvent(sqsRecord(good, 'm1'), sqsRecord('not json', 'm2', 3), sqsRecord('{"v":1}', 'm3'));
    const response = await handler(event, lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }]);
    expect(handled).toEqual(['n-1']);
    expect(JSON.stringify(errors)).toContain('not JSON');
    expect(JSON.stringify(errors)).toContain('"receiveCount":3');
  });

  it('reports no failures for a clean batch', async () => {
    const { handler } = build();
    const response = await handler(sqsEvent(sqsRecord(good, 'm1'), sqsRecord(good, 'm2')), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
  });
});
