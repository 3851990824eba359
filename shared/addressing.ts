import type { Notice } from './frames.js';

/**
 * Who a notice is addressed to, StatusNet-style: `@nick` mentions a user and `!group`
 * addresses a group (statusnet.md §1.3, `common_find_mentions` / `saveGroups`). A marker
 * counts only at the start of the text or after a character that is not a letter, digit,
 * mark or `_`, so `alice@example.org` mentions nobody; the nickname (`[A-Za-z0-9_]`, at
 * most 64) must end there too, so `@bobé` names no one rather than the wrong bob. Marks inside URLs do not
 * count (`https://example.org/@bob`, `?q=!x`). Nicknames come back lowercased (StatusNet's
 * canonical form), deduplicated, in order of first appearance.
 */
export interface Addressing {
  readonly mentions: readonly string[];
  readonly groups: readonly string[];
}

// A scheme followed by `://`, up to the next whitespace: what a reader would take for a link.
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/\S+/giu;

function addressed(text: string, marker: '@' | '!'): string[] {
  const withoutUrls = text.replace(URL_PATTERN, ' ');
  const pattern = new RegExp(
    `(?<![\\p{L}\\p{N}\\p{M}_])${marker}([A-Za-z0-9_]{1,64})(?![\\p{L}\\p{N}\\p{M}_])`,
    'gu',
  );
  return [...withoutUrls.matchAll(pattern)].map((match) => (match[1] as string).toLowerCase());
}

function unionLower(...lists: readonly (readonly string[] | undefined)[]): string[] {
  return [...new Set(lists.flatMap((list) => list ?? []).map((nickname) => nickname.toLowerCase()))];
}

/** `@nick` mentions in `text`, lowercased, without duplicates. */
export function parseMentions(text: string): string[] {
  return unionLower(addressed(text, '@'));
}

/** `!group` addresses in `text`, lowercased, without duplicates. */
export function parseGroups(text: string): string[] {
  return unionLower(addressed(text, '!'));
}

/**
 * The notice's addressing: what the producer listed (`notice.mentions`, `notice.groups`)
 * first, then what the text adds. Pure and deterministic, so every page of a fan-out
 * computes the same lists and a frame may refer to a group by its index.
 */
export function noticeAddressing(notice: Pick<Notice, 'text' | 'mentions' | 'groups'>): Addressing {
  return {
    mentions: unionLower(notice.mentions, addressed(notice.text, '@')),
    groups: unionLower(notice.groups, addressed(notice.text, '!')),
  };
}
