import type { Command, CommandName, Interpretation, NoticeTarget } from './types.js';

/**
 * The command interpreter's parser (statusnet.md §3), pure. Like StatusNet it trims, splits
 * on runs of whitespace and lowercases the keyword; unlike StatusNet a known keyword with
 * the wrong arguments is a usage error, never text to publish (§4.B.10). `@` before a
 * nickname is accepted everywhere a nickname is expected.
 */

/** The one-line syntax of each command; `help` prints these, usage errors quote one. */
export const USAGE: Readonly<Record<CommandName, string>> = {
  help: 'help',
  on: 'on',
  off: 'off (also stop, quit)',
  follow: 'follow <nickname> (also sub)',
  leave: 'leave <nickname> (also unsub)',
  lose: 'lose <nickname>',
  subscriptions: 'subscriptions',
  subscribers: 'subscribers',
  groups: 'groups',
  join: 'join <group>',
  drop: 'drop <group>',
  get: 'get <nickname> (also last)',
  whois: 'whois <nickname>',
  d: 'd <nickname> <text> (also dm)',
  r: 'r <#id or nickname> <text> (also reply)',
  repeat: 'repeat <#id or nickname> (also rp, rt, rd)',
  fav: 'fav <#id or nickname>',
  nudge: 'nudge <nickname>',
  stats: 'stats',
};

/** What each command does, for `help`. */
export const DESCRIPTION: Readonly<Record<CommandName, string>> = {
  help: 'show this list',
  on: 'turn on notices by IM',
  off: 'turn off notices by IM',
  follow: 'follow a user',
  leave: 'stop following a user',
  lose: 'make a user stop following you',
  subscriptions: 'list the people you follow',
  subscribers: 'list the people who follow you',
  groups: 'list the groups you are in',
  join: 'join a group',
  drop: 'leave a group',
  get: "show a user's latest notice",
  whois: "show a user's profile",
  d: 'send a direct message',
  r: 'reply to a notice, or to the latest notice of a user',
  repeat: 'repeat a notice',
  fav: 'mark a notice as a favourite',
  nudge: 'remind a user to post',
  stats: 'your subscription, subscriber and notice counts',
};

const ALIASES: Readonly<Record<string, CommandName>> = {
  help: 'help',
  on: 'on',
  off: 'off',
  stop: 'off',
  quit: 'off',
  follow: 'follow',
  sub: 'follow',
  leave: 'leave',
  unsub: 'leave',
  lose: 'lose',
  subscriptions: 'subscriptions',
  subscribers: 'subscribers',
  groups: 'groups',
  join: 'join',
  drop: 'drop',
  get: 'get',
  last: 'get',
  whois: 'whois',
  d: 'd',
  dm: 'd',
  r: 'r',
  reply: 'r',
  repeat: 'repeat',
  rp: 'repeat',
  rt: 'repeat',
  rd: 'repeat',
  fav: 'fav',
  nudge: 'nudge',
  stats: 'stats',
};

const NICKNAME = /^@?([A-Za-z0-9_]{1,64})$/;
const GROUP = /^!?([A-Za-z0-9_]{1,64})$/;
const NOTICE_ID = /^#([A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/;

/** The canonical command name for a keyword (any case), if it is one. */
export function commandName(keyword: string): CommandName | undefined {
  return Object.hasOwn(ALIASES, keyword.toLowerCase()) ? ALIASES[keyword.toLowerCase()] : undefined;
}

export function parseCommand(body: string): Interpretation {
  const text = body.trim();
  const [keyword = '', ...args] = text.split(/\s+/);
  const name = commandName(keyword);
  if (!name) return { kind: 'text' };
  // The free text of `d` and `r` keeps its own spacing: only the gap after the target goes.
  const rest = (skip: number) => restAfter(text, skip);
  const command = build(name, args, rest);
  return command ? { kind: 'command', command } : { kind: 'usage', name, usage: USAGE[name] };
}

function build(
  name: CommandName,
  args: readonly string[],
  rest: (skip: number) => string,
): Command | undefined {
  switch (name) {
    case 'help':
    case 'on':
    case 'off':
    case 'subscriptions':
    case 'subscribers':
    case 'groups':
    case 'stats':
      return args.length === 0 ? { name } : undefined;
    case 'follow':
    case 'leave':
    case 'lose':
    case 'get':
    case 'whois':
    case 'nudge': {
      const nickname = args.length === 1 ? nicknameOf(args[0]) : undefined;
      return nickname ? { name, nickname } : undefined;
    }
    case 'join':
    case 'drop': {
      const group = args.length === 1 ? GROUP.exec(args[0] ?? '')?.[1] : undefined;
      return group ? { name, group } : undefined;
    }
    case 'd': {
      const nickname = args.length >= 2 ? nicknameOf(args[0]) : undefined;
      return nickname ? { name, nickname, text: rest(2) } : undefined;
    }
    case 'r': {
      const target = args.length >= 2 ? targetOf(args[0]) : undefined;
      return target ? { name, target, text: rest(2) } : undefined;
    }
    case 'repeat':
    case 'fav': {
      const target = args.length === 1 ? targetOf(args[0]) : undefined;
      return target ? { name, target } : undefined;
    }
  }
}

function nicknameOf(arg: string | undefined): string | undefined {
  return NICKNAME.exec(arg ?? '')?.[1];
}

function targetOf(arg: string | undefined): NoticeTarget | undefined {
  const id = NOTICE_ID.exec(arg ?? '')?.[1];
  if (id) return { kind: 'id', id };
  const nickname = nicknameOf(arg);
  return nickname ? { kind: 'nickname', nickname } : undefined;
}

/** `text` without its first `count` whitespace-separated words. */
function restAfter(text: string, count: number): string {
  let rest = text;
  for (let i = 0; i < count; i++) rest = rest.replace(/^\S+\s*/u, '');
  return rest;
}
