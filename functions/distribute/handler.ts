import { decodeFrame } from '../../shared/frames.js';
import { createHandlerRuntime, readHandlerConfig } from '../../shared/lambda/runtime.js';
import { sqsBatchHandler } from '../../shared/lambda/sqs-batch.js';
import { allTransportQueues } from '../../shared/topology.js';
import { distributeNotice } from './distribute.js';

const runtime = createHandlerRuntime('distribute', readHandlerConfig(process.env, allTransportQueues()));

export const handler = sqsBatchHandler({
  ...runtime,
  recordHandler: async (record) => {
    await distributeNotice(decodeFrame('notice', record.body), runtime);
  },
});
