import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import type { RunnableConfig } from '@langchain/core/runnables';
import { z } from 'zod';
import { isBookingError } from '../booking/booking-error.js';
import type { Booking } from '../booking/booking-store.js';
import type { BookingService } from '../booking/booking-service.js';
import { currentRunContext } from '../llm/run-context.js';
import { isConciergeError } from '../shared/errors.js';
import { toolFailure } from './tool-failure.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD').describe('Date as YYYY-MM-DD');
const time = z.string().regex(/^\d{2}:\d{2}$/, 'HH:MM').describe('Start time as HH:MM (24h)');
const code = z.string().min(4).max(20).describe('The confirmation code, like BK-7Q4M2X');

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

export function createBookingTools(bookings: BookingService): StructuredToolInterface[] {
  const listServices = tool(
    async () =>
      invokeTool(async () => ({
        services: bookings.listServices().map((s) => ({ id: s.id, name: s.name, durationMin: s.durationMin, priceUsd: s.priceUsd, capacity: s.capacity, description: s.description })),
      })),
    { name: 'list_services', description: 'List the services the business offers, with duration, price and id.', schema: z.object({}) },
  );

  const checkAvailability = tool(
    async (args) =>
      invokeTool(async () => {
        const result = await bookings.availability({ service: args.service, from: args.date, to: args.date, ...(args.time ? { time: args.time } : {}), limit: 12 });
        return {
          service: { id: result.service.id, name: result.service.name },
          date: args.date,
          ...(result.requested ? { requested: result.requested } : {}),
          slots: result.slots,
        };
      }),
    {
      name: 'check_availability',
      description: 'Find free appointment slots for a service on a date. Give a time to check that exact slot.',
      schema: z.object({ service: z.string().min(1).describe('Service id or name'), date, time: time.optional() }),
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
        if (!result.replayed) noteCommitted(`booked ${result.booking.code} (${result.booking.service}, ${result.booking.date} ${result.booking.time})`);
        if (!result.replayed) return { ok: true, booking: bookingView(result.booking) };
        return {
          ok: true,
          booking: bookingView(result.booking),
          alreadyBooked: true,
          note: 'The customer already holds this appointment; nothing new was booked. Only if they explicitly confirm they want a second, separate appointment at the same time, call again with additional: true.',
        };
      }),
    {
      name: 'book_appointment',
      description: 'Book an appointment for the current customer at a service, date and time.',
      schema: z.object({
        service: z.string().min(1).describe('Service id or name'),
        date,
        time,
        notes: z.string().max(500).optional(),
        additional: z.boolean().optional().describe('Only after the customer explicitly confirmed they want another, separate appointment at a time they already hold'),
      }),
    },
  );

  const cancelBooking = tool(
    async (args, config) =>
      invokeTool(async () => {
        const booking = await bookings.cancel({ customerId: customerOf(config).customerId, code: args.code });
        noteCommitted(`cancelled ${booking.code}`);
        return { ok: true, booking: bookingView(booking) };
      }),
    { name: 'cancel_booking', description: "Cancel one of the current customer's bookings by its confirmation code.", schema: z.object({ code }) },
  );

  const rescheduleBooking = tool(
    async (args, config) =>
      invokeTool(async () => {
        const booking = await bookings.reschedule({ customerId: customerOf(config).customerId, code: args.code, date: args.date, time: args.time });
        noteCommitted(`moved ${booking.code} to ${booking.date} ${booking.time}`);
        return { ok: true, booking: bookingView(booking) };
      }),
    { name: 'reschedule_booking', description: "Move one of the current customer's bookings to a new date and time.", schema: z.object({ code, date, time }) },
  );

  const listMyBookings = tool(
    async (_args, config) => invokeTool(async () => ({ bookings: (await bookings.listForCustomer(customerOf(config).customerId)).map(bookingView) })),
    { name: 'list_my_bookings', description: "List the current customer's upcoming bookings.", schema: z.object({}) },
  );

  return [listServices, checkAvailability, bookAppointment, cancelBooking, rescheduleBooking, listMyBookings];
}
