import { describe, expect, it } from 'vitest';
import { bareJid, parseJid } from '../../shared/jid.js';

describe('JIDs', () => {
  it('drops the resource and case-folds', () => {
    expect(bareJid('Bob@Example.ORG/Gajim.x1')).toBe('bob@example.org');
  });

  it('rejects malformed addresses', () => {
    for (const bad of [
      '',
      'example.org',
      '@example.org',
      'a b@example.org',
      'bob@',
      'bob@example.org/',
      'a@b@c',
      'dave\u0001@example.org',
      'dave@exa\u007fmple.org',
      'dave@example.org/res\u0000',
    ]) {
      expect(bareJid(bad), bad).toBeUndefined();
    }
  });

  it('parses the three parts', () => {
    expect(parseJid('bob@example.org/home')).toEqual({
      local: 'bob',
      domain: 'example.org',
      resource: 'home',
    });
  });
});
