/**
 * The IM command set (statusnet.md §3): what a chat message asks for once it has been
 * recognised as a command. Nicknames are stored without a leading `@`, as typed otherwise.
 */

/** A notice named by id (`#123`) or by its author (their latest notice). */
export type NoticeTarget =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'nickname'; readonly nickname: string };

export type Command =
  | { readonly name: 'help' }
  | { readonly name: 'on' }
  | { readonly name: 'off' }
  | { readonly name: 'follow'; readonly nickname: string }
  | { readonly name: 'leave'; readonly nickname: string }
  | { readonly name: 'lose'; readonly nickname: string }
  | { readonly name: 'subscriptions' }
  | { readonly name: 'subscribers' }
  | { readonly name: 'groups' }
  | { readonly name: 'join'; readonly group: string }
  | { readonly name: 'drop'; readonly group: string }
  | { readonly name: 'get'; readonly nickname: string }
  | { readonly name: 'whois'; readonly nickname: string }
  | { readonly name: 'd'; readonly nickname: string; readonly text: string }
  | { readonly name: 'r'; readonly target: NoticeTarget; readonly text: string }
  | { readonly name: 'repeat'; readonly target: NoticeTarget }
  | { readonly name: 'fav'; readonly target: NoticeTarget }
  | { readonly name: 'nudge'; readonly nickname: string }
  | { readonly name: 'stats' };

export type CommandName = Command['name'];

/** What a chat message is: a command to run, a known command used wrongly, or text to post. */
export type Interpretation =
  | { readonly kind: 'command'; readonly command: Command }
  | { readonly kind: 'usage'; readonly name: CommandName; readonly usage: string }
  | { readonly kind: 'text' };
