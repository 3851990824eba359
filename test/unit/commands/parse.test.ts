import { describe, expect, it } from 'vitest';
import { commandName, parseCommand, USAGE } from '../../../shared/commands/parse.js';
import type { Command, CommandName } from '../../../shared/commands/types.js';

const command = (body: string) => {
  const result = parseCommand(body);
  if (result.kind !== 'command') throw new Error(`"${body}" parsed as ${result.kind}`);
  return result.command;
};

describe('parseCommand: commands without arguments', () => {
  const cases: [string, Command][] = [
    ['help', { name: 'help' }],
    ['on', { name: 'on' }],
    ['off', { name: 'off' }],
    ['stop', { name: 'off' }],
    ['quit', { name: 'off' }],
    ['subscriptions', { name: 'subscriptions' }],
    ['subscribers', { name: 'subscribers' }],
    ['groups', { name: 'groups' }],
    ['stats', { name: 'stats' }],
  ];
  it.each(cases)('%s', (body, expected) => {
    expect(command(body)).toEqual(expected);
    expect(command(body.toUpperCase())).toEqual(expected);
    expect(command(`  \t${body}  \n`)).toEqual(expected);
  });

  it.each(cases)('%s with an argument is a usage error', (body, expected) => {
    expect(parseCommand(`${body} me`)).toEqual({
      kind: 'usage',
      name: expected.name,
      usage: USAGE[expected.name],
    });
  });
});

describe('parseCommand: commands taking one nickname', () => {
  const cases: [string, CommandName][] = [
    ['follow', 'follow'],
    ['sub', 'follow'],
    ['leave', 'leave'],
    ['unsub', 'leave'],
    ['lose', 'lose'],
    ['get', 'get'],
    ['last', 'get'],
    ['whois', 'whois'],
    ['nudge', 'nudge'],
  ];
  it.each(cases)('%s bob, @bob, any case and spacing', (keyword, name) => {
    for (const body of [
      `${keyword} bob`,
      `${keyword} @bob`,
      `${keyword.toUpperCase()}   Bob `,
      `\t${keyword}\t@Bob`,
    ]) {
      const parsed = command(body) as { name: CommandName; nickname: string };
      expect(parsed.name).toBe(name);
      expect(parsed.nickname.toLowerCase()).toBe('bob');
    }
  });

  it.each(cases)('%s with no nickname, two nicknames or a bad one is a usage error', (keyword, name) => {
    for (const body of [keyword, `${keyword} a b`, `${keyword} bob!`, `${keyword} @`, `${keyword} #12`]) {
      expect(parseCommand(body)).toEqual({ kind: 'usage', name, usage: USAGE[name] });
    }
  });
});

describe('parseCommand: groups', () => {
  it.each(['join', 'drop'] as const)('%s takes one group nickname, with or without !', (name) => {
    expect(command(`${name} devs`)).toEqual({ name, group: 'devs' });
    expect(command(`${name.toUpperCase()}  !devs `)).toEqual({ name, group: 'devs' });
    expect(parseCommand(name)).toMatchObject({ kind: 'usage', name });
    expect(parseCommand(`${name} a b`)).toMatchObject({ kind: 'usage', name });
  });
});

describe('parseCommand: direct messages', () => {
  it.each(['d', 'dm', 'D', 'DM'])('%s bob text', (keyword) => {
    expect(command(`${keyword} bob hi there`)).toEqual({ name: 'd', nickname: 'bob', text: 'hi there' });
    expect(command(` ${keyword}   @bob   hi  there `)).toEqual({
      name: 'd',
      nickname: 'bob',
      text: 'hi  there',
    });
  });

  it('keeps the message text as typed after the nickname, line breaks included', () => {
    expect(command('d bob first line\nsecond line')).toEqual({
      name: 'd',
      nickname: 'bob',
      text: 'first line\nsecond line',
    });
  });

  it.each(['d', 'd bob', 'dm @bob', 'd bob!  hi', 'd #3 hi'])('"%s" is a usage error', (body) => {
    expect(parseCommand(body)).toEqual({ kind: 'usage', name: 'd', usage: USAGE.d });
  });
});

describe('parseCommand: replies', () => {
  it.each(['r', 'reply', 'R', 'Reply'])('%s #id text and %s nick text', (keyword) => {
    expect(command(`${keyword} #12 nice one`)).toEqual({
      name: 'r',
      target: { kind: 'id', id: '12' },
      text: 'nice one',
    });
    expect(command(`${keyword}  @alice  nice one`)).toEqual({
      name: 'r',
      target: { kind: 'nickname', nickname: 'alice' },
      text: 'nice one',
    });
  });

  it.each(['r', 'r #12', 'reply alice', 'r # text', 'r al!ce text'])('"%s" is a usage error', (body) => {
    expect(parseCommand(body)).toEqual({ kind: 'usage', name: 'r', usage: USAGE.r });
  });
});

describe('parseCommand: repeat and fav', () => {
  const cases: [string, CommandName][] = [
    ['repeat', 'repeat'],
    ['rp', 'repeat'],
    ['rt', 'repeat'],
    ['rd', 'repeat'],
    ['fav', 'fav'],
  ];
  it.each(cases)('%s #id and %s nickname', (keyword, name) => {
    expect(command(`${keyword} #7`)).toEqual({ name, target: { kind: 'id', id: '7' } });
    expect(command(`${keyword.toUpperCase()}  @Alice `)).toEqual({
      name,
      target: { kind: 'nickname', nickname: 'Alice' },
    });
  });

  it.each(cases)('%s with nothing or with two targets is a usage error', (keyword, name) => {
    for (const body of [keyword, `${keyword} #7 #8`, `${keyword} alice please`]) {
      expect(parseCommand(body)).toEqual({ kind: 'usage', name, usage: USAGE[name] });
    }
  });
});

describe('parseCommand: text', () => {
  it.each([
    'good morning',
    'following the news',
    'helpful tip',
    'onwards',
    '@bob hi',
    '#tag',
    'login',
    'invite 555',
    'track foo',
    'd-day is coming',
    '',
    '   ',
  ])('"%s" is not a command', (body) => {
    expect(parseCommand(body)).toEqual({ kind: 'text' });
  });
});

describe('commandName', () => {
  it('maps every alias to its command and nothing else', () => {
    expect(commandName('SUB')).toBe('follow');
    expect(commandName('unsub')).toBe('leave');
    expect(commandName('last')).toBe('get');
    expect(commandName('toString')).toBeUndefined();
    expect(commandName('constructor')).toBeUndefined();
  });
});
