import { describe, expect, it } from 'vitest';
import { buildSystemPrompt } from './system-prompt.js';

describe('system prompt', () => {
  it('states today in the business time zone', () => {
    // 23:30 UTC on Friday is already Saturday in Tokyo.
    const now = new Date('2026-11-27T23:30:00Z');
    const prompt = buildSystemPrompt({ name: 'Northside Studio', timeZone: 'Asia/Tokyo', services: [{ id: 'beard-trim', name: 'Beard trim', durationMin: 15, priceUsd: 20 }] }, now);
    expect(prompt).toContain('Today is 2026-11-28 (Saturday).');
    expect(buildSystemPrompt({ name: 'Uptown', timeZone: 'America/New_York', services: [] }, now)).toContain('Today is 2026-11-27 (Friday).');
    expect(prompt).toContain('Services (id: name, duration, price):\n- beard-trim: Beard trim, 15 min, $20');
  });
});
