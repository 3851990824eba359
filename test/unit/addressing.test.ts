import { describe, expect, it } from 'vitest';
import { noticeAddressing, parseGroups, parseMentions } from '../../shared/addressing.js';

describe('addressing', () => {
  it('finds @mentions at the start or after a non-word character, lowercased, once each', () => {
    expect(parseMentions('@Bob hi (@carol), @bob and @dave: see @erin.')).toEqual([
      'bob',
      'carol',
      'dave',
      'erin',
    ]);
    expect(parseMentions('"@frank" \u00ab@gina\u00bb \u200f@hana')).toEqual(['frank', 'gina', 'hana']);
  });

  it('ignores e-mail addresses, markers after letters, digits or combining marks, and empty markers', () => {
    expect(parseMentions('mail alice@example.org or x@bob, 1@carol, e\u0301@dave, @ alone, @@')).toEqual([]);
  });

  it('takes the whole nickname or nothing: underscores belong to it, 65 characters are too many', () => {
    expect(parseMentions('@bob_the_builder! @bob\u00e9')).toEqual(['bob_the_builder']);
    expect(parseMentions(`@${'a'.repeat(64)} @${'b'.repeat(65)}`)).toEqual(['a'.repeat(64)]);
  });

  it('does not count marks inside URLs', () => {
    expect(parseMentions('see https://example.org/@bob?x=1&y=@carol and @dave')).toEqual(['dave']);
    expect(parseGroups('https://example.org/group/!cats?tag=!dogs then !birds')).toEqual(['birds']);
  });

  it('finds !groups the same way', () => {
    expect(parseGroups('!Cats and dogs!not, (!dogs) !cats')).toEqual(['cats', 'dogs']);
  });

  it('unites what the producer listed with what the text says, listed first', () => {
    const addressing = noticeAddressing({
      text: '@carol hello !dogs @Bob',
      mentions: ['Bob', 'zoe'],
      groups: ['cats'],
    });
    expect(addressing).toEqual({ mentions: ['bob', 'zoe', 'carol'], groups: ['cats', 'dogs'] });
    expect(noticeAddressing({ text: 'plain' })).toEqual({ mentions: [], groups: [] });
  });
});
