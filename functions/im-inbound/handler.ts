import { readString } from '../../shared/config.js';
import { decodeFrame } from '../../shared/frames.js';
import { createHandlerRuntime, readHandlerConfig } from '../../shared/lambda/runtime.js';
import { sqsBatchHandler } from '../../shared/lambda/sqs-batch.js';
import { handleInboundChat } from './im-inbound.js';

const runtime = createHandlerRuntime(
  'im-inbound',
  readHandlerConfig(process.env, ['notices', 'xmpp-out-priority']),
);
const siteName = readString(process.env, 'SITE_NAME', 'noticeflow');

export const handler = sqsBatchHandler({
  ...runtime,
  recordHandler: async (record) => {
    await handleInboundChat(decodeFrame('chat-in', record.body), { ...runtime, siteName });
  },
});
