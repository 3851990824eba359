import type { Element } from '@xmpp/xml';
import parse from '@xmpp/xml/lib/parse.js';
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  makeFrame,
  type Notice,
  NoticeSchema,
  type OutboundStanza,
} from '../../shared/frames.js';
import {
  DEFAULT_RENDER_LIMITS,
  noticeStanzaRenderer,
  type RenderLimits,
  renderNoticeStanza,
} from '../../shared/render/notice-stanza.js';
import { type SiteSettings, SiteSettingsSchema } from '../../shared/site-settings.js';
import { noticeBody, stanzaId } from '../../shared/stanza.js';
import { checkStanza, checkStanzaFrame } from '../../xmpp-relay/stanza-check.js';

const XHTML_IM = 'http://jabber.org/protocol/xhtml-im';
const XHTML = 'http://www.w3.org/1999/xhtml';
const ATOM = 'http://www.w3.org/2005/Atom';
const THR = 'http://purl.org/syndication/thread/1.0';

const settings: SiteSettings = SiteSettingsSchema.parse({
  name: 'Example',
  baseUrl: 'https://social.example/',
});
const TO = 'bob@example.org';

function notice(text: string, extra: Partial<Notice> = {}): Notice {
  return NoticeSchema.parse({
    id: '42',
    author: { id: 'u1', nickname: 'alice' },
    text,
    createdAt: '2024-05-01T12:00:00+02:00',
    ...extra,
  });
}

function render(n: Notice, to = TO, limits?: RenderLimits): OutboundStanza {
  return renderNoticeStanza({ site: 'demo', settings, notice: n, to }, limits);
}

/** Parsed by the relay's strict gate (one well-formed stanza, no illegal characters) and by parse(). */
interface Parsed {
  readonly message: Element;
  readonly body: string;
  readonly xhtml: Element | undefined;
  readonly entry: Element | undefined;
}

function read(stanza: OutboundStanza): Parsed {
  const message = checkStanza(0, stanza);
  expect(parse(stanza.xml).toString()).toBe(message.toString());
  const body = message.getChildText('body');
  if (body === null) throw new Error('no body');
  return {
    message,
    body,
    xhtml: message.getChild('html', XHTML_IM)?.getChild('body', XHTML),
    entry: message.getChild('entry', ATOM),
  };
}

/** All text under an element, markup ignored: what a reader sees. */
function textOf(element: Element): string {
  return element.children.map((child) => (typeof child === 'string' ? child : textOf(child))).join('');
}

function links(element: Element): { href: string | undefined; text: string }[] {
  return element.children.flatMap((child) =>
    typeof child === 'string'
      ? []
      : child.name === 'a'
        ? [{ href: child.attrs.href, text: textOf(child) }]
        : links(child),
  );
}

function required<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error('missing');
  return value;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemes = (text: string) => [...segmenter.segment(text)].map((s) => s.segment);

describe('renderNoticeStanza: the message', () => {
  it('is a chat message to the bare JID, with no from and the stable id', () => {
    const stanza = render(notice('hello world'));
    const { message, body } = read(stanza);
    expect(message.name).toBe('message');
    expect(message.attrs).toMatchObject({ type: 'chat', to: TO, id: stanzaId('demo.notice', '42', TO) });
    expect(message.attrs.from).toBeUndefined();
    expect(stanza).toMatchObject({ id: message.attrs.id, to: TO });
    expect(body).toBe('alice: hello world [42]');
  });

  it('has an id that is stable per notice and recipient and differs between recipients', () => {
    const a = render(notice('hi'), 'a@example.org');
    expect(render(notice('hi, edited'), 'a@example.org').id).toBe(a.id);
    expect(render(notice('hi'), 'b@example.org').id).not.toBe(a.id);
    expect(render(notice('hi', { id: '43' }), 'a@example.org').id).not.toBe(a.id);
  });

  it('renders a reply as `nick => parentnick: text [id]`', () => {
    const reply = notice('sure', { inReplyTo: { id: '41', author: { id: 'u2', nickname: 'bob' } } });
    const { body, xhtml } = read(render(reply));
    expect(body).toBe('alice => bob: sure [42]');
    expect(textOf(required(xhtml))).toBe(body);
    expect(noticeBody(reply)).toBe(body);
    expect(links(required(xhtml))).toEqual([
      { href: 'https://social.example/alice', text: 'alice' },
      { href: 'https://social.example/bob', text: 'bob' },
      { href: 'https://social.example/notice/42', text: '[42]' },
    ]);
  });
});

