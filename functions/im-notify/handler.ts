import { decodeFrame } from '../../shared/frames.js';
import { createHandlerRuntime, readHandlerConfig } from '../../shared/lambda/runtime.js';
import { sqsBatchHandler } from '../../shared/lambda/sqs-batch.js';
import { notifySubscribers } from './im-notify.js';

const runtime = createHandlerRuntime('im-notify', readHandlerConfig(process.env, ['xmpp-out']));

export const handler = sqsBatchHandler({
  ...runtime,
  recordHandler: async (record) => {
    await notifySubscribers(decodeFrame('notice', record.body), runtime);
  },
});
