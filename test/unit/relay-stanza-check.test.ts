import type { Element } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import { checkStanza, checkStanzaFrame } from '../../xmpp-relay/stanza-check.js';
import { rawStanzasBody, stanzasBody } from '../helpers/relay-fakes.js';

const to = 'alice@example.org';
const check = (xml: string) => checkStanza(0, { id: 's1', to, xml });

describe('checkStanza', () => {
  it('accepts a chat message and stamps the stanza id when the root has none', () => {
    const element = check(`<message type="chat" to="${to}"><body>hi &amp; bye</body></message>`);
    expect(element.name).toBe('message');
    expect(element.attrs.id).toBe('s1');
    expect(element.getChildText('body')).toBe('hi & bye');
  });

  it('keeps escaped markup as text: re-serialized, it is escaped again', () => {
    const element = check(`<message to="${to}"><body>&lt;/body&gt;&lt;iq type="set"/&gt;</body></message>`);
    expect(element.getChildText('body')).toBe('</body><iq type="set"/>');
    expect(element.toString()).toContain('&lt;/body&gt;&lt;iq type="set"/&gt;');
    expect(element.getChild('iq')).toBeUndefined();
  });

  it.each([
    ['raw control character', `<message to="${to}"><body>a\u0001b</body></message>`, /U\+0001/],
    ['control character reference', `<message to="${to}"><body>a&#1;b</body></message>`, /not well-formed/],
    ['surrogate reference', `<message to="${to}"><body>&#xD800;</body></message>`, /not well-formed/],
    ['U+FFFE', `<message to="${to}"><body>\uFFFE</body></message>`, /U\+FFFE/],
    ['control character in an attribute', `<message to="${to}" id="a\u0002"/>`, /U\+0002/],
    ['unclosed root', `<message to="${to}"><body>x</body>`, /not closed/],
    ['mismatched tags', `<message to="${to}"><body>x</message>`, /not well-formed/],
    ['two roots', `<message to="${to}"/><iq type="set" to="${to}"/>`, /more than one root/],
    ['text after the root', `<message to="${to}"/>trailing`, /content after the root/],
    ['text only', 'hello', /not well-formed|no root/],
    [
      'injection closing the body early',
      `<message to="${to}"><body></body><iq type="set"/></body></message>`,
      /not well-formed/,
    ],
    ['stream element', `<stream:stream to="${to}"/>`, /is not message, presence or iq/],
    ['other root', `<body to="${to}"/>`, /is not message, presence or iq/],
    ['foreign namespace', `<message xmlns="jabber:server" to="${to}"/>`, /namespace/],
    ['comment', `<message to="${to}"><!-- x --></message>`, /comments/],
    ['processing instruction', `<?xml version="1.0"?><message to="${to}"/>`, /processing instructions/],
    ['DTD', `<!DOCTYPE x [<!ENTITY a "b">]><message to="${to}"/>`, /DTDs/],
    ['undeclared entity', `<message to="${to}"><body>&a;</body></message>`, /not well-formed/],
    ['different recipient', '<message to="mallory@example.org"/>', /differs from the frame/],
  ])('refuses %s', (_name, xml, reason) => {
    expect(() => check(xml)).toThrow(reason);
  });
});

describe('checkStanzaFrame', () => {
  it('returns every stanza of a valid frame as an Element', () => {
    const result = checkStanzaFrame(
      stanzasBody('f1', [
        { id: 'a', body: 'one' },
        { id: 'b', body: 'two' },
      ]),
    );
    expect(result.ok && result.elements.map((e) => e.attrs.id)).toEqual(['a', 'b']);
  });

  it('refuses a whole frame when one stanza is bad, naming it', () => {
    const body = rawStanzasBody('f2', [
      { id: 'a', to, xml: `<message to="${to}"><body>ok</body></message>` },
      { id: 'b', to, xml: `<message to="${to}"><body>\u0001</body></message>` },
    ]);
    expect(checkStanzaFrame(body)).toEqual({ ok: false, reason: expect.stringMatching(/^stanza 1: /) });
  });

  it('refuses bodies that are not stanzas frames', () => {
    expect(checkStanzaFrame('not json')).toEqual({ ok: false, reason: expect.stringMatching(/not JSON/) });
    expect(checkStanzaFrame('{"v":1,"kind":"notice"}')).toMatchObject({ ok: false });
  });
});

