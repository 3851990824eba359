import { readInteger } from '../../shared/config.js';
import { createHandlerRuntime, readHandlerConfig } from '../../shared/lambda/runtime.js';
import { sqsBatchHandler } from '../../shared/lambda/sqs-batch.js';
import { SiteSettingsCache } from '../../shared/site-settings.js';
import { HANDLERS } from '../../shared/topology.js';
import { decodeImInboundFrame } from './frame.js';
import { handleInboundChat } from './im-inbound.js';
import { REPLIES_PER_MINUTE } from './outbound.js';
import { handleInboundPresence } from './presence.js';

const runtime = createHandlerRuntime(
  'im-inbound',
  readHandlerConfig(process.env, ['notices', 'xmpp-out-priority']),
);
// The `[Site name]` prefix and the text limit come from the site settings, not the deployment.
const settings = new SiteSettingsCache(
  runtime.store,
  readInteger(process.env, 'SITE_SETTINGS_TTL_SECONDS', 30, 0, 3600) * 1000,
);
// Most messages the bot sends one JID per minute, whatever it sends (bot-to-bot loop guard).
const repliesPerMinute = readInteger(process.env, 'IM_REPLIES_PER_MINUTE', REPLIES_PER_MINUTE, 1, 1000);
// A claim on a stanza lasts as long as an invocation can: after that its holder is gone.
const claimSeconds = HANDLERS.find((spec) => spec.name === 'im-inbound')?.timeoutSeconds ?? 30;

export const handler = sqsBatchHandler({
  ...runtime,
  recordHandler: async (record) => {
    const frame = decodeImInboundFrame(record.body);
    if (frame.kind === 'presence-in') await handleInboundPresence(frame, runtime);
    else await handleInboundChat(frame, { ...runtime, settings, repliesPerMinute, claimSeconds });
  },
});