describe('renderNoticeStanza: XHTML-IM (XEP-0071)', () => {
  it('links the author to the profile and [id] to the notice page; reads the same as the body', () => {
    const { body, xhtml } = read(render(notice('hello')));
    const html = required(xhtml);
    expect(links(html)).toEqual([
      { href: 'https://social.example/alice', text: 'alice' },
      { href: 'https://social.example/notice/42', text: '[42]' },
    ]);
    expect(textOf(html)).toBe(body);
  });

  it('links http(s) URLs, with the query string escaped once in href', () => {
    const url = "https://example.org/search?q=a&b=c&amp;d=x'y";
    const stanza = render(notice(`look ${url}, and javascript:alert(1)`));
    expect(stanza.xml).toContain('href="https://example.org/search?q=a&amp;b=c&amp;amp;d=x&apos;y"');
    const html = required(read(stanza).xhtml);
    expect(links(html)).toContainEqual({ href: url, text: url });
    expect(links(html).some((link) => link.href?.startsWith('javascript'))).toBe(false);
  });

  it('marks line ends with <br/> and keeps the newline, so the text reads back unchanged', () => {
    const { body, xhtml } = read(render(notice('one\r\ntwo\rthree\nfour')));
    expect(body).toBe('alice: one\ntwo\nthree\nfour [42]');
    const html = required(xhtml);
    expect(html.children.filter((child) => typeof child !== 'string' && child.name === 'br')).toHaveLength(3);
    expect(textOf(html)).toBe(body);
  });
});

describe('renderNoticeStanza: Atom entry (RFC 4287, RFC 4685)', () => {
  it('describes the notice', () => {
    const entry = required(read(render(notice('hello & bye'))).entry);
    expect(entry.getChildText('id')).toBe('https://social.example/notice/42');
    expect(entry.getChildText('title')).toBe('hello & bye');
    expect(entry.getChild('author')?.getChildText('name')).toBe('alice');
    expect(entry.getChild('author')?.getChildText('uri')).toBe('https://social.example/alice');
    expect(entry.getChildText('published')).toBe('2024-05-01T10:00:00.000Z');
    expect(entry.getChildText('updated')).toBe('2024-05-01T10:00:00.000Z');
    expect(entry.getChild('content')?.attrs.type).toBe('text');
    expect(entry.getChildText('content')).toBe('hello & bye');
    expect(entry.getChild('link')?.attrs).toMatchObject({
      rel: 'alternate',
      type: 'text/html',
      href: 'https://social.example/notice/42',
    });
    expect(entry.getChild('in-reply-to', THR)).toBeUndefined();
    expect(entry.toString()).not.toContain('thr:');
  });

  it('names the parent of a reply with thr:in-reply-to', () => {
    const reply = notice('sure', { inReplyTo: { id: '41', author: { id: 'u2', nickname: 'bob' } } });
    const entry = required(read(render(reply)).entry);
    expect(entry.attrs['xmlns:thr']).toBe(THR);
    expect(entry.getChild('in-reply-to', THR)?.attrs).toMatchObject({
      ref: 'https://social.example/notice/41',
      href: 'https://social.example/notice/41',
    });
  });

  it('keeps the title to one line of at most 100 graphemes', () => {
    const text = `${'👍🏽'.repeat(150)}\nsecond line`;
    const title = required(read(render(notice(text), TO, { maxStanzaBytes: 64 * 1024 })).entry).getChildText(
      'title',
    );
    expect(title).toBe(`${'👍🏽'.repeat(100)}…`);
  });
});

describe('renderNoticeStanza: hostile and unusual text reads back exactly', () => {
  const cases: [string, string][] = [
    ['ZWJ family and skin tones', 'family 👨‍👩‍👧‍👦 and 👍🏽👋🏿 🏳️‍🌈'],
    ['combining marks', 'e\u0301 a\u0308\u0304 Z\u0335\u0321\u0330a\u0336\u031Bl\u0334g\u0337o'],
    ['Arabic with a right-to-left mark', 'مرحبا بالعالم\u200F!'],
    ['Hebrew with a right-to-left override', 'שלום \u202Eolleh\u202C עולם'],
    ['markup characters', '& < > " \' </body><iq type="set"/>'],
    ['CDATA end', 'a ]]> b ]]&gt; c'],
    ['escaped-looking text', '&amp; &lt; &#38; &quot;'],
    ['URL with & in the query', 'https://example.org/?a=1&b=2&c=<3>'],
  ];

  it.each(cases)('%s', (_name, text) => {
    const stanza = render(notice(text));
    const { body, xhtml, entry } = read(stanza);
    expect(body).toBe(`alice: ${text} [42]`);
    expect(textOf(required(xhtml))).toBe(body);
    expect(required(entry).getChildText('content')).toBe(text);
    // Escaped exactly once: a double escape only where the text itself has an entity.
    for (const entity of ['&amp;gt;', '&amp;lt;', '&amp;quot;', '&amp;apos;']) {
      expect(stanza.xml.includes(entity)).toBe(text.includes(entity.slice(5)));
    }
  });

  it('removes characters XML forbids and keeps everything else', () => {
    const text = 'a\u0000b\u0001c\u000Bd\u001Fe\uFFFEf\uFFFFg\uD800h\uDC00i\t\u0085\u202E j';
    const stanza = render(notice(text));
    const { body, xhtml, entry } = read(stanza);
    const clean = 'abcdefghi\t\u0085\u202E j';
    expect(body).toBe(`alice: ${clean} [42]`);
    expect(textOf(required(xhtml))).toBe(body);
    expect(required(entry).getChildText('content')).toBe(clean);
  });

  it('passes the relay gate as a packed frame', () => {
    const stanzas = cases.map(([, text], i) => render(notice(text), `u${i}@example.org`));
    const frame = makeFrame('stanzas', 'demo', 'f1', { stanzas });
    const checked = checkStanzaFrame(encodeFrame(frame));
    expect(checked.ok).toBe(true);
  });
});

