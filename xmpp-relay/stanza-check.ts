import { Element, Parser } from '@xmpp/xml';
import { type Broadcast, decodeFrame, type StanzaFrame } from '../shared/frames.js';
import { parseJid } from '../shared/jid.js';
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
 *   differs from the frame's (except a roster change, below),
 * - any character, raw or after entity decoding, is not allowed by XML 1.0.
 *
 * A broadcast (one stanza, many recipients) is checked once; its root must carry no `to`
 * or `id`, each recipient's `to` must be a JID, and each copy gets the recipient's `to` and
 * `id` as attributes (escaped by the serializer, like everything else).
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
  try {
    const { stanzas, broadcast } = frame.payload;
    const elements = broadcast
      ? checkBroadcast(broadcast)
      : (stanzas ?? []).map((stanza, index) => checkStanza(index, stanza));
    return { ok: true, frame, elements };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** Checks a broadcast's stanza once and returns one copy per recipient; throws InvalidStanzaError. */
export function checkBroadcast(broadcast: Broadcast): Element[] {
  const root = checkStanza(0, { xml: broadcast.xml });
  for (const name of ['to', 'id'])
    if (root.attrs[name] !== undefined) throw new InvalidStanzaError(0, `a broadcast's root has ${name}=`);
  return broadcast.recipients.map((recipient, index) => {
    if (!parseJid(recipient.to))
      throw new InvalidStanzaError(index, `recipient "${recipient.to}" is not a JID`);
    const illegal = findIllegalXmlChar(recipient.to + recipient.id);
    if (illegal !== -1) throw new InvalidStanzaError(index, 'illegal character in recipient to or id');
    // Each copy has its own attributes and children list: stream management appends a
    // <delay/> to a stanza it resends (XEP-0198 §4 with XEP-0203), which must not reach the
    // other copies. The children themselves are shared and never changed.
    const copy = new Element(root.name, { ...root.attrs, to: recipient.to, id: recipient.id });
    copy.children = [...root.children];
    return copy;
  });
}

/**
 * Parses and checks one stanza; throws InvalidStanzaError with the reason. Without `to`
 * (a broadcast's stanza), the root's `to` is not compared.
 */
export function checkStanza(index: number, stanza: { id?: string; to?: string; xml: string }): Element {
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
  if (stanza.to !== undefined && root.attrs.to !== stanza.to && !isOwnRosterChange(root, stanza.to))
    fail(`root to="${root.attrs.to ?? ''}" differs from the frame's "${stanza.to}"`);
  const problem = findIllegalInTree(root);
  if (problem) fail(problem);
  if (root.attrs.id === undefined && stanza.id !== undefined) root.attrs.id = stanza.id;
  return root;
}

/**
 * A roster set goes to the bot's own account and so has no `to` (RFC 6121 §2.1.5, §2.5):
 * it passes when it changes exactly one item, the frame's `to`.
 */
function isOwnRosterChange(root: Element, frameTo: string): boolean {
  if (root.name !== 'iq' || root.attrs.to !== undefined || root.attrs.type !== 'set') return false;
  const queries = childElements(root);
  const query = queries[0];
  if (queries.length !== 1 || query?.name !== 'query' || query.attrs.xmlns !== 'jabber:iq:roster')
    return false;
  const items = childElements(query);
  return items.length === 1 && items[0]?.name === 'item' && items[0].attrs.jid === frameTo;
}

function childElements(element: Element): Element[] {
  return element.children.filter((child): child is Element => typeof child !== 'string');
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
