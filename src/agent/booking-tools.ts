import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import type { RunnableConfig } from '@langchain/core/runnables';
import { z } from 'zod';
import { isBookingError } from '../booking/booking-error.js';
import type { Booking } from '../booking/booking-store.js';
import type { BookingService } from '../booking/booking-service.js';
import { currentRunContext } from '../llm/run-context.js';
import { isConciergeError } from '../shared/errors.js';
import type { AvailabilityCache } from './availability-cache.js';
import { toolFailure } from './tool-failure.js';

const date = () => z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const time = () => z.string().regex(/^\d{2}:\d{2}$/, 'HH:MM');
const code = () => z.string().min(4).max(20);
const service = () => z.string().min(1);

/**
 * The customer comes from the run's config, which the server sets from the authenticated
 * request. It is never a tool argument, so no prompt can make the model act for someone else.
 */
function customerOf(config: RunnableConfig | undefined): { customerId: string } {
  const configurable = (config?.configurable ?? {}) as Record<string, unknown>;
  const customerId = configurable.customer_id;
  if (typeof customerId !== 'string' || customerId.length === 0) throw new Error('the run has no authenticated customer');
  return { customerId };
}

function bookingView(booking: Booking) {
  return {
    code: booking.code,
    service: booking.service,
    serviceId: booking.serviceId,
    date: booking.date,
    time: booking.time,
    endTime: booking.endTime,
    status: booking.status,
    priceUsd: booking.priceUsd,
  };
}

/** Record a change that is now in the booking store on the run, so a stopped run can report it. */
function noteCommitted(what: string): void {
  currentRunContext()?.committed.push(what);
}

/**
 * Run one tool call: count it and its time on the run, and turn domain refusals into a
 * result the model can read and act on (alternatives when a slot is full) instead of an
 * exception that would end the run.
 */
async function invokeTool(work: () => Promise<unknown>): Promise<string> {
  const context = currentRunContext();
  const started = performance.now();
  try {
    return JSON.stringify(await work());
  } catch (error) {
    if (isBookingError(error)) {
      return toolFailure(error.code, error.message, error.alternatives.length ? { alternatives: error.alternatives } : {});
    }
    if (isConciergeError(error)) return toolFailure(error.code, error.message);
    throw error;
  } finally {
    if (context) {
      context.usage.toolCalls += 1;
      context.usage.toolMs += performance.now() - started;
    }
  }
}

/**
 * Tool descriptions: `full` as they were, `compact` for the lean profile. Tool definitions
 * ride in every call's prompt, so the compact ones drop the argument descriptions (the names
 * and the system prompt's "Dates YYYY-MM-DD, times HH:MM" say it) and keep one short line.
 */
export type ToolWording = 'full' | 'compact';

const COMPACT: Record<string, string> = {
  list_services: 'List services.',
  check_availability: 'Free slots of a service on a date; with a time, check that slot.',
  book_appointment: 'Book a service at a date and time.',
  cancel_booking: 'Cancel a booking by its code.',
  reschedule_booking: 'Move a booking to a new date and time.',
  list_my_bookings: "List the customer's upcoming bookings.",
};

/**
 * What check_availability answers, as JSON text: the slot asked for (if a time is given) and
 * up to `limit` free times nearest to it. Served from the availability cache when there is one.
 */
export function availabilityAnswer(bookings: BookingService, args: { service: string; date: string; time?: string | undefined }, limit: number, cache?: AvailabilityCache): Promise<string> {
  const load = async () => {
    const result = await bookings.availability({ service: args.service, from: args.date, to: args.date, ...(args.time ? { time: args.time } : {}), limit });
    return JSON.stringify({
      service: { id: result.service.id, name: result.service.name },
      date: args.date,
      ...(result.requested ? { requested: result.requested } : {}),
      slots: result.slots,
    });
  };
  const service = bookings.findService(args.service)?.id;
  // An unknown service is refused by the booking service, never cached.
  return cache && service ? cache.lookup(service, args.date, `${args.time ?? ''}|${limit}`, load) : load();
}

export interface BookingToolsExtras {
  /** Availability answers reused until a booking changes their date. */
  availabilityCache?: AvailabilityCache | undefined;
}

