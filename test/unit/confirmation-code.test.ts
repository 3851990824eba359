import { describe, expect, it, vi } from 'vitest';
import {
  CONFIRMATION_ALPHABET,
  CONFIRMATION_CODE_LENGTH,
  generateConfirmationCode,
  normalizeConfirmationCode,
} from '../../shared/confirmation/code.js';

describe('confirmation codes', () => {
  it('are 13 characters from the alphabet without look-alikes', () => {
    expect(CONFIRMATION_ALPHABET).toBe('23456789ABCDEFGHJKLMNPQRSTUVWXYZ');
    for (let i = 0; i < 200; i++) {
      const code = generateConfirmationCode();
      expect(code).toHaveLength(CONFIRMATION_CODE_LENGTH);
      expect(code).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{13}$/);
    }
  });

  it('come from the random source, one byte per character, modulo 32', () => {
    const random = vi.fn((size: number) => Uint8Array.from({ length: size }, (_, i) => i * 33));
    const code = generateConfirmationCode(random);
    expect(random).toHaveBeenCalledWith(13);
    expect(code).toBe(Array.from({ length: 13 }, (_, i) => CONFIRMATION_ALPHABET[(i * 33) % 32]).join(''));
    expect(generateConfirmationCode(() => new Uint8Array(13).fill(31))).toBe('Z'.repeat(13));
  });

  it('use every symbol and do not repeat (crypto source by default)', () => {
    const codes = Array.from({ length: 500 }, () => generateConfirmationCode());
    expect(new Set(codes).size).toBe(500);
    expect(new Set(codes.join('')).size).toBe(32);
  });

  it('refuse a short random source', () => {
    expect(() => generateConfirmationCode(() => new Uint8Array(5))).toThrow(/too few bytes/);
  });

  it('are read back in any case with spaces around, and nothing else is a code', () => {
    expect(normalizeConfirmationCode('  abcdefghjkmn2 \n')).toBe('ABCDEFGHJKMN2');
    expect(normalizeConfirmationCode('ABCDEFGHJKMN')).toBeUndefined();
    expect(normalizeConfirmationCode('ABCDEFGHJKMN23')).toBeUndefined();
    expect(normalizeConfirmationCode('ABCDEFGHJKMN0')).toBeUndefined();
    expect(normalizeConfirmationCode('ABCD EFGHJKMN2')).toBeUndefined();
    expect(normalizeConfirmationCode('hello world!!')).toBeUndefined();
  });
});
