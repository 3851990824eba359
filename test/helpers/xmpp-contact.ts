import { xml } from '@xmpp/xml';
import { eventually } from './eventually.js';
import { startTestSession, whileOnline } from './xmpp-session.js';

/**
 * A real XMPP user that, unlike xmpp-user.ts, records presence stanzas too (subscription
 * requests and cancellations, RFC 6121 §3) in the order they arrive with messages, and can
 * answer them.
 */
export interface ReceivedStanza {
  readonly kind: 'message' | 'presence';
  readonly from: string;
  readonly type: string | undefined;
  readonly body: string | null;
}

export interface XmppContact {
  readonly received: ReceivedStanza[];
  presence(to: string, type: string): Promise<void>;
  waitFor(match: (stanza: ReceivedStanza) => boolean, what: string, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

const ROSTER_REQUEST_ID = 'roster-1';

export async function connectContact(options: {
  service: string;
  domain: string;
  username: string;
  password: string;
}): Promise<XmppContact> {
  const received: ReceivedStanza[] = [];
  let rosterLoaded = false;
  const session = await startTestSession({ ...options, resource: 'contact' }, (stanza) => {
    if (stanza.is('iq') && stanza.attrs.id === ROSTER_REQUEST_ID) rosterLoaded = true;
    if (!stanza.is('message') && !stanza.is('presence')) return;
    received.push({
      kind: stanza.is('message') ? 'message' : 'presence',
      from: String(stanza.attrs.from),
      type: stanza.attrs.type,
      body: stanza.getChildText('body'),
    });
  });
  const { xmpp } = session;
  // Like any real client, fetch the roster: Prosody sends subscription changes only to
  // "interested" resources, the ones that did (RFC 6121 §2.1.6, §3.2.3).
  await xmpp.send(
    xml('iq', { type: 'get', id: ROSTER_REQUEST_ID }, xml('query', { xmlns: 'jabber:iq:roster' })),
  );
  await eventually(
    whileOnline(session, () => rosterLoaded),
    { what: `${options.username}'s roster` },
  );
  await xmpp.send(xml('presence'));
  return {
    received,
    async presence(to, type) {
      await xmpp.send(xml('presence', { to, type }));
    },
    /** Waits for a matching stanza; returns its index in `received`. */
    waitFor(match, what, timeoutMs = 10_000) {
      return eventually(
        whileOnline(session, () => {
          const index = received.findIndex(match);
          return index === -1 ? undefined : index;
        }),
        { timeoutMs, what },
      );
    },
    async stop() {
      await xmpp.stop().catch(() => {});
    },
  };
}
