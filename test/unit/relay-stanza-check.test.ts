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
