/**
 * The CLI's site API commands: each turns its arguments into one HTTP request to the
 * running local stack's API (functions/site-api/api.ts has the routes).
 */
export interface ApiCall {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

export type Parsed = { readonly call: ApiCall } | { readonly usage: string };

export const API_USAGE = `  user add <nickname> [--id <id>]      create a user (id allocated unless given)
  user show <nickname>                 the user, with their IM state (none, waiting since ..., confirmed)
  follow <nickname> <target>           <nickname> follows <target>
  unfollow <nickname> <target>
  group add <nickname> [--id <id>]     create a group
  group join <group> <nickname>
  group leave <group> <nickname>
  notice <nickname> <text...>          post a notice through the site API
  im set <nickname> <jid>              set the IM address; sends the confirmation code to it
  im remove <nickname>                 remove the IM address
  im resend <nickname>                 send the confirmation code again
  confirm <code>                       confirm an address, as its link's button does
  prefs <nickname> <name>=on|off...    set notify, replies, echo`;

const segment = encodeURIComponent;
const nick = (name: string) => segment(name.replace(/^@/, ''));

export function parseApiCommand(args: readonly string[]): Parsed | undefined {
  const [command, ...rest] = args;
  const exactly = (count: number, usage: string, make: (a: string[]) => ApiCall): Parsed =>
    rest.length === count && rest.every((arg) => arg.trim()) ? { call: make(rest) } : { usage };
  switch (command) {
    case 'user':
      return subcommand(
        rest,
        {
          add: (a) => create('/users', a, 'user add <nickname> [--id <id>]'),
          show: (a) =>
            a.length === 1
              ? { call: { method: 'GET', path: `/users/${nick(a[0] ?? '')}` } }
              : { usage: 'user show <nickname>' },
        },
        'user add|show ...',
      );
    case 'follow':
    case 'unfollow':
      return exactly(2, `${command} <nickname> <target>`, ([who = '', target = '']) => ({
        method: command === 'follow' ? 'PUT' : 'DELETE',
        path: `/users/${nick(who)}/following/${nick(target)}`,
      }));
    case 'group':
      return subcommand(
        rest,
        {
          add: (a) => create('/groups', a, 'group add <nickname> [--id <id>]'),
          join: (a) => membership('PUT', a, 'group join <group> <nickname>'),
          leave: (a) => membership('DELETE', a, 'group leave <group> <nickname>'),
        },
        'group add|join|leave ...',
      );
    case 'notice': {
      const [who, ...words] = rest;
      const text = words.join(' ');
      return who && text.trim()
        ? { call: { method: 'POST', path: `/users/${nick(who)}/notices`, body: { text } } }
        : { usage: 'notice <nickname> <text...>' };
    }
    case 'im':
      return subcommand(
        rest,
        {
          set: (a) =>
            a.length === 2
              ? { call: { method: 'PUT', path: `/users/${nick(a[0] ?? '')}/im`, body: { jid: a[1] } } }
              : { usage: 'im set <nickname> <jid>' },
          remove: (a) =>
            a.length === 1
              ? { call: { method: 'DELETE', path: `/users/${nick(a[0] ?? '')}/im` } }
              : { usage: 'im remove <nickname>' },
          resend: (a) =>
            a.length === 1
              ? { call: { method: 'POST', path: `/users/${nick(a[0] ?? '')}/im/resend` } }
              : { usage: 'im resend <nickname>' },
        },
        'im set|remove|resend ...',
      );
    case 'confirm':
      return exactly(1, 'confirm <code>', ([code = '']) => ({
        method: 'POST',
        path: `/confirm/${segment(code.trim())}`,
      }));
    case 'prefs':
      return preferences(rest);
    default:
      return undefined;
  }
}

function subcommand(
  args: readonly string[],
  table: Record<string, (rest: string[]) => Parsed>,
  usage: string,
): Parsed {
  const [name, ...rest] = args;
  const run = name ? table[name] : undefined;
  return run ? run(rest) : { usage };
}

function create(path: string, args: readonly string[], usage: string): Parsed {
  const [nickname, flag, id, ...extra] = args;
  if (!nickname || extra.length > 0) return { usage };
  if (flag === undefined) return { call: { method: 'POST', path, body: { nickname } } };
  return flag === '--id' && id ? { call: { method: 'POST', path, body: { nickname, id } } } : { usage };
}

function membership(method: string, args: readonly string[], usage: string): Parsed {
  const [group, who] = args;
  return args.length === 2 && group && who
    ? { call: { method, path: `/groups/${nick(group.replace(/^!/, ''))}/members/${nick(who)}` } }
    : { usage };
}

const SWITCH: Record<string, boolean> = {
  on: true,
  off: false,
  true: true,
  false: false,
  yes: true,
  no: false,
};

function preferences(args: readonly string[]): Parsed {
  const usage = 'prefs <nickname> notify=on|off replies=on|off echo=on|off (one or more)';
  const [who, ...settings] = args;
  if (!who || settings.length === 0) return { usage };
  const body: Record<string, boolean> = {};
  for (const setting of settings) {
    const [name = '', value = ''] = setting.split('=');
    const on = SWITCH[value.toLowerCase()];
    if (!['notify', 'replies', 'echo'].includes(name) || on === undefined) return { usage };
    body[name] = on;
  }
  return { call: { method: 'PATCH', path: `/users/${nick(who)}/preferences`, body } };
}
