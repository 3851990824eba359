/**
 * XML 1.0 safety (https://www.w3.org/TR/xml/#charsets). A character outside
 * Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
 * makes the whole XMPP stream ill-formed and the server closes it (RFC 6120 §4.9.3.18,
 * `not-well-formed`), so such characters are removed before any text is rendered.
 */

// C0 controls except tab, LF, CR; lone surrogates; U+FFFE and U+FFFF.
const ILLEGAL_XML_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes every character that may not appear in an XML 1.0 document. */
export function stripIllegalXmlChars(text: string): string {
  return text.replace(ILLEGAL_XML_CHARS, '');
}

/** Index of the first character that may not appear in XML 1.0, or -1. */
export function findIllegalXmlChar(text: string): number {
  ILLEGAL_XML_CHARS.lastIndex = 0;
  const match = ILLEGAL_XML_CHARS.exec(text);
  ILLEGAL_XML_CHARS.lastIndex = 0;
  return match ? match.index : -1;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * Makes arbitrary text safe as XML character data or an attribute value: illegal
 * characters removed, markup characters escaped exactly once.
 */
export function escapeXml(text: string): string {
  return stripIllegalXmlChars(text).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}
