import { stripIllegalXmlChars } from '../xml.js';

/**
 * Notice text as users see it: grapheme clusters (UAX #29), the units a reader perceives as
 * one character. Cutting anywhere else can split an emoji, a skin-tone modifier, a ZWJ
 * family or a letter from its combining marks, leaving a broken or different character.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Text ready to render: characters XML forbids removed, and line ends normalized to LF.
 * A receiving parser turns CR LF and lone CR into LF anyway (XML 1.0 §2.11), so normalizing
 * first makes what we render equal to what the recipient reads back.
 */
export function cleanText(text: string): string {
  return stripIllegalXmlChars(text).replace(/\r\n?/g, '\n');
}

/** UTF-16 offsets at which the text may be cut: 0, every grapheme boundary, and its length. */
export function graphemeBoundaries(text: string): number[] {
  const offsets = [0];
  for (const { index, segment } of segmenter.segment(text)) {
    if (index > 0) offsets.push(index);
    if (index + segment.length === text.length) offsets.push(text.length);
  }
  return text.length === 0 ? [0] : offsets;
}

/** The first `max` graphemes of the text, followed by `…` when anything was cut. */
export function truncateGraphemes(text: string, max: number): string {
  let count = 0;
  for (const { index } of segmenter.segment(text)) {
    if (count === max) return `${text.slice(0, index).trimEnd()}…`;
    count++;
  }
  return text;
}
