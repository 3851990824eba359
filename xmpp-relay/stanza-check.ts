import { type Element, Parser } from '@xmpp/xml';
import { decodeFrame, type StanzaFrame } from '../shared/frames.js';
import { findIllegalXmlChar } from '../shared/xml.js';
import { InvalidStanzaError } from './errors.js';

/**
 * The last gate before the socket. Each stanza of a `stanzas` frame is parsed into an
 * Element and checked; only the parsed tree is ever written (re-serialized by xmpp.js, so
 * text is escaped exactly once), never the producer's string. A stanza is refused when:
 * - it is not one well-formed element (unclosed tags, several roots, text outside the root),
 * - it uses XML that XMPP forbids (RFC 6120 §11.1: comments, processing instructions, DTDs;
 *   CDATA is refused too, since renderers never produce it),
 * - its root is not message, presence or iq in the jabber:client namespace, or its `to`
 *   differs from the frame's,
 * - any character, raw or after entity decoding, is not allowed by XML 1.0.
 */
const STANZA_NAMES = new Set(['message', 'presence', 'iq']);

export type CheckedFrame =
  | { readonly ok: true; readonly frame: StanzaFrame; readonly elements: Element[] }
  | { readonly ok: false; readonly reason: string };

/** Decodes a message body and checks every stanza; never throws. */
export function checkStanzaFrame(body: string): CheckedFrame {
  let frame: StanzaFrame;
  try {
    frame = decodeFrame('stanzas', body);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const elements: Element[] = [];
  for (const [index, stanza] of frame.payload.stanzas.entries()) {
    try {
      elements.push(checkStanza(index, stanza));
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  }
  return { ok: true, frame, elements };
}

/** Parses and checks one stanza; throws InvalidStanzaError with the reason. */
export function checkStanza(index: number, stanza: { id: string; to: string; xml: string }): Element {
  const fail = (reason: string): never => {
    throw new InvalidStanzaError(index, reason);
  };
  const raw = stanza.xml.trim();
  const illegal = findIllegalXmlChar(raw);
  if (illegal !== -1) fail(`character U+${codePointHex(raw, illegal)} at ${illegal} is not allowed in XML`);
  if (/<[!?]/.test(raw)) fail('comments, processing instructions, DTDs and CDATA are not allowed');

  const root = parseOneElement(raw, fail);
  if (!STANZA_NAMES.has(root.name)) fail(`root <${root.name}> is not message, presence or iq`);
  const xmlns = root.attrs.xmlns;
  if (xmlns !== undefined && xmlns !== 'jabber:client')
    fail(`root namespace "${xmlns}" is not jabber:client`);
  if (root.attrs.to !== stanza.to)
    fail(`root to="${root.attrs.to ?? ''}" differs from the frame's "${stanza.to}"`);
  const problem = findIllegalInTree(root);
  if (problem) fail(problem);
  if (root.attrs.id === undefined) root.attrs.id = stanza.id;
  return root;
}

function parseOneElement(raw: string, fail: (reason: string) => never): Element {
  const parser = new Parser();
  let root: Element | undefined;
  let ended = false;
  let childrenAtEnd = 0;
  let error: string | undefined;
  parser.on('start', (element: Element) => {
    root = element;
  });
  parser.on('element', (element: Element) => {
    if (ended || !root) error ??= 'more than one root element';
    else root.append(element);
  });
  parser.on('end', () => {
    ended = true;
    childrenAtEnd = root?.children.length ?? 0;
  });
  parser.on('error', (e: Error) => {
    error ??= e.message;
  });
  try {
    parser.write(raw);
    // The tokenizer emits text only when it meets the next '<': this flushes any trailing
    // text. A '<' cannot complete an unclosed root, so it never makes bad input pass.
    parser.write('<');
  } catch (e) {
    error ??= (e as Error).message;
  } finally {
    parser.removeAllListeners();
  }
  if (error) return fail(`not well-formed: ${error}`);
  if (!root) return fail('no root element');
  if (!ended) return fail(`root <${root.name}> is not closed`);
  if (root.children.length !== childrenAtEnd) return fail('content after the root element');
  return root;
}

/** Walks names, attribute values and text; returns the first problem or undefined. */
function findIllegalInTree(element: Element, path = element.name): string | undefined {
  if (findIllegalXmlChar(element.name) !== -1) return `illegal character in element name at ${path}`;
  for (const [name, value] of Object.entries(element.attrs)) {
    if (findIllegalXmlChar(name) !== -1 || (value !== undefined && findIllegalXmlChar(value) !== -1)) {
      return `illegal character in attribute ${name} at ${path}`;
    }
  }
  for (const child of element.children) {
    if (typeof child === 'string') {
      if (findIllegalXmlChar(child) !== -1) return `illegal character in text at ${path}`;
    } else {
      const problem = findIllegalInTree(child, `${path}/${child.name}`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function codePointHex(text: string, index: number): string {
  return (text.codePointAt(index) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}
