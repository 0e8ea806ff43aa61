import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BookingError } from '../../booking/booking-error.js';
import type { BookingService } from '../../booking/booking-service.js';
import type { Principal } from '../auth.js';
import { ConciergeError } from '../../shared/errors.js';
import { parseRequest } from '../http-errors.js';
import { pagingQuery } from '../query-fields.js';

const availabilityQuery = z.object({
  service: z.string().min(1, 'must not be empty'),
  from: z.string({ error: 'is required (YYYY-MM-DD)' }),
  to: z.string().optional(),
  time: z.string().optional(),
});

const bookingsQuery = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  status: z.enum(['confirmed', 'cancelled']).optional(),
  customer: z.string().optional(),
  ...pagingQuery(1000),
});

const moveBody = z.object({
  date: z.string({ error: 'is required (YYYY-MM-DD)' }),
  time: z.string({ error: 'is required (HH:MM)' }),
});

const capacityQuery = z.object({ date: z.string().optional() });

/**
 * The business owner's API. Services, opening hours and availability are public; bookings,
 * and changing them, need an admin key. Cancel and move go through the same BookingService
 * calls as the agent's tools, so they follow the same rules and answer the same codes.
 */
export function registerOwnerRoutes(app: FastifyInstance, deps: { bookings: BookingService; principalOf: (request: FastifyRequest) => Principal }): void {
  const { bookings } = deps;
  const requireAdmin = (request: FastifyRequest, what: string) => {
    if (!deps.principalOf(request).admin) throw new ConciergeError('FORBIDDEN', `${what} needs an admin key`);
  };

  app.get('/v1/services', async () => ({ business: { name: bookings.business.name, timeZone: bookings.business.timeZone }, services: bookings.listServices() }));

  app.get('/v1/availability', async (request) => {
    const q = parseRequest(availabilityQuery, request.query);
    const result = await bookings.availability({ service: q.service, from: q.from, ...(q.to ? { to: q.to } : {}), ...(q.time ? { time: q.time } : {}) });
    return { service: result.service, from: result.from, to: result.to, slots: result.slots, ...(result.requested ? { requested: result.requested } : {}) };
  });

  app.get('/v1/business', async () => {
    const b = bookings.business;
    return {
      name: b.name,
      ...(b.description ? { description: b.description } : {}),
      timeZone: b.timeZone,
      today: bookings.today(),
      slotStepMin: b.slotStepMin,
      bookingHorizonDays: b.bookingHorizonDays,
      openingHours: b.openingHours,
      closedDates: b.closedDates,
      services: bookings.listServices(),
    };
  });

  app.get('/v1/bookings', async (request) => {
    requireAdmin(request, 'listing all bookings');
    const q = parseRequest(bookingsQuery, request.query);
    const list = await bookings.listAll({
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.customer ? { customerId: q.customer } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
      ...(q.offset ? { offset: q.offset } : {}),
    });
    return { bookings: list };
  });

  app.get<{ Params: { code: string } }>('/v1/bookings/:code', async (request) => {
    requireAdmin(request, 'reading a booking');
    const booking = await bookings.getBooking(request.params.code);
    if (!booking) throw new BookingError('BOOKING_NOT_FOUND', `No booking ${request.params.code}.`);
    return { booking };
  });

  app.post<{ Params: { code: string } }>('/v1/bookings/:code/cancel', async (request) => {
    requireAdmin(request, 'cancelling a booking');
    return { booking: await bookings.cancelAsOwner(request.params.code) };
  });

  app.post<{ Params: { code: string } }>('/v1/bookings/:code/reschedule', async (request) => {
    requireAdmin(request, 'moving a booking');
    const move = parseRequest(moveBody, request.body ?? {});
    return { booking: await bookings.rescheduleAsOwner({ code: request.params.code, date: move.date, time: move.time }) };
  });

  app.get('/v1/capacity', async (request) => {
    requireAdmin(request, 'capacity');
    const date = parseRequest(capacityQuery, request.query).date || bookings.today();
    return { date, services: await bookings.capacityOn(date) };
  });
}
