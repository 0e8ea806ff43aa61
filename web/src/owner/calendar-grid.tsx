import { shortDate, timeInWords } from '../shared/words.js';
import { hourRange, placeBookings, weekdayOf } from './calendar-layout.js';
import type { Booking, Business } from './owner-types.js';

/** Pixels per minute of the day: an hour is 84 px tall, a 15-minute booking 21 px. */
const SCALE = 1.4;

export interface CalendarColumn {
  key: string;
  label: string;
  bookings: Booking[];
  /** The column is a day the business is closed. */
  closed?: boolean;
}

/**
 * A calendar grid: hours down the side, one column per service (day view) or per day (week
 * view), each booking a button placed at its start and as tall as its length.
 */
export function CalendarGrid({ business, dates, columns, selected, onSelect, showService }: {
  business: Business;
  dates: readonly string[];
  columns: CalendarColumn[];
  selected: string | undefined;
  onSelect: (booking: Booking) => void;
  showService: boolean;
}) {
  const { startMin, endMin } = hourRange(business, dates);
  const hours: number[] = [];
  for (let m = startMin; m < endMin; m += 60) hours.push(m);
  const height = (endMin - startMin) * SCALE;
  return (
    <div class="calendar" style={{ '--columns': String(columns.length) }}>
      <div class="calendar-head" aria-hidden="true">
        <span />
        {columns.map((c) => (
          <span key={c.key} class="calendar-column-label">
            {c.label}
          </span>
        ))}
      </div>
      <div class="calendar-body">
        <div class="calendar-hours" style={{ height: `${height}px` }} aria-hidden="true">
          {hours.map((m) => (
            <span key={m} style={{ top: `${(m - startMin) * SCALE}px` }}>
              {timeInWords(`${String(m / 60).padStart(2, '0')}:00`)}
            </span>
          ))}
        </div>
        {columns.map((column) => (
          <div key={column.key} class={`calendar-column${column.closed ? ' is-closed' : ''}`} role="group" aria-label={`${column.label}: ${column.bookings.length} booking${column.bookings.length === 1 ? '' : 's'}`} style={{ height: `${height}px` }}>
            {hours.map((m) => (
              <span key={m} class="hour-line" style={{ top: `${(m - startMin) * SCALE}px` }} />
            ))}
            {placeBookings(column.bookings, startMin).map(({ booking, top, height: h, lane, lanes }) => (
              <button
                key={booking.code}
                type="button"
                class={`chip${selected === booking.code ? ' is-selected' : ''}`}
                aria-pressed={selected === booking.code}
                style={{ top: `${Math.max(0, top) * SCALE}px`, height: `${Math.max(18, h * SCALE - 2)}px`, left: `${(lane / lanes) * 100}%`, width: `calc(${100 / lanes}% - 3px)` }}
                onClick={() => onSelect(booking)}
              >
                <span class="chip-time">{booking.time}</span> {showService ? booking.service : booking.customerName ?? booking.customerId}
                <span class="sr-only">
                  , {showService ? booking.customerName ?? booking.customerId : booking.service}, {shortDate(booking.date)} until {timeInWords(booking.endTime)}, {booking.code}
                </span>
              </button>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

/** Bookings of one day by service, or of a week by day. */
export function dayColumns(business: Business, date: string, bookings: readonly Booking[]): CalendarColumn[] {
  return business.services.map((s) => ({ key: s.id, label: s.name, bookings: bookings.filter((b) => b.serviceId === s.id && b.date === date) }));
}

export function weekColumns(business: Business, dates: readonly string[], bookings: readonly Booking[]): CalendarColumn[] {
  const closed = new Set(business.closedDates.map((c) => c.date));
  return dates.map((date) => ({
    key: date,
    label: shortDate(date),
    bookings: bookings.filter((b) => b.date === date),
    closed: closed.has(date) || (business.openingHours[weekdayOf(date)] ?? []).length === 0,
  }));
}