export function createBookingTools(bookings: BookingService, wording: ToolWording = 'full', extras: BookingToolsExtras = {}): StructuredToolInterface[] {
  const compact = wording === 'compact';
  const cache = extras.availabilityCache;
  const changed = async (date?: string) => {
    if (cache) await cache.invalidate(date);
  };
  const describe = <T extends z.ZodType>(schema: T, text: string): T => (compact ? schema : schema.describe(text));
  const fields = {
    date: describe(date(), 'Date as YYYY-MM-DD'),
    time: describe(time(), 'Start time as HH:MM (24h)'),
    code: describe(code(), 'The confirmation code, like BK-7Q4M2X'),
    service: describe(service(), 'Service id or name'),
  };
  const described = (name: string, full: string) => (compact ? (COMPACT[name] ?? full) : full);
  const listServices = tool(
    async () =>
      invokeTool(async () => ({
        services: bookings.listServices().map((s) => ({ id: s.id, name: s.name, durationMin: s.durationMin, priceUsd: s.priceUsd, capacity: s.capacity, description: s.description })),
      })),
    { name: 'list_services', description: described('list_services', 'List the services the business offers, with duration, price and id.'), schema: z.object({}) },
  );

  const checkAvailability = tool(
    async (args) =>
      invokeTool(async () => JSON.parse(await availabilityAnswer(bookings, args, 12, cache)) as unknown),
    {
      name: 'check_availability',
      description: described('check_availability', 'Find free appointment slots for a service on a date. Give a time to check that exact slot.'),
      schema: z.object({ service: fields.service, date: fields.date, time: fields.time.optional() }),
    },
  );

  const bookAppointment = tool(
    async (args, config) =>
      invokeTool(async () => {
        const { customerId } = customerOf(config);
        const serviceId = bookings.requireService(args.service).id;
        // One key per customer and slot (keys are per customer in the store; the service by its
        // id, whatever the model called it), as docs/booking.md says: a message sent again, on
        // any thread, after a timeout, a lost answer or a replica's crash, answers the booking
        // already made instead of making a second one. A deliberate second appointment at the
        // same time (`additional`, after the customer confirmed it) takes the next key.
        const held = args.additional ? (await bookings.listForCustomer(customerId)).filter((b) => b.serviceId === serviceId && b.date === args.date && b.time === args.time).length : 0;
        const key = `agent:${serviceId}:${args.date}T${args.time}${held > 0 ? `+${held}` : ''}`;
        // Cancelling or moving a booking frees its key, so booking that slot again later works.
        const result = await bookings.book({ customerId, service: args.service, date: args.date, time: args.time, idempotencyKey: key, ...(args.notes ? { notes: args.notes } : {}) });
        if (!result.replayed) {
          noteCommitted(`booked ${result.booking.code} (${result.booking.service}, ${result.booking.date} ${result.booking.time})`);
          await changed(result.booking.date);
          return { ok: true, booking: bookingView(result.booking) };
        }
        return {
          ok: true,
          booking: bookingView(result.booking),
          alreadyBooked: true,
          note: 'The customer already holds this appointment; nothing new was booked. Only if they explicitly confirm they want a second, separate appointment at the same time, call again with additional: true.',
        };
      }),
    {
      name: 'book_appointment',
      description: described('book_appointment', 'Book an appointment for the current customer at a service, date and time.'),
      schema: z.object({
        service: fields.service,
        date: fields.date,
        time: fields.time,
        notes: z.string().max(500).optional(),
        additional: describe(z.boolean(), 'Only after the customer explicitly confirmed they want another, separate appointment at a time they already hold').optional(),
      }),
    },
  );

  const cancelBooking = tool(
    async (args, config) =>
      invokeTool(async () => {
        const booking = await bookings.cancel({ customerId: customerOf(config).customerId, code: args.code });
        noteCommitted(`cancelled ${booking.code}`);
        await changed(booking.date);
        return { ok: true, booking: bookingView(booking) };
      }),
    { name: 'cancel_booking', description: described('cancel_booking', "Cancel one of the current customer's bookings by its confirmation code."), schema: z.object({ code: fields.code }) },
  );

  const rescheduleBooking = tool(
    async (args, config) =>
      invokeTool(async () => {
        const booking = await bookings.reschedule({ customerId: customerOf(config).customerId, code: args.code, date: args.date, time: args.time });
        noteCommitted(`moved ${booking.code} to ${booking.date} ${booking.time}`);
        // The old date is not at hand here: every date's entries go.
        await changed();
        return { ok: true, booking: bookingView(booking) };
      }),
    { name: 'reschedule_booking', description: described('reschedule_booking', "Move one of the current customer's bookings to a new date and time."), schema: z.object({ code: fields.code, date: fields.date, time: fields.time }) },
  );

  const listMyBookings = tool(
    async (_args, config) => invokeTool(async () => ({ bookings: (await bookings.listForCustomer(customerOf(config).customerId)).map(bookingView) })),
    { name: 'list_my_bookings', description: described('list_my_bookings', "List the current customer's upcoming bookings."), schema: z.object({}) },
  );

  return [listServices, checkAvailability, bookAppointment, cancelBooking, rescheduleBooking, listMyBookings];
}
