import { describe, expect, it } from 'vitest';
import { DEMO_BUSINESS } from './demo-business.js';
import { matchService } from './find-service.js';

const services = DEMO_BUSINESS.services;
const id = (query: string) => {
  const match = matchService(services, query);
  return match.kind === 'found' ? match.service.id : match.kind;
};

describe('matchService', () => {
  it('finds a service by id or name, ignoring case', () => {
    expect(id('classic-haircut')).toBe('classic-haircut');
    expect(id('Classic Haircut')).toBe('classic-haircut');
    expect(id('  BEARD TRIM ')).toBe('beard-trim');
  });

  it('matches loosely: one word, plurals, split words, filler', () => {
    expect(id('haircut')).toBe('classic-haircut');
    expect(id('hair cut')).toBe('classic-haircut');
    expect(id('a haircut appointment please')).toBe('classic-haircut');
    expect(id('beard')).toBe('beard-trim');
    expect(id('facials')).toBe('express-facial');
    expect(id('shave')).toBe('hot-towel-shave');
    expect(id('deep tissue')).toBe('deep-tissue-massage');
  });

  it('refuses to guess between equally good matches', () => {
    const match = matchService(services, 'massage');
    expect(match.kind).toBe('ambiguous');
    expect(match.kind === 'ambiguous' && match.candidates.map((s) => s.id).sort()).toEqual(['deep-tissue-massage', 'scalp-massage']);
  });

  it('finds nothing for unrelated words', () => {
    expect(id('tattoo')).toBe('none');
    expect(id('')).toBe('none');
    expect(id('the')).toBe('none');
  });
});
