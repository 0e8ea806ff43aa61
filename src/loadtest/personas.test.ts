import { describe, expect, it } from 'vitest';
import { addDays } from '../shared/local-time.js';
import { ConversationScript, makePersona, offeredTime, slotsByDate } from './personas.js';
import { seededRandom } from './random.js';

const services = [
  { id: 'classic-haircut', name: 'Classic haircut' },
  { id: 'beard-trim', name: 'Beard trim' },
];
const today = '2026-12-01';

describe('makePersona', () => {
  it('spreads users over services, 2 to 10 days ahead, at offered times', () => {
    const random = seededRandom(7);
    const personas = Array.from({ length: 40 }, (_, i) => makePersona(i, random, services, today));
    expect(new Set(personas.map((p) => p.service.id))).toEqual(new Set(['classic-haircut', 'beard-trim']));
    for (const p of personas) {
      expect(p.date >= addDays(today, 2) && p.date <= addDays(today, 10)).toBe(true);
      expect(p.time).toMatch(/^\d\d:\d\d$/);
    }
    expect(new Set(personas.map((p) => p.date)).size).toBeGreaterThan(3);
  });

  it('is reproducible from its seed', () => {
    expect(makePersona(3, seededRandom(1), services, today)).toEqual(makePersona(3, seededRandom(1), services, today));
  });
});

describe('ConversationScript', () => {
  const persona = { service: services[0]!, date: '2026-12-03', time: '10:00', newDate: '2026-12-05', newTime: '14:00', afterBooking: 'cancel' as const };

  it('quick mode asks for the services, then books the persona slot', () => {
    const script = new ConversationScript(persona, 'quick');
    expect(script.next('')).toBe('Hi! What services do you offer?');
    expect(script.next('We offer a Classic haircut and a Beard trim.')).toBe('Please book a Classic haircut on 2026-12-03 at 10:00.');
    expect(script.next('Booked! Your confirmation code is BK-7Q4M2X.')).toBeUndefined();
    expect(script.bookingCode).toBe('BK-7Q4M2X');
    expect(script.planned).toBe(2);
  });

  it('accepts an offered time once when the slot is taken', () => {
    const script = new ConversationScript(persona, 'quick');
    script.next('');
    script.next('Services: ...');
    expect(script.next('Sorry, 10:00 is fully booked. I can offer 10:30 or 11:00 instead.')).toBe('OK, book 10:30 instead.');
    expect(script.next('Done, your code is BK-AAAAAA.')).toBeUndefined();
    expect(script.recoveredFromTakenSlot).toBe(true);
  });

  it('full mode uses the confirmation code of the earlier answer', () => {
    const script = new ConversationScript(persona, 'full');
    const sent = [script.next('')];
    sent.push(script.next('We offer ...'));
    sent.push(script.next('10:00 and 10:30 are free.'));
    sent.push(script.next('Booked: BK-ZX12AB.'));
    sent.push(script.next('Cancelled.'));
    expect(sent).toEqual([
      'Hi! What services do you offer?',
      'Is there availability for a Classic haircut on 2026-12-03 around 10:00?',
      'Please book a Classic haircut on 2026-12-03 at 10:00.',
      'Please cancel booking BK-ZX12AB.',
      'Can you list my bookings?',
    ]);
    expect(script.next('You have no upcoming bookings.')).toBeUndefined();
  });

  it('honours a message count shorter or longer than the mode', () => {
    expect(new ConversationScript(persona, 'quick', 1).planned).toBe(1);
    const long = new ConversationScript(persona, 'quick', 4);
    const messages = [long.next(''), long.next('a'), long.next('BK-ABCDEF'), long.next('b'), long.next('c')];
    expect(messages.filter(Boolean)).toHaveLength(4);
  });
});

describe('offeredTime', () => {
  it('ignores times that are not offered as alternatives', () => {
    expect(offeredTime('Booked for 10:00, code BK-ABCDEF.', '10:00')).toBeUndefined();
    expect(offeredTime('10:00 is not available; how about 9:30?', '10:00')).toBe('09:30');
  });
});

describe('recovery on another day', () => {
  it('names the offered date when the alternatives are on another day', () => {
    const persona = { service: { id: 'a', name: 'Beard trim' }, date: '2026-12-07', time: '10:00', newDate: '2026-12-08', newTime: '11:00', afterBooking: 'cancel' as const };
    const script = new ConversationScript(persona, 'quick');
    script.next('');
    script.next('We offer ...');
    expect(script.next('We are closed on 2026-12-07. How about 2026-12-08 at 09:30?')).toBe('OK, book 2026-12-08 at 09:30 instead.');
    expect(script.lastWasRecovery).toBe(true);
  });
});

describe('personas with the business open slots', () => {
  it('ask only for days and times the business offers', () => {
    const open = new Map([['beard-trim', slotsByDate([{ date: '2026-12-03', time: '09:15' }, { date: '2026-12-03', time: '09:30' }, { date: '2026-12-05', time: '16:45' }])]]);
    const random = seededRandom(5);
    const offered = new Set(['2026-12-03 09:15', '2026-12-03 09:30', '2026-12-05 16:45']);
    for (let i = 0; i < 20; i++) {
      const p = makePersona(1, random, services, today, open);
      expect(p.service.id).toBe('beard-trim');
      expect(offered.has(`${p.date} ${p.time}`)).toBe(true);
      expect(offered.has(`${p.newDate} ${p.newTime}`)).toBe(true);
    }
    // A service without known slots falls back to the usual spread.
    expect(makePersona(0, random, services, today, open).date >= addDays(today, 2)).toBe(true);
  });
});
