import type { Notice } from '../frames.js';
import type { SiteSettings } from '../site-settings.js';
import { cleanText, truncateGraphemes } from './text.js';
import { noticeUrl, profileUrl } from './urls.js';

/**
 * What every part of a notice stanza shows (plain body, XHTML-IM, Atom entry), resolved
 * once: cleaned text, links into the site. Renderers only format a view; none of them
 * escapes anything before the final `escapeXml`, so text is escaped exactly once.
 */
export interface NoticeView {
  readonly id: string;
  /** The notice's page, which shows its conversation. */
  readonly url: string;
  readonly author: { readonly nickname: string; readonly url: string };
  readonly parent?: { readonly nickname: string; readonly url: string; readonly noticeUrl: string };
  /** RFC 3339 date-time (Atom requires seconds; the frame's timestamp may omit them). */
  readonly published: string;
  /** A one-line summary for Atom's required title. */
  readonly title: string;
  /** The text to show: cleaned (see cleanText), possibly shortened to fit a size cap. */
  readonly text: string;
}

/** Longest Atom title, in graphemes: a summary, the whole text is in the content. */
const TITLE_GRAPHEMES = 100;

export function noticeView(settings: SiteSettings, notice: Notice): NoticeView {
  const text = cleanText(notice.text);
  const parent = notice.inReplyTo;
  return {
    id: notice.id,
    url: noticeUrl(settings, notice.id),
    author: { nickname: notice.author.nickname, url: profileUrl(settings, notice.author.nickname) },
    ...(parent && {
      parent: {
        nickname: parent.author.nickname,
        url: profileUrl(settings, parent.author.nickname),
        noticeUrl: noticeUrl(settings, parent.id),
      },
    }),
    published: new Date(notice.createdAt).toISOString(),
    title: truncateGraphemes(text.replace(/\s+/g, ' ').trim(), TITLE_GRAPHEMES),
    text,
  };
}

/** StatusNet's plain body: `nick: text [id]`, or GNU social's `nick => parentnick: text [id]`. */
export function plainBody(view: NoticeView): string {
  const parent = view.parent ? ` => ${view.parent.nickname}` : '';
  return `${view.author.nickname}${parent}: ${view.text} [${view.id}]`;
}
