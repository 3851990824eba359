import type { SiteSettings } from '../site-settings.js';

/**
 * Links into the site, built from its configured base URL (which may carry a path, e.g.
 * https://example.org/social). StatusNet's routes: a profile is `/{nickname}`, a notice
 * `/notice/{id}`; the notice page shows its conversation, so it doubles as the
 * conversation link (notice frames carry no conversation id).
 */

function base(settings: SiteSettings): string {
  return settings.baseUrl.replace(/\/+$/, '');
}

export function profileUrl(settings: SiteSettings, nickname: string): string {
  return `${base(settings)}/${encodeURIComponent(nickname)}`;
}

export function noticeUrl(settings: SiteSettings, noticeId: string): string {
  return `${base(settings)}/notice/${encodeURIComponent(noticeId)}`;
}

/** Where a URL sits in a text, as UTF-16 offsets [start, end). */
export interface UrlSpan {
  readonly start: number;
  readonly end: number;
}

// Only http(s): a linkified `javascript:` or `data:` URL would be an attack, not a link.
// `…` ends a URL too: a shortened notice puts it right after the kept text.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"…]+/giu;
// Sentence punctuation right after a URL belongs to the sentence, not the URL.
const TRAILING_PUNCTUATION = /[.,;:!?'"]$/u;

/** The http(s) URLs in a text, in order, without trailing sentence punctuation. */
export function findUrls(text: string): UrlSpan[] {
  const spans: UrlSpan[] = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    for (;;) {
      if (TRAILING_PUNCTUATION.test(url)) url = url.slice(0, -1);
      else if (url.endsWith(')') && count(url, '(') < count(url, ')')) url = url.slice(0, -1);
      else break;
    }
    // A bare scheme ("https://") is not a link.
    if (/^https?:\/\/$/i.test(url)) continue;
    spans.push({ start: match.index, end: match.index + url.length });
  }
  return spans;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}
