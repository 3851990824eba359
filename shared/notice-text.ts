import { stripIllegalXmlChars } from './xml.js';

/**
 * Length as the web counts it: Unicode code points of the trimmed text, like PHP's
 * `mb_strlen` on StatusNet's server and a JavaScript counter that spreads the string. An
 * emoji is one character; a flag or an accented letter typed as two code points is two.
 * The site API and chat posting count alike.
 */
export function textLength(text: string): number {
  return [...text.trim()].length;
}

/** Whether anything readable is left once the characters XML cannot carry are removed. */
export function hasVisibleText(text: string): boolean {
  return stripIllegalXmlChars(text).trim().length > 0;
}

/**
 * Why `text` cannot be posted on a site with this text limit, or undefined when it can. The
 * site API and the CLI refuse alike; chat posting answers with its own StatusNet wording.
 */
export function noticeTextProblem(text: string, textLimit: number): string | undefined {
  if (!hasVisibleText(text)) return 'must contain visible text';
  const length = textLength(text);
  return length > textLimit ? `text is ${length} characters; the limit is ${textLimit}` : undefined;
}