describe('renderNoticeStanza: the size cap', () => {
  const cap = DEFAULT_RENDER_LIMITS.maxStanzaBytes;
  const bytes = (stanza: OutboundStanza) => Buffer.byteLength(stanza.xml);
  const URL = 'https://social.example/notice/42';

  /** The kept text of a shortened body `alice: {kept}… {URL} [42]`, checked against the original. */
  function keptText(body: string, original: string): string {
    const match = /^alice: ([\s\S]*)… (\S+) \[42\]$/.exec(body);
    expect(match?.[2]).toBe(URL);
    const kept = match?.[1] ?? '';
    // A prefix of whole graphemes (trailing whitespace aside).
    const parts = graphemes(original);
    let prefix = '';
    for (const part of parts) {
      if (prefix.trimEnd() === kept) break;
      prefix += part;
    }
    expect(prefix.trimEnd()).toBe(kept);
    return kept;
  }

  it('keeps a 5,000-character text whole when it fits', () => {
    const text = 'Lorem ipsum dolor sit amet. '.repeat(179).slice(0, 5000);
    const stanza = render(notice(text), TO, { maxStanzaBytes: 32 * 1024 });
    expect(read(stanza).body).toBe(`alice: ${text} [42]`);
    expect(required(read(stanza).entry).getChildText('content')).toBe(text);
  });

  it('shortens a 5,000-grapheme emoji text on a grapheme boundary, with a link, in every part', () => {
    const units = ['👨‍👩‍👧‍👦', '👍🏽', 'e\u0301', 'ש', '🏳️‍🌈'];
    const text = Array.from({ length: 5000 }, (_, i) => units[i % units.length]).join('');
    const stanza = render(notice(text));
    expect(bytes(stanza)).toBeLessThanOrEqual(cap);
    expect(bytes(stanza)).toBeGreaterThan(cap - 200); // the longest text that fits, not just any
    const { body, xhtml, entry } = read(stanza);
    const kept = keptText(body, text);
    expect(graphemes(kept).length).toBeGreaterThan(100);
    expect(textOf(required(xhtml))).toBe(body);
    expect(links(required(xhtml)).slice(-2)).toEqual([
      { href: URL, text: URL },
      { href: URL, text: '[42]' },
    ]);
    expect(required(entry).getChildText('content')).toBe(`${kept}… ${URL}`);
  });

  it('never cuts combining sequences', () => {
    const text = 'e\u0301\u0302'.repeat(5000);
    const { body } = read(render(notice(text)));
    expect(keptText(body, text)).toMatch(/^(e\u0301\u0302)+$/);
  });

  it('never cuts inside a URL: the cut moves before it', () => {
    const long = `https://example.org/${'x'.repeat(15_000)}`;
    const text = `intro ${long} tail`;
    const { body, xhtml } = read(render(notice(text)));
    expect(keptText(body, text)).toBe('intro');
    expect(links(required(xhtml)).map((link) => link.href)).toEqual([
      'https://social.example/alice',
      URL,
      URL,
    ]);
  });

  it('shortens markup-heavy text by its escaped size', () => {
    const text = '<&>'.repeat(3000);
    const stanza = render(notice(text));
    expect(bytes(stanza)).toBeLessThanOrEqual(cap);
    keptText(read(stanza).body, text);
  });

  it('fits every recipient, whatever the length of their JID', () => {
    const n = notice('👍🏽'.repeat(5000));
    const renderer = noticeStanzaRenderer({ site: 'demo', settings, notice: n });
    for (const to of ['a@b.c', `${'x'.repeat(500)}@example.org`, TO]) {
      const stanza = renderer(to);
      expect(bytes(stanza)).toBeLessThanOrEqual(cap);
      expect(stanza).toEqual(render(n, to));
      expect(read(stanza).message.attrs.to).toBe(to);
    }
  });

  it('falls back to the plain body when the payloads cannot fit, and never drops the notice', () => {
    const n = notice('a'.repeat(1000));
    const small = render(n, TO, { maxStanzaBytes: 400 });
    expect(bytes(small)).toBeLessThanOrEqual(400);
    const parsed = read(small);
    expect(parsed.xhtml).toBeUndefined();
    expect(parsed.entry).toBeUndefined();
    expect(keptText(parsed.body, n.text).length).toBeGreaterThan(50);

    const tiny = read(render(n, TO, { maxStanzaBytes: 50 }));
    expect(tiny.body).toBe(`alice: … ${URL} [42]`);
  });
});
