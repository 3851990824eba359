export { type RelayConfig, readRelayConfig } from './config.js';
export type { LinkState, LinkStatus, XmppLink } from './link.js';
export type { Lane, OutputQueues, QueueMessage } from './output-queues.js';
export {
  Relay,
  type RelayDeps,
  type RelayExit,
  type RelayState,
  type RelayStatus,
  startRelay,
} from './relay.js';
