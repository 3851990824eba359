import parse from '@xmpp/xml/lib/parse.js';
import { describe, expect, it } from 'vitest';
import { chatMessage } from '../../shared/stanza.js';
import { escapeXml, findIllegalXmlChar, stripIllegalXmlChars } from '../../shared/xml.js';

describe('XML safety', () => {
  it('removes every character XML 1.0 forbids and keeps the rest', () => {
    const illegal = '\u0000\u0001\u0008\u000B\u000C\u000E\u001F\uFFFE\uFFFF\uDFFF\uD800'; // low then high: two lone surrogates
    expect(stripIllegalXmlChars(`a${illegal}b\t\n\r`)).toBe('ab\t\n\r');
  });

  it('keeps surrogate pairs (emoji) whole', () => {
    expect(stripIllegalXmlChars('ok 👍🏽 done')).toBe('ok 👍🏽 done');
    expect(stripIllegalXmlChars('\uD83D')).toBe('');
    expect(stripIllegalXmlChars('x\uDC4Dy')).toBe('xy');
  });

  it('finds the first illegal character', () => {
    expect(findIllegalXmlChar('abc')).toBe(-1);
    expect(findIllegalXmlChar('ab\u0001c')).toBe(2);
    expect(findIllegalXmlChar('ab\u0001c')).toBe(2); // no state left behind by the global regex
  });

  it('escapes markup once', () => {
    expect(escapeXml(`<b>&amp;"'`)).toBe('&lt;b&gt;&amp;amp;&quot;&apos;');
  });

  it('renders hostile text as text in a well-formed stanza', () => {
    const text = 'hi </body><iq type="set"/> & \u0001bye\uFFFF';
    const stanza = chatMessage('bob@example.org', 'id-1', text);
    const element = parse(stanza.xml);
    expect(element.name).toBe('message');
    expect(element.children).toHaveLength(1);
    expect(element.getChildText('body')).toBe('hi </body><iq type="set"/> & bye');
  });
});
