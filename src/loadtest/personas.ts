import { addDays } from '../shared/local-time.js';
import { pick, type Random } from './random.js';

export type ConversationMode = 'quick' | 'full';

export interface ServiceInfo {
  id: string;
  name: string;
}

/** Used when the server does not publish its catalogue (`GET /v1/services` closed or absent). */
export const FALLBACK_SERVICES: readonly ServiceInfo[] = Object.freeze([{ id: 'classic-haircut', name: 'Classic haircut' }]);

/**
 * Start times offered by personas: half hours well inside usual opening hours, so a refusal
 * means a full slot rather than a closed shop.
 */
export const PERSONA_TIMES: readonly string[] = Object.freeze(['10:00', '10:30', '11:00', '11:30', '12:00', '13:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00']);

export interface Persona {
  service: ServiceInfo;
  date: string;
  time: string;
  /** Where a reschedule moves the booking. */
  newDate: string;
  newTime: string;
  afterBooking: 'reschedule' | 'cancel';
}

export const BOOKING_CODE = /BK-[A-Z0-9]{6}/;

/** Open slots per service id, then per date (YYYY-MM-DD): the start times offered that day. */
export type OpenSlots = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

/**
 * Spread personas over services (round-robin, so every service gets its share), days (2 to 10
 * days ahead) and times. With the business's open slots (from `GET /v1/availability`), a
 * persona asks for a day the business is open and a time it offers; without them, for a
 * half hour well inside usual opening hours.
 */
export function makePersona(index: number, random: Random, services: readonly ServiceInfo[], today: string, openSlots?: OpenSlots): Persona {
  const catalogue = services.length > 0 ? services : FALLBACK_SERVICES;
  const service = catalogue[index % catalogue.length] as ServiceInfo;
  const open = openSlots?.get(service.id);
  const slot = (): { date: string; time: string } => {
    if (open && open.size > 0) {
      const date = pick(random, [...open.keys()]);
      return { date, time: pick(random, open.get(date) ?? PERSONA_TIMES) };
    }
    return { date: addDays(today, 2 + Math.floor(random() * 9)), time: pick(random, PERSONA_TIMES) };
  };
  const first = slot();
  const second = slot();
  return {
    service,
    date: first.date,
    time: first.time,
    newDate: second.date,
    newTime: second.time,
    afterBooking: random() < 0.5 ? 'reschedule' : 'cancel',
  };
}

/** Group `{date, time}` slots of one service by date. */
export function slotsByDate(slots: readonly { date: string; time: string }[]): Map<string, string[]> {
  const byDate = new Map<string, string[]>();
  for (const { date, time } of slots) {
    let times = byDate.get(date);
    if (!times) byDate.set(date, (times = []));
    times.push(time);
  }
  return byDate;
}

type Step = 'browse' | 'availability' | 'book' | 'change' | 'list';

const SCRIPTS: Record<ConversationMode, readonly Step[]> = {
  quick: ['browse', 'book'],
  full: ['browse', 'availability', 'book', 'change', 'list'],
};

/** Words an answer uses when the asked slot cannot be had but others are offered. */
const SLOT_TAKEN = /fully booked|not available|unavailable|no longer available|already (?:booked|taken)|is taken|slot is full|no free|alternative|instead|other times?|how about|would .* work/i;
const TIME = /\b([01]?\d|2[0-3]):([0-5]\d)\b/g;

/**
 * One user's side of a conversation. `next(lastAnswer)` gives the next message, or undefined
 * when the user is done. The user keeps the confirmation code from a booking answer to
 * reschedule or cancel it later, and accepts an offered time once when its slot was taken.
 */
export class ConversationScript {
  readonly persona: Persona;
  readonly planned: number;
  #steps: Step[];
  #position = 0;
  #code: string | undefined;
  #pendingBooking: { date: string; time: string } | undefined;
  #recoveries = 0;
  #lastStep: Step | 'recover' | undefined;
  /** Set when a booking answer carried a confirmation code. */
  bookingConfirmed = false;
  /** Set when an offered alternative was accepted after a taken slot. */
  recoveredFromTakenSlot = false;

  constructor(persona: Persona, mode: ConversationMode, messages?: number) {
    this.persona = persona;
    const script = [...SCRIPTS[mode]];
    const length = messages ?? script.length;
    const steps = script.slice(0, length);
    // Longer conversations keep asking harmless follow-ups.
    for (let i = steps.length; i < length; i++) steps.push(i % 2 === 0 ? 'list' : 'browse');
    this.#steps = steps;
    this.planned = steps.length;
  }

  /** True when the last message given was an extra one (accepting an offered time). */
  get lastWasRecovery(): boolean {
    return this.#lastStep === 'recover';
  }

  get bookingCode(): string | undefined {
    return this.#code;
  }

  /** The next user message given the assistant's last answer ('' before the first turn). */
  next(lastAnswer: string): string | undefined {
    this.#absorb(lastAnswer);
    if (this.#lastStep === 'book' && this.#code === undefined && this.#recoveries === 0) {
      const offered = offeredTime(lastAnswer, this.#pendingBooking?.time);
      if (offered) {
        this.#recoveries++;
        this.#lastStep = 'recover';
        const otherDate = offeredDate(lastAnswer, this.#pendingBooking?.date);
        return otherDate ? `OK, book ${otherDate} at ${offered} instead.` : `OK, book ${offered} instead.`;
      }
    }
    const step = this.#steps[this.#position];
    if (step === undefined) return undefined;
    this.#position++;
    this.#lastStep = step;
    const p = this.persona;
    switch (step) {
      case 'browse':
        return this.#position === 1 ? 'Hi! What services do you offer?' : 'What services do you offer?';
      case 'availability':
        return `Is there availability for a ${p.service.name} on ${p.date} around ${p.time}?`;
      case 'book':
        this.#pendingBooking = { date: p.date, time: p.time };
        return `Please book a ${p.service.name} on ${p.date} at ${p.time}.`;
      case 'change':
        if (!this.#code) return 'Can you list my bookings?';
        return p.afterBooking === 'reschedule' ? `Please move booking ${this.#code} to ${p.newDate} at ${p.newTime}.` : `Please cancel booking ${this.#code}.`;
      case 'list':
        return 'Can you list my bookings?';
    }
  }

  #absorb(answer: string): void {
    if (this.#lastStep !== 'book' && this.#lastStep !== 'recover') return;
    const code = BOOKING_CODE.exec(answer)?.[0];
    if (code && this.#code === undefined) {
      this.#code = code;
      this.bookingConfirmed = true;
      if (this.#lastStep === 'recover') this.recoveredFromTakenSlot = true;
    }
  }
}

const DATE = /\b\d{4}-\d{2}-\d{2}\b/g;

/** A date other than the asked one, when the alternatives are on another day (closed days). */
export function offeredDate(answer: string, askedDate: string | undefined): string | undefined {
  for (const match of answer.matchAll(DATE)) if (match[0] !== askedDate) return match[0];
  return undefined;
}

/** The first time offered in an answer that says the asked slot is taken, if any. */
export function offeredTime(answer: string, askedTime: string | undefined): string | undefined {
  if (!SLOT_TAKEN.test(answer)) return undefined;
  for (const match of answer.matchAll(TIME)) {
    const time = `${(match[1] ?? '').padStart(2, '0')}:${match[2]}`;
    if (time !== askedTime) return time;
  }
  return undefined;
}
