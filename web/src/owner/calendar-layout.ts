import { minutesOf } from '../shared/words.js';
import { WEEKDAYS, type Booking, type Business } from './owner-types.js';

export interface PlacedBooking {
  booking: Booking;
  /** Minutes from the grid's first hour. */
  top: number;
  height: number;
  /** Side-by-side position among the bookings it overlaps. */
  lane: number;
  lanes: number;
}

/** Whole hours that cover every opening interval of the given dates (9 to 17 when all are closed). */
export function hourRange(business: Pick<Business, 'openingHours'>, dates: readonly string[]): { startMin: number; endMin: number } {
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const date of dates) {
    for (const interval of business.openingHours[weekdayOf(date)] ?? []) {
      start = Math.min(start, minutesOf(interval.open));
      end = Math.max(end, interval.close === '24:00' ? 1440 : minutesOf(interval.close));
    }
  }
  if (!Number.isFinite(start) || end <= start) return { startMin: 9 * 60, endMin: 17 * 60 };
  return { startMin: Math.floor(start / 60) * 60, endMin: Math.min(1440, Math.ceil(end / 60) * 60) };
}

export function weekdayOf(date: string): (typeof WEEKDAYS)[number] {
  const [y, m, d] = date.split('-').map(Number);
  return WEEKDAYS[(new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)).getUTCDay() + 6) % 7]!;
}

/**
 * Place one column's bookings: each gets the first lane free at its start; bookings that
 * overlap, directly or through a chain, share the column's width equally, the way calendar
 * apps draw a service with capacity for several customers at once.
 */
export function placeBookings(bookings: readonly Booking[], startMin: number): PlacedBooking[] {
  const sorted = [...bookings].sort((a, b) => minutesOf(a.time) - minutesOf(b.time) || b.durationMin - a.durationMin);
  const placed: PlacedBooking[] = [];
  let cluster: PlacedBooking[] = [];
  let clusterEnd = -1;
  let laneEnds: number[] = [];
  const closeCluster = () => {
    for (const p of cluster) p.lanes = laneEnds.length;
    cluster = [];
    laneEnds = [];
  };
  for (const booking of sorted) {
    const from = minutesOf(booking.time);
    const to = from + booking.durationMin;
    if (from >= clusterEnd) closeCluster();
    let lane = laneEnds.findIndex((end) => end <= from);
    if (lane < 0) lane = laneEnds.push(to) - 1;
    else laneEnds[lane] = to;
    const p: PlacedBooking = { booking, top: from - startMin, height: booking.durationMin, lane, lanes: 1 };
    cluster.push(p);
    placed.push(p);
    clusterEnd = Math.max(clusterEnd, to);
  }
  closeCluster();
  return placed;
}
