import type { Group, User } from '../../../shared/store/types.js';
import type { CommandDeps } from './deps.js';
import { readAll } from './lookup.js';

async function findGroup(deps: CommandDeps, nickname: string): Promise<{ group: Group } | { reply: string }> {
  const group = await deps.store.findGroupByNickname(deps.site, nickname);
  return group ? { group } : { reply: `No such group: ${nickname}.` };
}

async function isMember(deps: CommandDeps, groupId: string, userId: string): Promise<boolean> {
  return (await deps.store.findGroupMembers(deps.site, groupId, [userId])).length > 0;
}

export async function groups(user: User, deps: CommandDeps): Promise<string> {
  const ids = await readAll((cursor) => deps.store.listUserGroups(deps.site, user.id, cursor));
  const names = (await deps.store.getGroups(deps.site, ids))
    .map((g) => g.nickname)
    .sort((a, b) => a.localeCompare(b));
  if (names.length === 0) return 'You are not a member of any groups.';
  return `You are a member of ${names.length === 1 ? 'this group' : 'these groups'}: ${names.join(', ')}`;
}

export async function join(user: User, nickname: string, deps: CommandDeps): Promise<string> {
  const found = await findGroup(deps, nickname);
  if ('reply' in found) return found.reply;
  const { group } = found;
  if (await isMember(deps, group.id, user.id)) return `You are already a member of ${group.nickname}.`;
  await deps.store.joinGroup(deps.site, group.id, user.id);
  return `${user.nickname} joined group ${group.nickname}.`;
}

export async function drop(user: User, nickname: string, deps: CommandDeps): Promise<string> {
  const found = await findGroup(deps, nickname);
  if ('reply' in found) return found.reply;
  const { group } = found;
  if (!(await isMember(deps, group.id, user.id))) return `You are not a member of ${group.nickname}.`;
  await deps.store.leaveGroup(deps.site, group.id, user.id);
  return `${user.nickname} left group ${group.nickname}.`;
}
