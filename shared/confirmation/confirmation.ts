import { makeFrame, type OutboundStanza } from '../frames.js';
import { bareJid } from '../jid.js';
import type { FrameSender } from '../queue.js';
import { rosterRemove, subscribeRequest, unsubscribeBothWays } from '../roster.js';
import type { SiteSettings } from '../site-settings.js';
import { chatMessage, stanzaId } from '../stanza.js';
import { StoreConflictError } from '../store/dynamo-store.js';
import type { Confirmation, ConfirmationStore, Store, User } from '../store/types.js';
import {
  CONFIRMATION_TTL_SECONDS,
  generateConfirmationCode,
  normalizeConfirmationCode,
  type RandomBytes,
} from './code.js';
import { RefusedError } from './errors.js';

/**
 * Linking an IM address to a user (statusnet.md §2.6, issue 4). Saving an address stores
 * it unconfirmed, creates a code and sends it straight to the priority lane; the owner
 * proves the address by opening the link or by sending the code from it. Unlike StatusNet,
 * the bot first asks for a presence subscription, so servers that drop chat from strangers
 * let the code through.
 */
export interface ConfirmationDeps {
  readonly store: Pick<Store, 'getUser' | 'setIm' | 'findUserByJid' | 'incrementCounter'> & ConfirmationStore;
  readonly sender: FrameSender;
  readonly settings: { get(site: string): Promise<SiteSettings> };
  readonly now?: () => Date;
  readonly random?: RandomBytes;
}

/** What the site shows about a user's IM address. */
export type ImState =
  | { readonly state: 'none' }
  | { readonly state: 'waiting'; readonly jid: string; readonly since: string; readonly expiresAt: string }
  /** The code expired before anyone used it: resend to get a new one. */
  | { readonly state: 'expired'; readonly jid: string }
  | { readonly state: 'confirmed'; readonly jid: string };

/** Path of the confirmation link under the site's base URL; the site API serves it. */
export const CONFIRM_PATH = '/confirm/';

export async function imState(deps: ConfirmationDeps, user: User): Promise<ImState> {
  if (!user.im) return { state: 'none' };
  if (user.im.confirmed) return { state: 'confirmed', jid: user.im.jid };
  const pending = await livePending(deps, user.site, user.id);
  return pending && pending.jid === user.im.jid
    ? {
        state: 'waiting',
        jid: pending.jid,
        since: pending.since,
        expiresAt: new Date(pending.expiresAt * 1000).toISOString(),
      }
    : { state: 'expired', jid: user.im.jid };
}

/** Saves `address` unconfirmed and sends the confirmation; the same confirmed address is left as it is. */
export async function setImAddress(
  deps: ConfirmationDeps,
  site: string,
  userId: string,
  address: string,
): Promise<ImState> {
  const jid = bareJid(address);
  if (!jid) throw new RefusedError(400, `"${address}" is not an IM address (user@domain)`, 'jid');
  const settings = await deps.settings.get(site);
  if (settings.botJid && jid === bareJid(settings.botJid))
    throw new RefusedError(400, `${jid} is this site's own IM address`, 'jid');
  const user = await requireUser(deps, site, userId);
  if (user.im?.confirmed && user.im.jid === jid) return imState(deps, user);
  // Saving the waiting address again must not void the code already on its way.
  if (user.im?.jid === jid) return resendConfirmation(deps, site, userId);
  await refuseIfTakenByOther(deps, site, userId, jid);
  await claimCodeMessage(deps, site, userId, jid);

  const previous = user.im?.jid !== jid ? user.im?.jid : undefined;
  const updated = await deps.store.setIm(site, userId, { jid, confirmed: false });
  if (!updated) throw new RefusedError(404, `no user with id ${userId}`, 'user');
  const now = clock(deps);
  const confirmation: Confirmation = {
    site,
    userId,
    jid,
    code: generateConfirmationCode(deps.random),
    since: now.toISOString(),
    expiresAt: epochSeconds(now) + CONFIRMATION_TTL_SECONDS,
  };
  await deps.store.putConfirmation(confirmation);
  if (previous) await sendRosterRemoval(deps, site, previous, now);
  await sendCode(deps, updated, confirmation, now);
  return imState(deps, updated);
}

