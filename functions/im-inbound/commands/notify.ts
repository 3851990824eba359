import type { User } from '../../../shared/store/types.js';
import type { CommandDeps } from './deps.js';

/**
 * `on`: notices by IM again. Only the preference is written (an address confirmed meanwhile
 * is kept), and the store keeps the IM subscriber index in step.
 */
export async function turnOn(user: User, deps: CommandDeps): Promise<string> {
  if (user.notify) return 'Notification is already on.';
  await deps.store.setPreferences(deps.site, user.id, { notify: true });
  return 'Notification on.';
}

/** `off` (`stop`, `quit`): no more notices by IM; commands keep working. */
export async function turnOff(user: User, deps: CommandDeps): Promise<string> {
  if (!user.notify) return 'Notification is already off.';
  await deps.store.setPreferences(deps.site, user.id, { notify: false });
  return 'Notification off.';
}
