import type { Broadcast, Notice, OutboundStanza } from '../frames.js';
import type { SiteSettings } from '../site-settings.js';
import { stanzaId } from '../stanza.js';
import { escapeXml } from '../xml.js';
import { renderAtomEntry } from './atom-entry.js';
import { graphemeBoundaries } from './text.js';
import { findUrls } from './urls.js';
import { type NoticeView, noticeView, plainBody } from './view.js';
import { renderXhtmlIm } from './xhtml-im.js';

/**
 * The chat message (RFC 6121 §5.2.2) one recipient gets for a notice (statusnet.md §2.3):
 * a plain `<body>`, its XHTML-IM twin (XEP-0071) and an Atom entry. No `from`: the server
 * stamps the relay's own address (RFC 6120 §8.1.2.1).
 *
 * A stanza over the size cap is shortened, never dropped: the text is cut on a grapheme
 * boundary (never inside a URL) and followed by `… {notice URL}`, in every part.
 */
export interface NoticeStanzaInput {
  site: string;
  settings: SiteSettings;
  notice: Notice;
  /** The recipient's bare JID. */
  to: string;
}

export interface RenderLimits {
  /** Largest stanza, in UTF-8 bytes. */
  maxStanzaBytes: number;
}

/**
 * 16 KiB: every notice of ordinary length fits whole, three times over (body, XHTML, Atom),
 * while the stanza stays far below the limits servers put on a client's stanzas (Prosody
 * 0.12 and ejabberd default to 256 KiB and 64 KiB) and a dozen of them fit in one 256 KiB
 * SQS message.
 */
export const DEFAULT_RENDER_LIMITS: RenderLimits = { maxStanzaBytes: 16 * 1024 };

/** Renders a notice for one recipient. */
export function renderNoticeStanza(
  input: NoticeStanzaInput,
  limits: RenderLimits = DEFAULT_RENDER_LIMITS,
): OutboundStanza {
  return noticeStanzaRenderer(input, limits)(input.to);
}

export type NoticeStanzaRenderer = (to: string) => OutboundStanza;

/**
 * Renders a notice once and returns a function that wraps it for each recipient, for a
 * fan-out page of many recipients. Only the envelope (`to`, `id`) differs between them; a
 * shortened payload is kept per byte budget, since that depends on the envelope's size.
 */
export function noticeStanzaRenderer(
  input: Omit<NoticeStanzaInput, 'to'>,
  limits: RenderLimits = DEFAULT_RENDER_LIMITS,
): NoticeStanzaRenderer {
  const payloadWithin = noticePayloads(input.settings, input.notice);
  return (to) => {
    const id = noticeStanzaId(input.site, input.notice, to);
    const open = openTag(to, id);
    const budget = limits.maxStanzaBytes - Buffer.byteLength(open) - CLOSE.length;
    return { id, to, xml: `${open}${payloadWithin(budget)}${CLOSE}` };
  };
}

/**
 * Renders a notice once for many recipients (a broadcast frame): the stanza without `to`
 * and `id`, which the relay sets on each recipient's copy. The payload is shortened, if it
 * must be, so that the copy with the longest envelope still fits the cap.
 */
export function renderNoticeBroadcast(
  input: Omit<NoticeStanzaInput, 'to'>,
  recipients: readonly string[],
  limits: RenderLimits = DEFAULT_RENDER_LIMITS,
): Broadcast {
  const addressed = recipients.map((to) => ({ id: noticeStanzaId(input.site, input.notice, to), to }));
  const envelope = Math.max(0, ...addressed.map(({ to, id }) => Buffer.byteLength(openTag(to, id))));
  const payload = noticePayloads(
    input.settings,
    input.notice,
  )(limits.maxStanzaBytes - envelope - CLOSE.length);
  return { xml: `<message type="chat">${payload}${CLOSE}`, recipients: addressed };
}

/** Stable per (notice, recipient), so the relay recognises a redelivered copy. */
function noticeStanzaId(site: string, notice: Notice, to: string): string {
  return stanzaId(`${site}.notice`, notice.id, to);
}

function openTag(to: string, id: string): string {
  return `<message type="chat" to="${escapeXml(to)}" id="${escapeXml(id)}">`;
}

/** The notice's payload within a byte budget: whole when it fits, else shortened (memoized). */
function noticePayloads(settings: SiteSettings, notice: Notice): (budget: number) => string {
  const view = noticeView(settings, notice);
  const full = fullPayload(view);
  const fullBytes = Buffer.byteLength(full);
  const shortened = new Map<number, string>();
  let cuts: number[] | undefined;
  return (budget) => {
    if (fullBytes <= budget) return full;
    let payload = shortened.get(budget);
    if (payload === undefined) {
      cuts ??= cutPoints(view.text);
      payload = shorten(view, cuts, budget);
      shortened.set(budget, payload);
    }
    return payload;
  };
}

const CLOSE = '</message>';

function fullPayload(view: NoticeView): string {
  return `<body>${escapeXml(plainBody(view))}</body>${renderXhtmlIm(view)}${renderAtomEntry(view)}`;
}

/** Last resort when even a link alone does not fit with the payloads: the plain body only. */
function bodyOnly(view: NoticeView): string {
  return `<body>${escapeXml(plainBody(view))}</body>`;
}

/**
 * The longest shortening that fits the budget, found by bisection over the cut points (a
 * longer prefix never renders smaller). If nothing fits, the shortest form is returned
 * anyway: a notice is never dropped for its size, the cap is a target.
 */
function shorten(view: NoticeView, cuts: readonly number[], budget: number): string {
  for (const render of [fullPayload, bodyOnly]) {
    if (Buffer.byteLength(render(view)) <= budget) return render(view);
    const at = (i: number) => render({ ...view, text: shortText(view, cuts[i] ?? 0) });
    if (Buffer.byteLength(at(0)) > budget) continue;
    let low = 0; // fits
    let high = cuts.length; // known not to fit: the whole text
    while (high - low > 1) {
      const mid = (low + high) >>> 1;
      if (Buffer.byteLength(at(mid)) <= budget) low = mid;
      else high = mid;
    }
    return at(low);
  }
  return bodyOnly({ ...view, text: shortText(view, 0) });
}

function shortText(view: NoticeView, cut: number): string {
  return `${view.text.slice(0, cut).trimEnd()}… ${view.url}`;
}

/**
 * Offsets where the text may be cut, ascending, excluding its full length: grapheme
 * boundaries (so no emoji, ZWJ sequence or combining mark is split) outside URLs (a cut URL
 * would be a broken link).
 */
function cutPoints(text: string): number[] {
  const urls = findUrls(text);
  let next = 0; // the first URL that does not end before the offset
  return graphemeBoundaries(text).filter((offset) => {
    while (next < urls.length && (urls[next]?.end ?? 0) <= offset) next++;
    const url = urls[next];
    return offset < text.length && !(url && offset > url.start);
  });
}
