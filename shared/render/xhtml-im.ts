import { escapeXml } from '../xml.js';
import { findUrls } from './urls.js';
import type { NoticeView } from './view.js';

/**
 * The XEP-0071 (XHTML-IM) part of a notice message, after StatusNet's format (statusnet.md
 * §2.3): `<a href="{profile}">nick</a>: text <a href="{notice}">[id]</a>`. Only elements of
 * the XEP-0071 §7 recommended profile are used (`a` with `href`, `br`). Its text content,
 * elements ignored, equals the plain body, so both read the same.
 */
export const XHTML_IM_NS = 'http://jabber.org/protocol/xhtml-im';
export const XHTML_NS = 'http://www.w3.org/1999/xhtml';

export function renderXhtmlIm(view: NoticeView): string {
  const parent = view.parent ? ` =&gt; ${link(view.parent.url, view.parent.nickname)}` : '';
  const author = link(view.author.url, view.author.nickname);
  return (
    `<html xmlns="${XHTML_IM_NS}"><body xmlns="${XHTML_NS}">` +
    `${author}${parent}: ${richText(view.text)} ${link(view.url, `[${view.id}]`)}` +
    '</body></html>'
  );
}

/**
 * Text as XHTML: http(s) URLs become links, and each line end gets a `<br/>` (XHTML
 * collapses whitespace, XEP-0071 §7) while the newline itself stays, so the text reads back
 * unchanged.
 */
export function richText(text: string): string {
  let html = '';
  let at = 0;
  for (const { start, end } of findUrls(text)) {
    const url = text.slice(start, end);
    html += lines(text.slice(at, start)) + link(url, url);
    at = end;
  }
  return html + lines(text.slice(at));
}

function lines(text: string): string {
  return escapeXml(text).replaceAll('\n', '<br/>\n');
}

function link(href: string, text: string): string {
  return `<a href="${escapeXml(href)}">${escapeXml(text)}</a>`;
}
