import { escapeXml } from '../xml.js';
import type { NoticeView } from './view.js';

/**
 * The Atom entry (RFC 4287 §4.1.2) a notice message carries for machine consumers, as
 * StatusNet's did (statusnet.md §2.3), reduced to the standard elements: id, title, author,
 * published, updated, content, the alternate link, and for a reply the RFC 4685 §3
 * `thr:in-reply-to`. The notice page is the entry's id (§4.2.6: a permanent IRI); a parent's
 * page is therefore its id too, which is what `ref` names.
 */
export const ATOM_NS = 'http://www.w3.org/2005/Atom';
export const THREADING_NS = 'http://purl.org/syndication/thread/1.0';

export function renderAtomEntry(view: NoticeView): string {
  const url = escapeXml(view.url);
  const replyTo = view.parent
    ? `<thr:in-reply-to ref="${escapeXml(view.parent.noticeUrl)}" href="${escapeXml(view.parent.noticeUrl)}" type="text/html"/>`
    : '';
  return (
    `<entry xmlns="${ATOM_NS}"${view.parent ? ` xmlns:thr="${THREADING_NS}"` : ''}>` +
    `<id>${url}</id>` +
    `<title>${escapeXml(view.title)}</title>` +
    `<author><name>${escapeXml(view.author.nickname)}</name><uri>${escapeXml(view.author.url)}</uri></author>` +
    `<published>${view.published}</published>` +
    // Notices are not edited: the entry was last updated when it was published.
    `<updated>${view.published}</updated>` +
    `<content type="text">${escapeXml(view.text)}</content>` +
    `<link rel="alternate" type="text/html" href="${url}"/>` +
    replyTo +
    '</entry>'
  );
}
