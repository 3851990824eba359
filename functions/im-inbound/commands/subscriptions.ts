import type { User } from '../../../shared/store/types.js';
import type { CommandDeps } from './deps.js';
import { findUser, readAll } from './lookup.js';

async function follows(deps: CommandDeps, subscriberId: string, authorId: string): Promise<boolean> {
  return (await deps.store.findSubscribers(deps.site, authorId, [subscriberId])).length > 0;
}

/** `follow` (`sub`): StatusNet's `Subscription::start`, refused when the author blocks you. */
export async function follow(user: User, nickname: string, deps: CommandDeps): Promise<string> {
  const found = await findUser(deps, nickname);
  if ('reply' in found) return found.reply;
  const author = found.user;
  if (author.id === user.id) return 'You cannot follow yourself.';
  if (await follows(deps, user.id, author.id)) return `You are already following ${author.nickname}.`;
  if ((await deps.store.listBlockers(deps.site, user.id)).includes(author.id))
    return `You cannot follow ${author.nickname}: they have blocked you.`;
  await deps.store.follow(deps.site, user.id, author.id);
  return `Subscribed to ${author.nickname}.`;
}

/** `leave` (`unsub`): StatusNet's `Subscription::cancel`. */
export async function leave(user: User, nickname: string, deps: CommandDeps): Promise<string> {
  const found = await findUser(deps, nickname);
  if ('reply' in found) return found.reply;
  const author = found.user;
  if (author.id === user.id) return 'You cannot unfollow yourself.';
  if (!(await deps.store.unfollow(deps.site, user.id, author.id)))
    return `You are not following ${author.nickname}.`;
  return `Unsubscribed from ${author.nickname}.`;
}

/** `lose`: makes `nickname` stop following you. */
export async function lose(user: User, nickname: string, deps: CommandDeps): Promise<string> {
  const found = await findUser(deps, nickname);
  if ('reply' in found) return found.reply;
  const follower = found.user;
  if (follower.id === user.id) return 'You cannot lose yourself.';
  if (!(await deps.store.unfollow(deps.site, follower.id, user.id)))
    return `${follower.nickname} is not following you.`;
  return `${follower.nickname} no longer follows you.`;
}

async function nicknames(deps: CommandDeps, ids: readonly string[]): Promise<string[]> {
  const users = await deps.store.getUsers(deps.site, ids);
  return users.map((u) => u.nickname).sort((a, b) => a.localeCompare(b));
}

export async function subscriptions(user: User, deps: CommandDeps): Promise<string> {
  const ids = await readAll((cursor) => deps.store.listSubscriptions(deps.site, user.id, cursor));
  const names = await nicknames(deps, ids);
  if (names.length === 0) return 'You are not subscribed to anyone.';
  return `You are subscribed to ${names.length === 1 ? 'this person' : 'these people'}: ${names.join(', ')}`;
}

export async function subscribers(user: User, deps: CommandDeps): Promise<string> {
  const rows = await readAll((cursor) => deps.store.listSubscribers(deps.site, user.id, cursor));
  const names = await nicknames(
    deps,
    rows.map((row) => row.userId),
  );
  if (names.length === 0) return 'No one is subscribed to you.';
  return `${names.length === 1 ? 'This person is' : 'These people are'} subscribed to you: ${names.join(', ')}`;
}
