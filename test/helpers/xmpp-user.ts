import { type Client, client } from '@xmpp/client';
import { type Element, xml } from '@xmpp/xml';
import { eventually } from './eventually.js';

export interface ReceivedChat {
  readonly from: string;
  readonly type: string | undefined;
  readonly body: string;
  readonly stanza: Element;
}

/** A real XMPP user logged in to the test server, recording the chat messages it receives. */
export interface XmppUser {
  readonly received: ReceivedChat[];
  say(to: string, body: string): Promise<void>;
  waitForBody(match: (body: string) => boolean, timeoutMs?: number): Promise<ReceivedChat>;
  stop(): Promise<void>;
}

export async function connectUser(options: {
  service: string;
  domain: string;
  username: string;
  password: string;
}): Promise<XmppUser> {
  const xmpp: Client = client({ ...options, resource: 'test' });
  const received: ReceivedChat[] = [];
  // Stanza ids must differ: the bot processes a (sender, stanza id) pair once.
  let said = 0;
  xmpp.on('error', () => {}); // a failed login rejects start(); late errors end the test by timeout
  xmpp.on('stanza', (stanza: Element) => {
    if (!stanza.is('message')) return;
    const body = stanza.getChildText('body');
    if (body !== null)
      received.push({ from: String(stanza.attrs.from), type: stanza.attrs.type, body, stanza });
  });
  await xmpp.start();
  await xmpp.send(xml('presence'));
  return {
    received,
    async say(to, body) {
      await xmpp.send(
        xml('message', { to, type: 'chat', id: `t-${Date.now()}-${++said}` }, xml('body', {}, body)),
      );
    },
    waitForBody(match, timeoutMs = 10_000) {
      return eventually(() => received.find((m) => match(m.body)), {
        timeoutMs,
        what: `a message matching ${match}`,
      });
    },
    async stop() {
      await xmpp.stop().catch(() => {});
    },
  };
}
