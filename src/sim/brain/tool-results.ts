/**
 * What a tool result says, read generically from its JSON: lists of services, free slots,
 * a booking, a list of bookings, an error with alternatives. Keys are matched loosely so
 * that other booking back-ends' shapes are understood too.
 */

export interface ServiceRef {
  id: string | undefined;
  name: string;
  priceUsd: number | undefined;
  durationMin: number | undefined;
}

export interface SlotRef {
  date: string | undefined;
  time: string;
  remaining: number | undefined;
}

export interface BookingRef {
  code: string;
  service: string | undefined;
  serviceId: string | undefined;
  date: string | undefined;
  time: string | undefined;
  status: string | undefined;
  priceUsd: number | undefined;
}

export interface ToolFacts {
  services: ServiceRef[] | undefined;
  slots: SlotRef[] | undefined;
  /** Service and date the slots are for, when the result says. */
  slotsService: ServiceRef | undefined;
  slotsDate: string | undefined;
  booking: BookingRef | undefined;
  bookings: BookingRef[] | undefined;
  ok: boolean | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  alternatives: SlotRef[] | undefined;
  /** The start of the raw text, to quote results the brain cannot interpret. */
  text: string;
}

type Obj = Record<string, unknown>;

export function parseToolResult(text: string): ToolFacts {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const facts: ToolFacts = {
    services: undefined,
    slots: undefined,
    slotsService: undefined,
    slotsDate: undefined,
    booking: undefined,
    bookings: undefined,
    ok: undefined,
    errorCode: undefined,
    errorMessage: undefined,
    alternatives: undefined,
    // Bounded: facts are cached per message, and a full result would be kept twice.
    text: text.slice(0, 400),
  };
  if (Array.isArray(json)) {
    // A bare array: services if they look like services, bookings if they carry codes.
    const objects = json.filter(isObj);
    if (objects.some((o) => bookingCode(o) !== undefined)) facts.bookings = objects.map(toBooking).filter(isDefined);
    else if (objects.some((o) => typeof o.time === 'string')) facts.slots = objects.map(toSlot).filter(isDefined);
    else facts.services = objects.map(toService).filter(isDefined);
    return facts;
  }
  if (!isObj(json)) {
    if (/\berror\b|not found|fail/i.test(text)) facts.errorMessage = text.slice(0, 300);
    return facts;
  }
  const services = pickArray(json, ['services', 'catalog', 'catalogue', 'items', 'offerings', 'treatments']);
  if (services) facts.services = services.filter(isObj).map(toService).filter(isDefined);
  const slots = pickArray(json, ['slots', 'available', 'availability', 'times', 'free_slots', 'freeSlots', 'openings']);
  if (slots) facts.slots = slots.map((s) => (typeof s === 'string' ? { date: undefined, time: s, remaining: undefined } : isObj(s) ? toSlot(s) : undefined)).filter(isDefined);
  if (isObj(json.service)) facts.slotsService = toService(json.service);
  else if (typeof json.service === 'string') facts.slotsService = { id: json.service, name: json.service, priceUsd: undefined, durationMin: undefined };
  if (typeof json.date === 'string') facts.slotsDate = json.date;
  const booking = pickObj(json, ['booking', 'appointment', 'reservation']);
  if (booking) facts.booking = toBooking(booking);
  else if (bookingCode(json) !== undefined) facts.booking = toBooking(json);
  const bookings = pickArray(json, ['bookings', 'appointments', 'reservations']);
  if (bookings) facts.bookings = bookings.filter(isObj).map(toBooking).filter(isDefined);
  if (typeof json.ok === 'boolean') facts.ok = json.ok;
  if (typeof json.success === 'boolean') facts.ok ??= json.success;
  const error = json.error;
  if (isObj(error)) {
    facts.errorCode = typeof error.code === 'string' ? error.code : undefined;
    facts.errorMessage = typeof error.message === 'string' ? error.message : undefined;
    facts.ok ??= false;
  } else if (typeof error === 'string') {
    facts.errorMessage = error;
    facts.ok ??= false;
  }
  const alternatives = pickArray(json, ['alternatives', 'suggestions', 'alternative_slots', 'nearest']);
  if (alternatives) facts.alternatives = alternatives.map((s) => (isObj(s) ? toSlot(s) : typeof s === 'string' ? { date: undefined, time: s, remaining: undefined } : undefined)).filter(isDefined);
  return facts;
}

function toService(o: Obj): ServiceRef | undefined {
  const name = str(o.name) ?? str(o.title) ?? str(o.id);
  if (!name) return undefined;
  return { id: str(o.id) ?? str(o.slug), name, priceUsd: num(o.priceUsd) ?? num(o.price), durationMin: num(o.durationMin) ?? num(o.duration) };
}

function toSlot(o: Obj): SlotRef | undefined {
  const time = str(o.time) ?? str(o.start);
  if (!time) return undefined;
  const hhmm = /(\d{2}:\d{2})/.exec(time)?.[1] ?? time;
  const date = str(o.date) ?? /^(\d{4}-\d{2}-\d{2})/.exec(time)?.[1];
  return { date, time: hhmm, remaining: num(o.remaining) ?? num(o.available) ?? num(o.capacity) };
}

function toBooking(o: Obj): BookingRef | undefined {
  const code = bookingCode(o);
  if (!code) return undefined;
  const service = isObj(o.service) ? str(o.service.name) : str(o.service) ?? str(o.serviceName);
  return {
    code,
    service,
    serviceId: str(o.serviceId) ?? (isObj(o.service) ? str(o.service.id) : undefined),
    date: str(o.date),
    time: str(o.time),
    status: str(o.status),
    priceUsd: num(o.priceUsd) ?? num(o.price),
  };
}

function bookingCode(o: Obj): string | undefined {
  return str(o.code) ?? str(o.confirmationCode) ?? str(o.confirmation_code) ?? str(o.bookingId) ?? str(o.booking_id) ?? str(o.reference);
}

function pickArray(o: Obj, keys: string[]): unknown[] | undefined {
  for (const k of keys) if (Array.isArray(o[k])) return o[k] as unknown[];
  return undefined;
}

function pickObj(o: Obj, keys: string[]): Obj | undefined {
  for (const k of keys) {
    const v = o[k];
    if (isObj(v) && bookingCode(v) !== undefined) return v;
  }
  return undefined;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isDefined<T>(v: T | undefined): v is T {
  return v !== undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
