/**
 * The benchmark's services, in a child process of their own: fauxqs, dynalite and the
 * relay's output drain (over a link that acknowledges at once). In AWS none of these share
 * a thread with the fan-out function; in one Node process they would, and the benchmark
 * would measure the emulators' CPU instead of the fan-out's round trips. The floor reads
 * the same emulators across the same process boundary.
 *
 * Talks to its parent over IPC (see ServicesMessage and ParentMessage).
 */

import { startEmulators } from '../infra/local/emulators.js';
import { createSqsClient } from '../shared/aws/clients.js';
import { DEFAULT_DRAIN } from '../xmpp-relay/config.js';
import { type Relay, startRelay } from '../xmpp-relay/relay.js';
import { RequestCounter } from './counting.js';
import { InstantAckLink } from './instant-link.js';

export type ParentMessage =
  | { type: 'relay'; site: string; queueUrls: Record<'xmpp-out' | 'xmpp-out-priority' | 'xmpp-in', string> }
  | { type: 'acked' }
  | { type: 'stop' };

export type ServicesMessage =
  | { type: 'ready'; sqsEndpoint: string; dynamoEndpoint: string }
  | { type: 'relay-started' }
  | { type: 'acked'; stanzas: number }
  | { type: 'stopped'; relayRequests: Record<string, number> };

const send = (message: ServicesMessage) => process.send?.(message);
const emulators = await startEmulators({ sqsPort: 0, dynamoPort: 0 });
const endpoints = {
  region: 'us-east-1',
  sqsEndpoint: emulators.sqsEndpoint,
  dynamoEndpoint: emulators.dynamoEndpoint,
};
const counter = new RequestCounter();
const link = new InstantAckLink();
let relay: Relay | undefined;

process.on('message', async (message: ParentMessage) => {
  switch (message.type) {
    case 'relay': {
      const sqs = counter.attach(createSqsClient(endpoints));
      relay = await startRelay(
        {
          site: message.site,
          xmpp: {} as never, // the link is replaced: no XMPP settings are read
          queues: {
            out: message.queueUrls['xmpp-out'],
            outPriority: message.queueUrls['xmpp-out-priority'],
            in: message.queueUrls['xmpp-in'],
          },
          aws: endpoints,
          drain: { ...DEFAULT_DRAIN, waitSeconds: 1 },
          logLevel: 'error',
          stopGraceMs: 1000,
        },
        { link, sqs },
      );
      send({ type: 'relay-started' });
      return;
    }
    case 'acked':
      send({ type: 'acked', stanzas: link.stanzas });
      return;
    case 'stop':
      await relay?.stop();
      await emulators.stop();
      send({ type: 'stopped', relayRequests: Object.fromEntries(counter.calls) });
      process.disconnect();
      return;
  }
});
send({ type: 'ready', ...endpoints });
