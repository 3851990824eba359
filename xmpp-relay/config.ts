import type { AwsEndpoints } from '../shared/aws/clients.js';
import { type Env, readOptionalUrl, readString, readUrl } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { SiteId } from '../shared/frames.js';
import { parseJid } from '../shared/jid.js';
import { queueUrlEnvName, RELAY_TIMEOUT_SECONDS } from '../shared/topology.js';
import { type BackoffPolicy, DEFAULT_BACKOFF } from './backoff.js';
import { isLogLevel, type LogLevel } from './log.js';

/** Everything the relay needs, read and validated once at the process edge. */
export interface RelayConfig {
  readonly site: string;
  readonly xmpp: XmppSettings;
  readonly queues: { readonly out: string; readonly outPriority: string; readonly in: string };
  readonly aws: AwsEndpoints;
  readonly drain: DrainSettings;
  readonly logLevel: LogLevel;
  /** Bound on waiting for outstanding acknowledgements when stopping. */
  readonly stopGraceMs: number;
}

export interface XmppSettings {
  readonly service: string;
  readonly domain: string;
  readonly username: string;
  /** Secret: never logged; `describeConfig` leaves it out. */
  readonly password: string;
  readonly resource: string;
  /** Status text of the bot's initial presence. */
  readonly presenceStatus: string;
  /** Bound on each connection step (stream open, close) and on the first connection overall. */
  readonly stepTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** XEP-0198 ack request debounce after a write: low, so acks (and SQS deletes) come fast. */
  readonly ackRequestDebounceMs: number;
  readonly reconnect: BackoffPolicy;
}

export interface DrainSettings {
  /** SQS long-poll wait (max 20 s). */
  readonly waitSeconds: number;
  /** Messages per receive (max 10). */
  readonly batchSize: number;
  /** Receive visibility timeout; a held message must be settled well before it runs out. */
  readonly visibilitySeconds: number;
  /** Longest wait for the acks of one message's stanzas. */
  readonly ackTimeoutMs: number;
  /** Held messages are not written when less than this remains of their visibility. */
  readonly visibilityMarginMs: number;
  /** Bound on one SQS delete or inbound send. */
  readonly sqsRequestTimeoutMs: number;
  /** Longest an acknowledged message waits for others to share its DeleteMessageBatch. */
  readonly deleteLingerMs: number;
  /** Backoff after a failed receive. */
  readonly receiveRetry: BackoffPolicy;
  /** How many acknowledged stanza ids are remembered to suppress repeats (0 turns it off). */
  readonly ackedMemory: number;
}

export const DEFAULT_DRAIN: DrainSettings = {
  waitSeconds: 20,
  batchSize: 10,
  visibilitySeconds: RELAY_TIMEOUT_SECONDS,
  ackTimeoutMs: 10_000,
  visibilityMarginMs: 5_000,
  sqsRequestTimeoutMs: 10_000,
  deleteLingerMs: 50,
  receiveRetry: { initialMs: 500, maxMs: 30_000, factor: 2 },
  // About 100 bytes per id: 10 MB at most.
  ackedMemory: 100_000,
};

/**
 * The status text of the bot's available presence (RFC 6121 §4.7.2.2): what a contact sees
 * beside the bot in their roster, so it says what the bot is for.
 */
export const BOT_PRESENCE_STATUS = 'Send me a message to post a notice';

/** Reads the relay configuration; throws ConfigError naming the first bad option. */
export function readRelayConfig(env: Env): RelayConfig {
  const service = readUrl(env, 'XMPP_SERVICE');
  const protocol = new URL(service).protocol;
  if (!['xmpp:', 'xmpps:'].includes(protocol)) {
    throw new ConfigError('XMPP_SERVICE', `must be an xmpp:// or xmpps:// URL, got "${protocol}"`);
  }
  const domain = readString(env, 'XMPP_DOMAIN');
  const username = readString(env, 'XMPP_USERNAME');
  const resource = readString(env, 'XMPP_RESOURCE', 'noticeflow');
  const jid = parseJid(`${username}@${domain}/${resource}`);
  if (!jid || jid.local !== username || jid.domain !== domain) {
    throw new ConfigError('XMPP_USERNAME', 'XMPP_USERNAME@XMPP_DOMAIN/XMPP_RESOURCE is not a valid JID');
  }
  const site = readString(env, 'SITE', 'local');
  if (!SiteId.safeParse(site).success) throw new ConfigError('SITE', 'lowercase letters, digits and -');
  const logLevel = readString(env, 'LOG_LEVEL', 'info').toLowerCase();
  if (!isLogLevel(logLevel)) throw new ConfigError('LOG_LEVEL', 'one of debug, info, warn, error');

  return {
    site,
    xmpp: {
      service,
      domain,
      username,
      password: readString(env, 'XMPP_PASSWORD'),
      resource,
      presenceStatus: BOT_PRESENCE_STATUS,
      stepTimeoutMs: 10_000,
      connectTimeoutMs: 60_000,
      ackRequestDebounceMs: 25,
      reconnect: DEFAULT_BACKOFF,
    },
    queues: {
      out: readUrl(env, queueUrlEnvName('xmpp-out')),
      outPriority: readUrl(env, queueUrlEnvName('xmpp-out-priority')),
      in: readUrl(env, queueUrlEnvName('xmpp-in')),
    },
    aws: {
      region: readString(env, 'AWS_REGION', 'us-east-1'),
      sqsEndpoint: readOptionalUrl(env, 'AWS_ENDPOINT_URL_SQS'),
    },
    drain: DEFAULT_DRAIN,
    logLevel,
    stopGraceMs: 5_000,
  };
}

/** The configuration as a log-safe object (no password). */
export function describeConfig(config: RelayConfig): Record<string, unknown> {
  const { password: _password, ...xmpp } = config.xmpp;
  return { site: config.site, xmpp, queues: config.queues, aws: config.aws };
}