/** Sends the code again: the same one while it is valid, a fresh one after it expired. */
export async function resendConfirmation(
  deps: ConfirmationDeps,
  site: string,
  userId: string,
): Promise<ImState> {
  const user = await requireUser(deps, site, userId);
  if (!user.im || user.im.confirmed)
    throw new RefusedError(409, `user ${user.nickname} has no IM address waiting for confirmation`);
  await claimCodeMessage(deps, site, userId, user.im.jid);
  const now = clock(deps);
  let confirmation = await livePending(deps, site, userId);
  if (!confirmation || confirmation.jid !== user.im.jid) {
    confirmation = {
      site,
      userId,
      jid: user.im.jid,
      code: generateConfirmationCode(deps.random),
      since: now.toISOString(),
      expiresAt: epochSeconds(now) + CONFIRMATION_TTL_SECONDS,
    };
    await deps.store.putConfirmation(confirmation);
  }
  await sendCode(deps, user, confirmation, now);
  return imState(deps, user);
}

/**
 * Confirms the address a code was sent to (the link). Refused when the code is unknown or
 * expired, when the user has since changed address, or when another user confirmed it first.
 */
export async function confirmByCode(deps: ConfirmationDeps, site: string, text: string): Promise<User> {
  const code = normalizeConfirmationCode(text);
  const confirmation = code ? await deps.store.getConfirmationByCode(site, code) : undefined;
  if (!confirmation || !isLive(confirmation, clock(deps)))
    throw new RefusedError(
      404,
      'this confirmation code is unknown or has expired; ask for a new one',
      'code',
    );
  const user = await deps.store.getUser(site, confirmation.userId);
  if (!user || user.im?.jid !== confirmation.jid) {
    await deps.store.deleteConfirmation(site, confirmation.userId);
    throw new RefusedError(404, 'this confirmation code is no longer valid: the address was changed', 'code');
  }
  if (user.im.confirmed) return user;
  await refuseIfTakenByOther(deps, site, user.id, confirmation.jid);
  let confirmed: User | undefined;
  try {
    // Only if the address is still the one the code was sent to: a change in between wins.
    confirmed = await deps.store.setIm(
      site,
      user.id,
      { jid: confirmation.jid, confirmed: true },
      confirmation.jid,
    );
  } catch (error) {
    if (error instanceof StoreConflictError) throw takenError(confirmation.jid);
    throw error;
  }
  if (!confirmed)
    throw new RefusedError(404, 'this confirmation code is no longer valid: the address was changed', 'code');
  await deps.store.deleteConfirmation(site, user.id);
  return confirmed;
}

/**
 * What a confirmation code is for, without using it: the link's page shows this and asks
 * for a click, so a chat client that fetches the link for a preview confirms nothing.
 */
export async function describeCode(
  deps: ConfirmationDeps,
  site: string,
  text: string,
): Promise<{ readonly nickname: string; readonly jid: string }> {
  const code = normalizeConfirmationCode(text);
  const confirmation = code ? await deps.store.getConfirmationByCode(site, code) : undefined;
  const user = confirmation && (await deps.store.getUser(site, confirmation.userId));
  if (!confirmation || !isLive(confirmation, clock(deps)) || user?.im?.jid !== confirmation.jid)
    throw new RefusedError(
      404,
      'this confirmation code is unknown or has expired; ask for a new one',
      'code',
    );
  return { nickname: user.nickname, jid: confirmation.jid };
}

export type ChatConfirmation =
  | { readonly handled: false }
  | { readonly handled: true; readonly confirmed: boolean; readonly reply: string };

/**
 * Confirmation by chat, for im-inbound to call before it answers an unknown sender: when
 * `text` is the pending code of `fromBareJid` (any case, spaces around it), the address is
 * confirmed and `reply` says so (or why not); a code that does not fit is answered too. Text
 * that is not shaped like a code is not handled.
 */
export async function confirmByChat(
  site: string,
  fromBareJid: string,
  text: string,
  deps: ConfirmationDeps,
): Promise<ChatConfirmation> {
  const code = normalizeConfirmationCode(text);
  if (!code) return { handled: false };
  const pending = await deps.store.getConfirmationByCode(site, code);
  const { name } = await deps.settings.get(site);
  // Text shaped like a code is someone trying to confirm: say it did not work, rather than
  // fall through to the once-an-hour "not linked" reply they may have had already.
  if (!pending || pending.jid !== fromBareJid || !isLive(pending, clock(deps)))
    return {
      handled: true,
      confirmed: false,
      reply: `[${name}] Not confirmed: that code is unknown, has expired or is for another address; ask the site to send a new one.`,
    };
  try {
    const user = await confirmByCode(deps, site, code);
    return {
      handled: true,
      confirmed: true,
      reply: `[${name}] Confirmed: ${fromBareJid} is now the IM address of ${user.nickname}. Send me a message to post a notice.`,
    };
  } catch (error) {
    if (!(error instanceof RefusedError)) throw error;
    return { handled: true, confirmed: false, reply: `[${name}] Not confirmed: ${error.message}.` };
  }
}

