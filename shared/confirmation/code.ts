import { randomBytes } from 'node:crypto';

/**
 * Confirmation codes: 13 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
 * so a code read off one screen and typed into a chat client survives. 32 symbols give
 * 65 bits per code.
 */
export const CONFIRMATION_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const CONFIRMATION_CODE_LENGTH = 13;
/** How long a code stays valid. */
export const CONFIRMATION_TTL_SECONDS = 7 * 24 * 3600;

/** n cryptographically random bytes; injectable so tests can check the source is used. */
export type RandomBytes = (size: number) => Uint8Array;

export function generateConfirmationCode(random: RandomBytes = randomBytes): string {
  const bytes = random(CONFIRMATION_CODE_LENGTH);
  if (bytes.length < CONFIRMATION_CODE_LENGTH) throw new Error('random source returned too few bytes');
  // 256 is a multiple of 32, so taking each byte modulo 32 favours no symbol.
  return Array.from(
    bytes.subarray(0, CONFIRMATION_CODE_LENGTH),
    (byte) => CONFIRMATION_ALPHABET[byte % 32],
  ).join('');
}

const CODE_PATTERN = new RegExp(`^[${CONFIRMATION_ALPHABET}]{${CONFIRMATION_CODE_LENGTH}}$`);

/** The code as typed (any case, surrounding spaces), or undefined when it cannot be a code. */
export function normalizeConfirmationCode(text: string): string | undefined {
  const code = text.trim().toUpperCase();
  return CODE_PATTERN.test(code) ? code : undefined;
}
