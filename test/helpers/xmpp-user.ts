import { type Element, xml } from '@xmpp/xml';
import { eventually } from './eventually.js';
import { startTestSession, whileOnline } from './xmpp-session.js';

export interface ReceivedChat {
  readonly from: string;
  readonly type: string | undefined;
  readonly body: string;
  readonly stanza: Element;
}

export interface ReceivedPresence {
  readonly from: string;
  /** `available` when the stanza has no type (RFC 6121 §4.7.1). */
  readonly type: string;
  readonly status: string | null;
  readonly stanza: Element;
}

export interface RosterItem {
  readonly jid: string;
  readonly subscription: string;
  readonly ask?: string;
}

/**
 * A real XMPP user logged in to the test server, recording the chat messages and the
 * presence stanzas it receives.
 */
export interface XmppUser {
  readonly received: ReceivedChat[];
  readonly presences: ReceivedPresence[];
  /** Sends a chat message; `id` repeats a stanza id on purpose (a resent stanza). */
  say(to: string, body: string, id?: string): Promise<void>;
  /** Sends `<presence type=".." to=".."/>`, e.g. a subscription request (RFC 6121 §3). */
  sendPresence(to: string, type: string): Promise<void>;
  waitForBody(match: (body: string) => boolean, timeoutMs?: number): Promise<ReceivedChat>;
  waitForPresence(
    match: (presence: ReceivedPresence) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedPresence>;
  /** The user's roster as the server has it (RFC 6121 §2.1.3). */
  roster(): Promise<RosterItem[]>;
  stop(): Promise<void>;
}

export async function connectUser(options: {
  service: string;
  domain: string;
  username: string;
  password: string;
}): Promise<XmppUser> {
  const received: ReceivedChat[] = [];
  const presences: ReceivedPresence[] = [];
  const rosterResults = new Map<string, (result: Element) => void>();
  // Stanza ids must differ: the bot processes a (sender, stanza id) pair once.
  let said = 0;
  const session = await startTestSession({ ...options, resource: 'test' }, (stanza) => {
    if (stanza.is('presence')) {
      presences.push({
        from: String(stanza.attrs.from),
        type: stanza.attrs.type ?? 'available',
        status: stanza.getChildText('status'),
        stanza,
      });
    } else if (stanza.is('iq') && stanza.attrs.id !== undefined) {
      rosterResults.get(stanza.attrs.id)?.(stanza);
    }
    if (!stanza.is('message')) return;
    const body = stanza.getChildText('body');
    if (body !== null)
      received.push({ from: String(stanza.attrs.from), type: stanza.attrs.type, body, stanza });
  });
  const { xmpp } = session;
  await xmpp.send(xml('presence'));
  let rosterQueries = 0;
  return {
    received,
    presences,
    async say(to, body, id = `t-${Date.now()}-${++said}`) {
      await xmpp.send(xml('message', { to, type: 'chat', id }, xml('body', {}, body)));
    },
    async sendPresence(to, type) {
      await xmpp.send(xml('presence', { to, type }));
    },
    waitForBody(match, timeoutMs = 10_000) {
      return eventually(
        whileOnline(session, () => received.find((m) => match(m.body))),
        {
          timeoutMs,
          what: `a message matching ${match}`,
        },
      );
    },
    waitForPresence(match, timeoutMs = 10_000) {
      return eventually(
        whileOnline(session, () => presences.find(match)),
        { timeoutMs, what: `a presence matching ${match}` },
      );
    },
    async roster() {
      const id = `roster-${++rosterQueries}`;
      let result: Element | undefined;
      rosterResults.set(id, (stanza) => {
        result = stanza;
      });
      try {
        await xmpp.send(xml('iq', { type: 'get', id }, xml('query', { xmlns: 'jabber:iq:roster' })));
        const answer = await eventually(
          whileOnline(session, () => result),
          { what: `the roster result ${id}` },
        );
        const query = answer.getChild('query', 'jabber:iq:roster');
        return (query?.children ?? [])
          .filter((child): child is Element => typeof child !== 'string' && child.is('item'))
          .map((item) => ({
            jid: String(item.attrs.jid),
            subscription: item.attrs.subscription ?? 'none',
            ...(item.attrs.ask ? { ask: item.attrs.ask } : {}),
          }));
      } finally {
        rosterResults.delete(id);
      }
    },
    async stop() {
      await xmpp.stop().catch(() => {});
    },
  };
}

/** The links of a message's XHTML-IM body (XEP-0071), as [href, text] pairs in order. */
export function xhtmlLinks(stanza: Element): [string | undefined, string][] {
  const xhtml = stanza.getChild('html', 'http://jabber.org/protocol/xhtml-im');
  return (xhtml?.getChild('body')?.children ?? [])
    .filter((child): child is Element => typeof child !== 'string' && child.name === 'a')
    .map((a) => [a.attrs.href, a.getText()]);
}