/** Unlinks the user's address: delivery stops with the profile write, then the bot's roster forgets it. */
export async function removeImAddress(
  deps: ConfirmationDeps,
  site: string,
  userId: string,
): Promise<ImState> {
  const user = await requireUser(deps, site, userId);
  if (!user.im) return { state: 'none' };
  await deps.store.setIm(site, userId, undefined);
  await deps.store.deleteConfirmation(site, userId);
  const now = clock(deps);
  await sendRosterRemoval(deps, site, user.im.jid, now);
  return { state: 'none' };
}

async function sendCode(
  deps: ConfirmationDeps,
  user: User,
  confirmation: Confirmation,
  now: Date,
): Promise<void> {
  const settings = await deps.settings.get(user.site);
  const link = `${settings.baseUrl.replace(/\/+$/, '')}${CONFIRM_PATH}${confirmation.code}`;
  const body =
    `[${settings.name}] User "${user.nickname}" on ${settings.name} (${settings.baseUrl}) says ${confirmation.jid} is their IM address. ` +
    `To confirm, open ${link} or send me this code: ${confirmation.code}. ` +
    'If you did not ask for this, ignore this message.';
  // Every sending gets its own stanza ids (the relay skips a stanza id it already delivered),
  // and the ids never carry the code: they show up in logs.
  const sending = `${user.id}-${now.getTime()}`;
  const business = (kind: string) => stanzaId(`${user.site}.${kind}`, sending, confirmation.jid);
  await send(deps, user.site, business('confirm-frame'), [
    subscribeRequest(confirmation.jid, business('subscribe')),
    chatMessage(confirmation.jid, business('confirm'), body),
  ]);
}

/**
 * At most one code message per user and address per minute, however often a site's "resend"
 * is pressed: the code goes to an address nobody has proved yet, so it must not become a way to
 * flood someone else's chat.
 */
async function claimCodeMessage(
  deps: ConfirmationDeps,
  site: string,
  userId: string,
  jid: string,
): Promise<void> {
  const minute = Math.floor(clock(deps).getTime() / 60_000);
  if ((await deps.store.incrementCounter(site, `confirm-to:${userId}:${jid}:${minute}`, 60)) > 1)
    throw new RefusedError(429, `a code was sent to ${jid} less than a minute ago; try again later`, 'jid');
}

/** Unsubscribes both ways, then removes the roster item (RFC 6121 §3.2, §3.3, §2.5). */
async function sendRosterRemoval(deps: ConfirmationDeps, site: string, jid: string, now: Date) {
  const id = stanzaId(`${site}.unlink`, String(now.getTime()), jid);
  await send(deps, site, id, [...unsubscribeBothWays(jid, id), rosterRemove(jid, `${id}-roster`)]);
}

/** One stanzas frame on the priority lane, in order: the relay writes a frame's stanzas in sequence. */
async function send(
  deps: ConfirmationDeps,
  site: string,
  frameId: string,
  stanzas: OutboundStanza[],
): Promise<void> {
  await deps.sender.send('xmpp-out-priority', [
    makeFrame('stanzas', site, frameId, { stanzas }, clock(deps)),
  ]);
}

async function requireUser(deps: ConfirmationDeps, site: string, userId: string): Promise<User> {
  const user = await deps.store.getUser(site, userId);
  if (!user) throw new RefusedError(404, `no user with id ${userId}`, 'user');
  return user;
}

async function refuseIfTakenByOther(deps: ConfirmationDeps, site: string, userId: string, jid: string) {
  const owner = await deps.store.findUserByJid(site, jid);
  if (owner && owner.id !== userId) throw takenError(jid);
}

function takenError(jid: string): RefusedError {
  return new RefusedError(409, `${jid} is already confirmed by another user`, 'jid');
}

async function livePending(deps: ConfirmationDeps, site: string, userId: string) {
  const pending = await deps.store.getPendingConfirmation(site, userId);
  return pending && isLive(pending, clock(deps)) ? pending : undefined;
}

/** The store drops expired codes on read by its own clock; this applies the caller's too. */
function isLive(confirmation: Confirmation, now: Date): boolean {
  return confirmation.expiresAt > epochSeconds(now);
}

function clock(deps: ConfirmationDeps): Date {
  return deps.now?.() ?? new Date();
}

function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