describe('checkStanzaFrame with a broadcast', () => {
  const broadcastBody = (xml: string, recipients: { id: string; to: string }[], extra = {}) =>
    JSON.stringify({
      v: 1,
      kind: 'stanzas',
      site: 'test',
      id: 'b1',
      ts: new Date().toISOString(),
      payload: { broadcast: { xml, recipients }, ...extra },
    });
  const recipients = [
    { id: 'n-1', to: 'bob@example.org' },
    { id: 'n-2', to: 'carol@example.org' },
  ];

  it('writes one copy per recipient, each with its own to and id and the same content', () => {
    const result = checkStanzaFrame(
      broadcastBody('<message type="chat"><body>a &amp; b</body></message>', recipients),
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.elements.map((e) => e.toString())).toEqual([
      '<message type="chat" to="bob@example.org" id="n-1"><body>a &amp; b</body></message>',
      '<message type="chat" to="carol@example.org" id="n-2"><body>a &amp; b</body></message>',
    ]);
    // A copy resent by stream management gets a <delay/>; the other copies must not.
    result.elements[0]?.append(new (result.elements[0].constructor as typeof Element)('delay'));
    expect(result.elements[1]?.children).toHaveLength(1);
  });

  it('escapes a recipient address when writing it, never splicing it into markup', () => {
    const result = checkStanzaFrame(
      broadcastBody('<message><body>x</body></message>', [{ id: 'q"1', to: 'bob@example.org/a"b<c' }]),
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.elements[0]?.toString()).toBe(
      '<message to="bob@example.org/a&quot;b&lt;c" id="q&quot;1"><body>x</body></message>',
    );
  });

  it.each([
    ['a root with to', `<message to="${to}"><body>x</body></message>`, recipients, /root has to=/],
    ['a root with id', '<message id="x"><body>x</body></message>', recipients, /root has id=/],
    ['an illegal character', '<message><body>\u0001</body></message>', recipients, /U\+0001/],
    ['two roots', '<message/><iq type="set"/>', recipients, /more than one root/],
    ['a recipient that is not a JID', '<message/>', [{ id: 'a', to: 'not a jid' }], /not a JID/],
    ['a control character in a recipient', '<message/>', [{ id: 'a\u0001', to }], /illegal character/],
  ])('refuses a broadcast with %s', (_name, xml, list, reason) => {
    expect(checkStanzaFrame(broadcastBody(xml, list))).toEqual({
      ok: false,
      reason: expect.stringMatching(reason),
    });
  });

  it('refuses a frame with both stanzas and a broadcast, or neither', () => {
    const both = broadcastBody('<message/>', recipients, {
      stanzas: [{ id: 'a', to, xml: `<message to="${to}"/>` }],
    });
    expect(checkStanzaFrame(both)).toEqual({ ok: false, reason: expect.stringMatching(/exactly one/) });
    const neither = JSON.stringify({ ...JSON.parse(both), payload: {} });
    expect(checkStanzaFrame(neither)).toEqual({ ok: false, reason: expect.stringMatching(/exactly one/) });
  });
});

describe('checkStanza: presence and iq', () => {
  it.each(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed'])(
    'accepts a %s presence without a body',
    (type) => {
      const element = check(`<presence type="${type}" to="${to}"/>`);
      expect(element.name).toBe('presence');
      expect(element.attrs).toEqual({ type, to, id: 's1' });
      expect(element.children).toEqual([]);
    },
  );

  it('accepts directed available presence with a status', () => {
    const element = check(`<presence to="${to}"><status>Send me a message</status></presence>`);
    expect(element.getChildText('status')).toBe('Send me a message');
  });

  it('accepts an iq without to: it is addressed to our own account', () => {
    const element = check(
      `<iq type="set" id="r1"><query xmlns="jabber:iq:roster"><item jid="${to}" subscription="remove"/></query></iq>`,
    );
    expect(element.attrs.to).toBeUndefined();
    expect(element.getChild('query', 'jabber:iq:roster')?.getChild('item')?.attrs.jid).toBe(to);
  });

  it.each([
    ['a presence without to', '<presence type="subscribed"/>'],
    ['a message without to', '<message type="chat"><body>hi</body></message>'],
    ['an iq to someone else', '<iq type="set" to="mallory@example.org"/>'],
    ['a presence to someone else', '<presence type="subscribe" to="mallory@example.org"/>'],
  ])('still refuses %s', (_name, xml) => {
    expect(() => check(xml)).toThrow(/differs from the frame/);
  });
});
