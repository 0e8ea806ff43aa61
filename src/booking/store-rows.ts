import { createHash } from 'node:crypto';
import type { Booking, BookingStatus } from './booking-store.js';
import type { Business } from './business.js';

/**
 * The row shape both SQL stores read back (same column names in SQLite and Postgres), and
 * its one mapping to the public Booking. Postgres returns BIGINT as text, hence Number().
 */
export interface BookingRow {
  code: string;
  customer_id: string;
  customer_name: string | null;
  service_id: string;
  service_name: string;
  local_date: string;
  local_time: string;
  local_end_time: string;
  start_at: number | string;
  end_at: number | string;
  duration_min: number | string;
  price_cents: number | string;
  status: string;
  notes: string | null;
  idempotency_key: string | null;
  created_at: number | string;
  updated_at: number | string;
  cancelled_at: number | string | null;
}

export const BOOKING_COLUMNS =
  'code, customer_id, customer_name, service_id, service_name, local_date, local_time, local_end_time, start_at, end_at, duration_min, price_cents, status, notes, idempotency_key, created_at, updated_at, cancelled_at';

function iso(ms: number | string): string {
  return new Date(Number(ms)).toISOString();
}

export function rowToBooking(row: BookingRow): Booking {
  return {
    code: row.code,
    customerId: row.customer_id,
    customerName: row.customer_name,
    serviceId: row.service_id,
    service: row.service_name,
    date: row.local_date,
    time: row.local_time,
    endTime: row.local_end_time,
    startAt: iso(row.start_at),
    endAt: iso(row.end_at),
    durationMin: Number(row.duration_min),
    priceUsd: Number(row.price_cents) / 100,
    status: row.status as BookingStatus,
    notes: row.notes,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    cancelledAt: row.cancelled_at === null ? null : iso(row.cancelled_at),
  };
}

export function toCents(usd: number): number {
  return Math.round(usd * 100);
}

/** A digest of what the stored catalogue depends on, to skip a sync when nothing changed. */
export function catalogFingerprint(business: Business): string {
  const services = business.services.map((s) => [s.id, s.name, s.description, s.durationMin, toCents(s.priceUsd), s.capacity]);
  return createHash('sha256').update(JSON.stringify(services)).digest('hex');
}
