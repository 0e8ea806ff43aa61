import { describe, expect, it } from 'vitest';
import { catalogueFromPrompt, parseServiceLine } from './prompt-catalogue.js';

describe('catalogueFromPrompt', () => {
  it("reads the agent's catalogue lines, with or without capacity and description", () => {
    const prompt = [
      'You are the booking assistant of Northside Studio.',
      'Today is 2026-12-01 (Tuesday).',
      'Services (id: name, duration, price):',
      '- classic-haircut: Classic haircut, 30 min, $35',
      '- beard-trim: Beard trim, 15 min, $20 (up to 3 at once)',
      '- hair-colour: Hair colour, 90 min, $95.50 (up to 1 at once) — Full colour, highlights from $20 extra.',
      'Use the tools for facts.',
      '- not-a-service: a later bullet, after the list ended',
    ].join('\n');
    expect(catalogueFromPrompt(prompt)).toEqual([
      { id: 'classic-haircut', name: 'Classic haircut', durationMin: 30, priceUsd: 35 },
      { id: 'beard-trim', name: 'Beard trim', durationMin: 15, priceUsd: 20 },
      { id: 'hair-colour', name: 'Hair colour', durationMin: 90, priceUsd: 95.5 },
    ]);
  });

  it('tolerates markdown headings, a blank line, other bullets and missing fields', () => {
    const prompt = '## Services\n\n* **scalp-massage**: Scalp massage, 30 min, $30 - Relaxing.\n* Express facial: 40 minutes, 55 USD\n* kids-cut: Kids cut\n\nEnd.';
    expect(catalogueFromPrompt(prompt)).toEqual([
      { id: 'scalp-massage', name: 'Scalp massage', durationMin: 30, priceUsd: 30 },
      { id: undefined, name: 'Express facial', durationMin: 40, priceUsd: 55 },
      { id: 'kids-cut', name: 'Kids cut', durationMin: undefined, priceUsd: undefined },
    ]);
  });

  it('finds nothing without a services heading followed by bullets', () => {
    expect(catalogueFromPrompt('You help customers find services.\n- be kind')).toBeUndefined();
    expect(catalogueFromPrompt('Services are booked in 15-minute steps.\nAsk for the date.')).toBeUndefined();
    expect(catalogueFromPrompt('Today is 2026-12-01.')).toBeUndefined();
  });

  it('falls back to the id when a line carries no name', () => {
    expect(parseServiceLine('massage: 60 min, $90')).toEqual({ id: 'massage', name: 'massage', durationMin: 60, priceUsd: 90 });
  });
});
