import { SERVICES } from './agent-tools.js';

type Json = Record<string, unknown>;

/**
 * An in-memory stand-in for the agent's booking tools, answering with the result shapes of
 * docs/agent-tools.md. It lets the benchmark build realistic transcripts and the tests
 * feed tool results back to the simulator without the real booking module.
 */
export class FakeBookingDesk {
  readonly #full: Set<string>;
  readonly #bookings = new Map<string, Json>();
  #next: number;

  /**
   * `full`: slots already taken, as `serviceId|YYYY-MM-DD|HH:MM`; `codeSeed`: where the
   * confirmation codes start, so that many desks hand out different codes.
   */
  constructor(options: { full?: Iterable<string>; codeSeed?: number } = {}) {
    this.#full = new Set(options.full ?? []);
    this.#next = (options.codeSeed ?? 0) * 7919;
  }

  /** Run one tool call; returns its JSON result text. */
  run(name: string, argumentsJson: string): string {
    const args = JSON.parse(argumentsJson) as Json;
    return JSON.stringify(this.#run(name, args));
  }

  #run(name: string, args: Json): Json {
    switch (name) {
      case 'list_services':
        return { services: SERVICES };
      case 'check_availability': {
        const service = findService(String(args.service));
        if (!service) return unknownService(String(args.service));
        const date = String(args.date);
        return { service: { id: service.id, name: service.name }, date, slots: this.#slots(service.id, date).map((time) => ({ date, time, remaining: this.#remaining(service, date, time) })).filter((s) => s.remaining > 0) };
      }
      case 'book_appointment': {
        const service = findService(String(args.service));
        if (!service) return unknownService(String(args.service));
        const date = String(args.date);
        const time = String(args.time);
        if (this.#remaining(service, date, time) <= 0) {
          const alternatives = this.#slots(service.id, date)
            .filter((t) => this.#remaining(service, date, t) > 0)
            .sort((a, b) => Math.abs(toMin(a) - toMin(time)) - Math.abs(toMin(b) - toMin(time)))
            .slice(0, 3)
            .map((t) => ({ date, time: t }));
          return { ok: false, error: { code: 'SLOT_FULL', message: `${service.name} at ${date} ${time} is fully booked.` }, alternatives };
        }
        const code = `BK-${(++this.#next).toString(36).toUpperCase().padStart(6, '7Q4M2X').slice(-6)}`;
        const booking = { code, service: service.name, serviceId: service.id, date, time, status: 'confirmed', priceUsd: service.priceUsd };
        this.#bookings.set(code, booking);
        return { ok: true, booking };
      }
      case 'cancel_booking': {
        const booking = this.#bookings.get(String(args.code));
        if (!booking) return { ok: false, error: { code: 'BOOKING_NOT_FOUND', message: `No booking ${String(args.code)} for this customer.` } };
        if (booking.status === 'cancelled') return { ok: false, error: { code: 'ALREADY_CANCELLED', message: `Booking ${String(args.code)} is already cancelled.` } };
        booking.status = 'cancelled';
        return { ok: true, booking };
      }
      case 'reschedule_booking': {
        const booking = this.#bookings.get(String(args.code));
        if (!booking) return { ok: false, error: { code: 'BOOKING_NOT_FOUND', message: `No booking ${String(args.code)} for this customer.` } };
        booking.date = String(args.date);
        booking.time = String(args.time);
        return { ok: true, booking };
      }
      case 'list_my_bookings':
        return { bookings: [...this.#bookings.values()].filter((b) => b.status === 'confirmed').map(({ code, service, date, time, status }) => ({ code, service, date, time, status })) };
      default:
        return { ok: false, error: { code: 'UNKNOWN_TOOL', message: `No tool ${name}.` } };
    }
  }

  #slots(_serviceId: string, _date: string): string[] {
    const out: string[] = [];
    for (let m = 9 * 60; m < 19 * 60; m += 30) out.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
    return out;
  }

  #remaining(service: (typeof SERVICES)[number], date: string, time: string): number {
    if (this.#full.has(`${service.id}|${date}|${time}`)) return 0;
    let taken = 0;
    for (const b of this.#bookings.values()) if (b.serviceId === service.id && b.date === date && b.time === time && b.status === 'confirmed') taken++;
    return service.capacity - taken;
  }
}

function findService(idOrName: string): (typeof SERVICES)[number] | undefined {
  const key = idOrName.toLowerCase();
  return SERVICES.find((s) => s.id === key || s.name.toLowerCase() === key);
}

function unknownService(given: string): Json {
  return { ok: false, error: { code: 'UNKNOWN_SERVICE', message: `No service called ${given}.` } };
}

function toMin(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}
