import { describe, expect, it } from 'vitest';
import { parseUtterance } from './utterance.js';

describe('parseUtterance', () => {
  it.each([
    ['Hi there!', 'greeting'],
    ['What services do you offer?', 'services'],
    ['Is anything available for a haircut on Friday?', 'availability'],
    ['Please book a classic haircut on 2026-12-03 at 10:00', 'book'],
    ['book the 10:30 one', 'book'],
    ['Do you have anything for a haircut on Friday at 10am?', 'availability'],
    ['10:30 please', 'book'],
    ['Can you cancel BK-7Q4M2X?', 'cancel'],
    ['Please reschedule BK-7Q4M2X to Friday at 3pm', 'reschedule'],
    ['Could you move my appointment to tomorrow?', 'reschedule'],
    ['What are my bookings?', 'my_bookings'],
    ['yes please', 'confirm'],
    ['Thanks, bye!', 'thanks'],
    ['Great, thanks', 'thanks'],
    ['Tell me a joke', 'other'],
  ])('%s -> %s', (text, intent) => {
    expect(parseUtterance(text).intent).toBe(intent);
  });

  it('extracts codes, times, names and service words', () => {
    const u = parseUtterance("I'm Ana Lopez. Book a beard trim tomorrow at 2:30pm, code BK-7Q4M2X");
    expect(u.codes).toEqual(['BK-7Q4M2X']);
    expect(u.times).toEqual(['14:30']);
    expect(u.customerName).toBe('Ana Lopez');
    expect(u.serviceWords).toEqual(expect.arrayContaining(['beard', 'trim']));
    expect(u.serviceWords).not.toContain('tomorrow');
    expect(parseUtterance('the earliest one please').wantsEarliest).toBe(true);
  });
});
