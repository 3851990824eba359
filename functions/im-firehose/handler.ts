import { createSqsClient } from '../../shared/aws/clients.js';
import { readInteger } from '../../shared/config.js';
import { decodeFrame } from '../../shared/frames.js';
import { createHandlerRuntime, readHandlerConfig } from '../../shared/lambda/runtime.js';
import { sqsBatchHandler } from '../../shared/lambda/sqs-batch.js';
import { readMaxStanzasPerMessage, SqsQueueLimits } from '../../shared/queue-limits.js';
import { SiteSettingsCache } from '../../shared/site-settings.js';
import { publishToFirehose } from './im-firehose.js';

const config = readHandlerConfig(process.env, ['xmpp-out']);
const runtime = createHandlerRuntime('im-firehose', config);
const deps = {
  ...runtime,
  // Short, so a listener added in the site settings is served without a redeploy.
  settings: new SiteSettingsCache(
    runtime.store,
    readInteger(process.env, 'SITE_SETTINGS_TTL_SECONDS', 30, 0, 3600) * 1000,
  ),
  limits: new SqsQueueLimits(
    createSqsClient(config),
    config.queueUrls,
    readMaxStanzasPerMessage(process.env),
  ),
};

export const handler = sqsBatchHandler({
  ...runtime,
  recordHandler: async (record) => {
    await publishToFirehose(decodeFrame('notice', record.body), deps);
  },
});
