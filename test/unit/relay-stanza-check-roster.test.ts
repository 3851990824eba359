import { describe, expect, it } from 'vitest';
import { rosterRemove, subscribeRequest, unsubscribeBothWays } from '../../shared/roster.js';
import { checkStanza } from '../../xmpp-relay/stanza-check.js';

// The roster and presence stanzas of address confirmation pass the relay's last gate
// (RFC 6121 §2.5, §3.1, §3.2, §3.3); an iq without `to` passes only as a change of one roster item.
const jid = 'dave@example.org';

describe('checkStanza with roster and subscription stanzas', () => {
  it('accepts subscribe, unsubscribed, unsubscribe and the roster removal', () => {
    const stanzas = [subscribeRequest(jid, 's'), ...unsubscribeBothWays(jid, 'u'), rosterRemove(jid, 'r')];
    const elements = stanzas.map((stanza, index) => checkStanza(index, stanza));
    expect(elements.map((e) => [e.name, e.attrs.type])).toEqual([
      ['presence', 'subscribe'],
      ['presence', 'unsubscribed'],
      ['presence', 'unsubscribe'],
      ['iq', 'set'],
    ]);
    const item = elements[3]?.getChild('query', 'jabber:iq:roster')?.getChild('item');
    expect(item?.attrs).toMatchObject({ jid, subscription: 'remove' });
    expect(elements[3]?.attrs.to).toBeUndefined();
  });

  it.each([
    ["a roster item other than the frame's to", rosterRemove('eve@example.org', 'r').xml],
    ['an iq get', `<iq type="get" id="r"><query xmlns="jabber:iq:roster"/></iq>`],
    [
      'two roster items',
      `<iq type="set" id="r"><query xmlns="jabber:iq:roster"><item jid="${jid}" subscription="remove"/><item jid="${jid}"/></query></iq>`,
    ],
    [
      'an iq of another namespace',
      `<iq type="set" id="r"><query xmlns="jabber:iq:private"><item jid="${jid}"/></query></iq>`,
    ],
    ['a message without to', '<message type="chat"><body>hi</body></message>'],
  ])('refuses %s without a matching to', (_, xml) => {
    expect(() => checkStanza(0, { id: 'r', to: jid, xml })).toThrow(/differs from the frame/);
  });
});
