import { createSqsClient } from '../../shared/aws/clients.js';
import { readInteger } from '../../shared/config.js';
import { createHandlerRuntime, readHandlerConfig } from '../../shared/lambda/runtime.js';
import { sqsBatchHandler } from '../../shared/lambda/sqs-batch.js';
import { readMaxStanzasPerMessage, SqsQueueLimits } from '../../shared/queue-limits.js';
import { SiteSettingsCache } from '../../shared/site-settings.js';
import { HANDLERS } from '../../shared/topology.js';
import { decodeImNotifyFrame } from './frame.js';
import { notifyPage } from './im-notify.js';

const config = readHandlerConfig(process.env, ['xmpp-out', 'im-notify']);
const runtime = createHandlerRuntime('im-notify', config);
const settings = new SiteSettingsCache(
  runtime.store,
  readInteger(process.env, 'SITE_SETTINGS_TTL_SECONDS', 30, 0, 3600) * 1000,
);
const queueLimits = new SqsQueueLimits(
  createSqsClient(config),
  config.queueUrls,
  readMaxStanzasPerMessage(process.env),
);
const pageSize = readInteger(process.env, 'IM_NOTIFY_PAGE_SIZE', 1000, 1, 100_000);
const parallelism = readInteger(process.env, 'IM_NOTIFY_PARALLELISM', 8, 1, 64);
// A page's claim lasts as long as an invocation can: after that its holder is gone.
const claimSeconds = HANDLERS.find((spec) => spec.name === 'im-notify')?.timeoutSeconds ?? 120;

export const handler = sqsBatchHandler({
  ...runtime,
  recordHandler: async (record) => {
    const limits = { pageSize, parallelism, claimSeconds, packing: await queueLimits.packing('xmpp-out') };
    // The message id holds the page's claim, so a Lambda retry of this message carries on.
    await notifyPage(decodeImNotifyFrame(record.body), record.messageId, { ...runtime, settings, limits });
  },
});
