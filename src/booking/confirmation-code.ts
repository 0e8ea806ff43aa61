import { randomInt } from 'node:crypto';

/**
 * Digits and capitals without the look-alikes 0/O, 1/I/L, so a code read over the phone
 * or typed from a screenshot survives. 31 symbols, 6 of them: about 887 million codes,
 * random so that one customer's code says nothing about another's.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_LENGTH = 6;
const CODE_RE = new RegExp(`^BK-[${CODE_ALPHABET}]{${CODE_LENGTH}}$`);

/** A source of integers in [0, max); injectable so tests can force collisions. */
export type RandomInt = (max: number) => number;

export function generateConfirmationCode(random: RandomInt = randomInt): string {
  let code = 'BK-';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[random(CODE_ALPHABET.length)];
  return code;
}

/**
 * A code as a customer may type it ("bk 7q4m2x", "7Q4M2X") in canonical form, or undefined
 * when it cannot be one of ours (so a lookup can answer BOOKING_NOT_FOUND without a query).
 */
export function normalizeConfirmationCode(text: string): string | undefined {
  let body = text.trim().toUpperCase().replace(/[\s_-]/g, '');
  if (body.startsWith('BK')) body = body.slice(2);
  const code = `BK-${body}`;
  return CODE_RE.test(code) ? code : undefined;
}
