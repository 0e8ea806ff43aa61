import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, generateConfirmationCode, normalizeConfirmationCode } from './confirmation-code.js';

describe('confirmation codes', () => {
  it('uses six symbols from an alphabet without look-alikes', () => {
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
    for (let i = 0; i < 200; i++) expect(generateConfirmationCode()).toMatch(/^BK-[2-9A-HJKMNP-Z]{6}$/);
  });

  it('draws every symbol from the injected randomness', () => {
    let n = 0;
    expect(generateConfirmationCode(() => n++)).toBe('BK-234567');
  });

  it('normalises what a customer types and rejects what cannot be a code', () => {
    expect(normalizeConfirmationCode(' bk-7q4m2x ')).toBe('BK-7Q4M2X');
    expect(normalizeConfirmationCode('7Q4M2X')).toBe('BK-7Q4M2X');
    expect(normalizeConfirmationCode('BK 7Q4 M2X')).toBe('BK-7Q4M2X');
    expect(normalizeConfirmationCode('BK-7Q4M2')).toBeUndefined();
    expect(normalizeConfirmationCode('BK-0Q4M2X')).toBeUndefined();
    expect(normalizeConfirmationCode("BK-7Q4M2X' OR 1=1")).toBeUndefined();
  });
});
