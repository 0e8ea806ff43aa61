import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { BookingService } from '../../booking/booking-service.js';
import type { Principal } from '../auth.js';
import { ConciergeError } from '../../shared/errors.js';
import { parseRequest } from '../http-errors.js';

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
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** The business owner's read API. Services and availability are public; bookings need an admin key. */
export function registerOwnerRoutes(app: FastifyInstance, deps: { bookings: BookingService; principalOf: (request: FastifyRequest) => Principal }): void {
  const { bookings } = deps;

  app.get('/v1/services', async () => ({ business: { name: bookings.business.name, timeZone: bookings.business.timeZone }, services: bookings.listServices() }));

  app.get('/v1/availability', async (request) => {
    const q = parseRequest(availabilityQuery, request.query);
    const result = await bookings.availability({ service: q.service, from: q.from, ...(q.to ? { to: q.to } : {}), ...(q.time ? { time: q.time } : {}) });
    return { service: result.service, from: result.from, to: result.to, slots: result.slots, ...(result.requested ? { requested: result.requested } : {}) };
  });

  app.get('/v1/bookings', async (request) => {
    if (!deps.principalOf(request).admin) throw new ConciergeError('FORBIDDEN', 'listing all bookings needs an admin key');
    const q = parseRequest(bookingsQuery, request.query);
    const list = await bookings.listAll({
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.customer ? { customerId: q.customer } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return { bookings: list };
  });
}
