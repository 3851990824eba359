import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { parseCommand } from '../../shared/commands/parse.js';
import { confirmByChat } from '../../shared/confirmation/confirmation.js';
import type { InboundChatFrame } from '../../shared/frames.js';
import { bareJid } from '../../shared/jid.js';
import type { FrameSender } from '../../shared/queue.js';
import type { SiteSettingsCache } from '../../shared/site-settings.js';
import type { ConfirmationStore, Store, User } from '../../shared/store/types.js';
import type { CommandDeps } from './commands/deps.js';
import { executeCommand } from './commands/execute.js';
import { isAutoReply, isOtr } from './filters.js';
import { sendLimitedChat, sendSiteChat } from './outbound.js';
import { INBOUND_DEDUP_SECONDS, postingRefusal, publishNotice, tooLongReply } from './posting.js';
import { replyToUnknownSender } from './unknown-sender.js';

export interface ImInboundDeps {
  /** Confirmations too: a pending address is confirmed by chat. */
  readonly store: Store & ConfirmationStore;
  readonly sender: FrameSender;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly settings: Pick<SiteSettingsCache, 'get'>;
  /** How long a claim on a stanza lasts: the handler's timeout (default 30 s). */
  readonly claimSeconds?: number;
  /** Most messages to one JID per minute; default REPLIES_PER_MINUTE (outbound.ts). */
  readonly repliesPerMinute?: number;
  readonly now?: () => Date;
}

const CLAIM_SECONDS = 30;

export type InboundOutcome =
  | { readonly action: 'ignored'; readonly reason: string }
  | { readonly action: 'replied-unknown-sender'; readonly jid: string; readonly replied: boolean }
  | {
      readonly action: 'confirmation';
      readonly jid: string;
      readonly confirmed: boolean;
      readonly replied: boolean;
    }
  | { readonly action: 'command'; readonly name: string; readonly reply: string }
  | { readonly action: 'usage'; readonly name: string; readonly reply: string }
  | { readonly action: 'refused'; readonly reply: string }
  | { readonly action: 'posted'; readonly noticeId: string };

/**
 * StatusNet's `xmpp-in` handling (statusnet.md §2.4), with its bugs fixed: what is not a
 * person typing to us (non-chat types, empty bodies, auto-replies, OTR) is acknowledged and
 * dropped without a reply; a stranger hears how to link the address; a user's message is a
 * command (§3) or a notice. Every reply is rate-limited per JID. The same stanza (the frame
 * id derives from sender and stanza id) is processed once: a finished frame is skipped, a copy
 * arriving while another is being handled is dropped, and one that failed half-way is run
 * again with the same ids and the same reply.
 */
export async function handleInboundChat(
  frame: InboundChatFrame,
  deps: ImInboundDeps,
): Promise<InboundOutcome> {
  const { site } = frame;
  const chat = frame.payload;
  // A missing type is `normal` (RFC 6121 §5.2.2); StatusNet treated both as chat.
  if (chat.type !== 'chat' && chat.type !== 'normal')
    return { action: 'ignored', reason: `type ${chat.type}` };
  const text = chat.body.trim();
  if (!text) return { action: 'ignored', reason: 'empty body' };
  if (isAutoReply(text)) return { action: 'ignored', reason: 'auto-reply' };
  if (isOtr(text)) return { action: 'ignored', reason: 'OTR' };
  const jid = bareJid(chat.from);
  if (!jid) return { action: 'ignored', reason: 'malformed sender JID' };

  // Claim the stanza: a copy handled at the same time (two SQS messages for one stanza)
  // is dropped, because the claimant's own message comes back if the claimant fails. The
  // claim lapses with the invocation that holds it, so that retry can claim it again.
  const state = `inbound-state:${frame.id}`;
  const claim = `claim:${randomUUID()}`;
  const held = await deps.store.rememberFirst(site, state, claim, deps.claimSeconds ?? CLAIM_SECONDS);
  if (held === 'done') return { action: 'ignored', reason: 'already processed' };
  if (held !== claim) return { action: 'ignored', reason: 'being processed by another invocation' };
  const outcome = await respond(frame, jid, text, deps);
  await deps.store.remember(site, state, 'done', INBOUND_DEDUP_SECONDS);
  deps.logger.info('inbound chat handled', { site, jid, frameId: frame.id, action: outcome.action });
  return outcome;
}

async function respond(
  frame: InboundChatFrame,
  jid: string,
  text: string,
  deps: ImInboundDeps,
): Promise<InboundOutcome> {
  const now = deps.now?.() ?? new Date();
  const settings = await deps.settings.get(frame.site);
  const user = await deps.store.findUserByJid(frame.site, jid);
  if (!user) {
    // The code of a pending address confirmation, sent from that address, confirms it.
    const confirmation = await confirmByChat(frame.site, jid, text, { ...deps, now: () => now });
    if (confirmation.handled) {
      const replied = await sendLimitedChat(deps, {
        site: frame.site,
        to: jid,
        text: confirmation.reply,
        kind: 'confirm-reply',
        frameId: frame.id,
        at: now,
      });
      return { action: 'confirmation', jid, confirmed: confirmation.confirmed, replied };
    }
    const replied = await replyToUnknownSender(frame, jid, settings, deps, now);
    return { action: 'replied-unknown-sender', jid, replied };
  }

  const sendChat = async (to: string, body: string, kind: string) => {
    const sent = await sendSiteChat(deps, {
      site: frame.site,
      siteName: settings.name,
      to,
      body,
      kind,
      frameId: frame.id,
      at: now,
      ...(to === jid ? {} : { onBehalfOf: user.id }),
    });
    // The person sees nothing; the operator should be able to tell why.
    if (!sent)
      deps.logger.warn('chat message held back by the per-address limit', { site: frame.site, to, kind });
    return sent;
  };
  const commandDeps: CommandDeps = {
    store: deps.store,
    sender: deps.sender,
    site: frame.site,
    settings,
    frameId: frame.id,
    receivedAt: frame.payload.receivedAt,
    sendChat,
  };
  const reply = async (body: string) => {
    // A retried frame sends the reply of its first attempt, even if state changed since.
    const first = await deps.store.rememberFirst(
      frame.site,
      `inbound-reply:${frame.id}`,
      body,
      INBOUND_DEDUP_SECONDS,
    );
    await sendChat(jid, first, 'reply');
    return first;
  };

  // A body the relay had to cut is too long for any command or notice.
  const { bodyLength } = frame.payload;
  if (bodyLength !== undefined)
    return { action: 'refused', reply: await reply(tooLongReply(settings.textLimit, bodyLength)) };

  const interpretation = parseCommand(text);
  if (interpretation.kind === 'usage') {
    const body = await reply(
      `Usage: ${interpretation.usage}. Nothing was posted; send "help" for the commands.`,
    );
    return { action: 'usage', name: interpretation.name, reply: body };
  }
  if (interpretation.kind === 'command') {
    const body = await reply(await executeCommand(user, interpretation.command, commandDeps));
    return { action: 'command', name: interpretation.command.name, reply: body };
  }
  return postText(user, text, commandDeps, reply);
}

/** Plain text becomes a notice, silently; a refusal (length, duplicate, throttle) is replied. */
async function postText(
  user: User,
  text: string,
  deps: CommandDeps,
  reply: (body: string) => Promise<string>,
): Promise<InboundOutcome> {
  const refusal = await postingRefusal(user, text, deps);
  if (refusal) return { action: 'refused', reply: await reply(refusal) };
  return { action: 'posted', noticeId: await publishNotice(user, text, deps) };
}
