import { describe, expect, it } from 'vitest';
import { cleanText, graphemeBoundaries, truncateGraphemes } from '../../shared/render/text.js';
import { findUrls, noticeUrl, profileUrl } from '../../shared/render/urls.js';
import { SiteSettingsSchema } from '../../shared/site-settings.js';

const FAMILY = '👨‍👩‍👧‍👦'; // four people joined by ZWJ: 11 UTF-16 units, one grapheme
const THUMB = '👍🏽'; // with a skin-tone modifier
const E_ACUTE = 'e\u0301'; // e + combining acute accent

describe('graphemes', () => {
  it('cuts only between whole emoji, ZWJ sequences and combining sequences', () => {
    const text = `a${FAMILY}${THUMB}${E_ACUTE}b`;
    const boundaries = graphemeBoundaries(text);
    expect(boundaries).toEqual([
      0,
      1,
      1 + FAMILY.length,
      1 + FAMILY.length + THUMB.length,
      1 + FAMILY.length + THUMB.length + E_ACUTE.length,
      text.length,
    ]);
  });

  it('has a single boundary for the empty text', () => {
    expect(graphemeBoundaries('')).toEqual([0]);
  });

  it('truncates to whole graphemes and marks the cut', () => {
    expect(truncateGraphemes(`${FAMILY}${THUMB}${E_ACUTE}`, 2)).toBe(`${FAMILY}${THUMB}…`);
    expect(truncateGraphemes(`${E_ACUTE}${E_ACUTE}${E_ACUTE}`, 1)).toBe(`${E_ACUTE}…`);
    expect(truncateGraphemes('ab  cd', 3)).toBe('ab…');
    expect(truncateGraphemes(`${FAMILY}${THUMB}`, 2)).toBe(`${FAMILY}${THUMB}`);
  });

  it('cleans text: illegal XML characters removed, line ends as the recipient will read them', () => {
    expect(cleanText('a\u0001b\uFFFE\uD800c\r\nd\re\nf')).toBe('abc\nd\ne\nf');
  });
});

describe('site URLs', () => {
  const settings = (baseUrl: string) => SiteSettingsSchema.parse({ name: 'Site', baseUrl });

  it('builds profile and notice links from the base URL, with or without a path or trailing slash', () => {
    expect(profileUrl(settings('https://social.example'), 'alice')).toBe('https://social.example/alice');
    expect(noticeUrl(settings('https://social.example/'), '42')).toBe('https://social.example/notice/42');
    expect(noticeUrl(settings('https://example.org/sn//'), 'a:b')).toBe(
      'https://example.org/sn/notice/a%3Ab',
    );
  });
});

describe('findUrls', () => {
  const urls = (text: string) => findUrls(text).map(({ start, end }) => text.slice(start, end));

  it('finds http(s) URLs, query strings included', () => {
    expect(urls('see https://example.org/s?q=a&b=c and http://x.org')).toEqual([
      'https://example.org/s?q=a&b=c',
      'http://x.org',
    ]);
  });

  it('leaves sentence punctuation and unbalanced parentheses outside', () => {
    expect(urls('(see https://example.org/a).')).toEqual(['https://example.org/a']);
    expect(urls('https://en.wikipedia.org/wiki/Foo_(bar), ok')).toEqual([
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    ]);
    expect(urls('"https://example.org/q"!?')).toEqual(['https://example.org/q']);
  });

  it('ignores other schemes and bare schemes', () => {
    expect(urls('javascript:alert(1) data:text/html,x ftp://x.org https:// xhttps://a.b')).toEqual([]);
  });

  it('ends a URL at an ellipsis, which a shortened notice puts right after its text', () => {
    expect(urls('https://a.example/x… https://b.example/notice/1')).toEqual([
      'https://a.example/x',
      'https://b.example/notice/1',
    ]);
  });
});
