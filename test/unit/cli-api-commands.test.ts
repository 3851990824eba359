import { describe, expect, it } from 'vitest';
import { parseApiCommand } from '../../cli/api-commands.js';

describe('CLI site API commands', () => {
  it.each([
    [['user', 'add', 'dave'], 'POST', '/users', { nickname: 'dave' }],
    [['user', 'add', 'dave', '--id', '42'], 'POST', '/users', { nickname: 'dave', id: '42' }],
    [['user', 'show', '@dave'], 'GET', '/users/dave', undefined],
    [['follow', 'dave', '@alice'], 'PUT', '/users/dave/following/alice', undefined],
    [['unfollow', 'dave', 'alice'], 'DELETE', '/users/dave/following/alice', undefined],
    [['group', 'add', 'cats'], 'POST', '/groups', { nickname: 'cats' }],
    [['group', 'join', '!cats', 'dave'], 'PUT', '/groups/cats/members/dave', undefined],
    [['group', 'leave', 'cats', 'dave'], 'DELETE', '/groups/cats/members/dave', undefined],
    [['notice', 'dave', 'hello', 'world'], 'POST', '/users/dave/notices', { text: 'hello world' }],
    [['im', 'set', 'dave', 'dave@example.org'], 'PUT', '/users/dave/im', { jid: 'dave@example.org' }],
    [['im', 'remove', 'dave'], 'DELETE', '/users/dave/im', undefined],
    [['im', 'resend', 'dave'], 'POST', '/users/dave/im/resend', undefined],
    [['confirm', 'abcdefghjkmn2'], 'POST', '/confirm/abcdefghjkmn2', undefined],
    [
      ['prefs', 'dave', 'notify=off', 'echo=on'],
      'PATCH',
      '/users/dave/preferences',
      { notify: false, echo: true },
    ],
  ])('%j calls %s %s', (args, method, path, body) => {
    expect(parseApiCommand(args)).toEqual({
      call: body === undefined ? { method, path } : { method, path, body },
    });
  });

  it.each([
    [['user']],
    [['user', 'add']],
    [['user', 'add', 'dave', '--name', 'x']],
    [['user', 'show', 'a', 'b']],
    [['follow', 'dave']],
    [['follow', 'dave', 'alice', 'bob']],
    [['group', 'join', 'cats']],
    [['notice', 'dave']],
    [['im', 'set', 'dave']],
    [['im', 'drop', 'dave']],
    [['confirm']],
    [['prefs', 'dave']],
    [['prefs', 'dave', 'notify=maybe']],
    [['prefs', 'dave', 'colour=on']],
  ])('%j is a usage error', (args) => {
    expect(parseApiCommand(args)).toMatchObject({ usage: expect.any(String) });
  });

  it('leaves other commands (post, unknown) to the caller', () => {
    expect(parseApiCommand(['post', 'alice', 'hi'])).toBeUndefined();
    expect(parseApiCommand(['frobnicate'])).toBeUndefined();
  });

  it('escapes path segments', () => {
    expect(parseApiCommand(['confirm', 'a/b?c'])).toEqual({
      call: { method: 'POST', path: '/confirm/a%2Fb%3Fc' },
    });
  });
});
