import { profileUrl } from '../../../shared/render/urls.js';
import { imDeliveryJid, type User } from '../../../shared/store/types.js';
import { lengthRefusal } from '../posting.js';
import type { CommandDeps } from './deps.js';
import { findUser, readAll } from './lookup.js';

/** `whois`: the profile, as `nick (url)`. */
export async function whois(_user: User, nickname: string, deps: CommandDeps): Promise<string> {
  const found = await findUser(deps, nickname);
  if ('reply' in found) return found.reply;
  const { nickname: nick } = found.user;
  return `${nick} (${profileUrl(deps.settings, nick)})`;
}

/** `stats`: the sender's own counts. */
export async function stats(user: User, deps: CommandDeps): Promise<string> {
  const [following, followers, activity] = await Promise.all([
    readAll((cursor) => deps.store.listSubscriptions(deps.site, user.id, cursor)),
    readAll((cursor) => deps.store.listSubscribers(deps.site, user.id, cursor)),
    deps.store.getUserActivity(deps.site, user.id),
  ]);
  return `Subscriptions: ${following.length}\nSubscribers: ${followers.length}\nNotices: ${activity.notices}`;
}

/** `nudge`: StatusNet only emailed ("XXX: notify by IM"); here the nudge goes by IM. */
export async function nudge(user: User, nickname: string, deps: CommandDeps): Promise<string> {
  const found = await findUser(deps, nickname);
  if ('reply' in found) return found.reply;
  const target = found.user;
  if (target.id === user.id) return 'It does not make a lot of sense to nudge yourself!';
  const jid = imDeliveryJid(target);
  if (!jid || (await blocks(deps, target.id, user.id)))
    return `${target.nickname} does not receive messages by IM, so the nudge was not sent.`;
  const sent = await deps.sendChat(
    jid,
    `${user.nickname} is wondering what you are up to. Send me a message to post a notice.`,
    'nudge',
  );
  if (!sent) return `You have nudged ${target.nickname} enough this minute; try again later.`;
  return `Nudge sent to ${target.nickname}.`;
}

/**
 * `d` (`dm`): a direct message, stored, and sent by IM when the recipient gets IM. Like
 * StatusNet, only to a local user who follows the sender (no messages from strangers).
 */
export async function directMessage(
  user: User,
  nickname: string,
  text: string,
  deps: CommandDeps,
): Promise<string> {
  const found = await findUser(deps, nickname);
  if ('reply' in found) return found.reply;
  const recipient = found.user;
  if (recipient.id === user.id) return 'You cannot send a direct message to yourself.';
  const follows = await deps.store.findSubscribers(deps.site, user.id, [recipient.id]);
  if (follows.length === 0 || (await blocks(deps, recipient.id, user.id)))
    return `You cannot send a direct message to ${recipient.nickname}: they do not follow you.`;
  const tooLong = lengthRefusal(text, deps);
  if (tooLong) return tooLong;
  await deps.store.saveDirectMessage(deps.site, {
    id: deps.frameId,
    from: { id: user.id, nickname: user.nickname },
    to: { id: recipient.id, nickname: recipient.nickname },
    text,
    createdAt: deps.receivedAt,
  });
  const jid = imDeliveryJid(recipient);
  if (!jid)
    return `Direct message to ${recipient.nickname} saved; they do not get IM, so it was not sent by IM.`;
  const sent = await deps.sendChat(jid, `Direct message from ${user.nickname}: ${text}`, 'dm');
  if (!sent)
    return `Direct message to ${recipient.nickname} saved, but not sent by IM: you have sent them enough messages this minute.`;
  return `Direct message to ${recipient.nickname} sent.`;
}

/** Whether `blockerId` blocks `userId` (one Query of the user's blockers). */
async function blocks(deps: CommandDeps, blockerId: string, userId: string): Promise<boolean> {
  return (await deps.store.listBlockers(deps.site, userId)).includes(blockerId);
}
