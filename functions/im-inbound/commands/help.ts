import { DESCRIPTION, USAGE } from '../../../shared/commands/parse.js';
import type { CommandName } from '../../../shared/commands/types.js';

/** The commands `help` lists: exactly the ones `execute` runs, in this order. */
export const HELP_ORDER: readonly CommandName[] = [
  'help',
  'on',
  'off',
  'follow',
  'leave',
  'lose',
  'subscriptions',
  'subscribers',
  'groups',
  'join',
  'drop',
  'get',
  'whois',
  'd',
  'r',
  'repeat',
  'fav',
  'nudge',
  'stats',
];

export function help(): string {
  const lines = HELP_ORDER.map((name) => `${USAGE[name]} - ${DESCRIPTION[name]}`);
  return `Commands:\n${lines.join('\n')}\nAnything else is posted as a notice.`;
}
