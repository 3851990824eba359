import type { Command } from '../../../shared/commands/types.js';
import type { User } from '../../../shared/store/types.js';
import type { CommandDeps } from './deps.js';
import { drop, groups, join } from './groups.js';
import { help } from './help.js';
import { fav, get, repeat, reply } from './notices.js';
import { turnOff, turnOn } from './notify.js';
import { directMessage, nudge, stats, whois } from './people.js';
import { follow, leave, lose, subscribers, subscriptions } from './subscriptions.js';

/** Runs one command for `user` and returns the reply text (without the `[Site]` prefix). */
export async function executeCommand(user: User, command: Command, deps: CommandDeps): Promise<string> {
  switch (command.name) {
    case 'help':
      return help();
    case 'on':
      return turnOn(user, deps);
    case 'off':
      return turnOff(user, deps);
    case 'follow':
      return follow(user, command.nickname, deps);
    case 'leave':
      return leave(user, command.nickname, deps);
    case 'lose':
      return lose(user, command.nickname, deps);
    case 'subscriptions':
      return subscriptions(user, deps);
    case 'subscribers':
      return subscribers(user, deps);
    case 'groups':
      return groups(user, deps);
    case 'join':
      return join(user, command.group, deps);
    case 'drop':
      return drop(user, command.group, deps);
    case 'get':
      return get(user, command.nickname, deps);
    case 'whois':
      return whois(user, command.nickname, deps);
    case 'd':
      return directMessage(user, command.nickname, command.text, deps);
    case 'r':
      return reply(user, command.target, command.text, deps);
    case 'repeat':
      return repeat(user, command.target, deps);
    case 'fav':
      return fav(user, command.target, deps);
    case 'nudge':
      return nudge(user, command.nickname, deps);
    case 'stats':
      return stats(user, deps);
  }
}
