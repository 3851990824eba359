/**
 * JIDs as RFC 7622 describes them, reduced to what we need: the bare JID
 * (localpart@domainpart) that identifies a user's account. Full PRECIS profiles are not
 * applied; we case-fold the localpart and domain, which covers the addresses users type.
 */
export interface Jid {
  readonly local: string;
  readonly domain: string;
  readonly resource?: string;
}

const LOCALPART_FORBIDDEN = /["&'/:<>@\s]/; // RFC 7622 §3.3.1 (plus whitespace)
// PRECIS (RFC 8264 §9.12) disallows control characters in every part of a JID.
const CONTROL = /\p{Cc}/u;

/** Parses a JID, returning undefined when it is malformed. */
export function parseJid(input: string): Jid | undefined {
  if (!input || input.length > 3071 || CONTROL.test(input)) return undefined;
  const slash = input.indexOf('/');
  const bare = slash === -1 ? input : input.slice(0, slash);
  const resource = slash === -1 ? undefined : input.slice(slash + 1);
  if (resource !== undefined && (resource.length === 0 || resource.length > 1023)) return undefined;
  const at = bare.indexOf('@');
  const local = at === -1 ? '' : bare.slice(0, at);
  const domain = at === -1 ? bare : bare.slice(at + 1);
  if (at !== -1 && (local.length === 0 || local.length > 1023 || LOCALPART_FORBIDDEN.test(local)))
    return undefined;
  if (!/^[^\s@/]{1,1023}$/.test(domain) || domain.startsWith('.') || domain.endsWith('..')) return undefined;
  return resource === undefined ? { local, domain } : { local, domain, resource };
}

/** The case-folded bare JID (`user@domain`), or undefined when the input is malformed. */
export function bareJid(input: string): string | undefined {
  const jid = parseJid(input.trim());
  if (!jid?.local) return undefined;
  const domain = jid.domain.toLowerCase().replace(/\.$/, '');
  return `${jid.local.toLowerCase()}@${domain}`;
}
