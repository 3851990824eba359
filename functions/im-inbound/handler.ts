import { readString } from '../../shared/config.js';
import { createHandlerRuntime, readHandlerConfig } from '../../shared/lambda/runtime.js';
import { sqsBatchHandler } from '../../shared/lambda/sqs-batch.js';
import { decodeImInboundFrame } from './frame.js';
import { handleInboundChat } from './im-inbound.js';
import { handleInboundPresence } from './presence.js';

const runtime = createHandlerRuntime(
  'im-inbound',
  readHandlerConfig(process.env, ['notices', 'xmpp-out-priority']),
);
const siteName = readString(process.env, 'SITE_NAME', 'noticeflow');

export const handler = sqsBatchHandler({
  ...runtime,
  recordHandler: async (record) => {
    const frame = decodeImInboundFrame(record.body);
    if (frame.kind === 'presence-in') await handleInboundPresence(frame, runtime);
    else await handleInboundChat(frame, { ...runtime, siteName });
  },
});
