import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from '../shared/api-error.js';
import type { JsonApi } from '../shared/json-api.js';
import { addDays, dateInWords, mondayOf, shortDate } from '../shared/words.js';
import { BookingDetails } from './booking-details.js';
import { BookingSearch } from './booking-search.js';
import { BusinessInfo } from './business-info.js';
import { CalendarGrid, dayColumns, weekColumns } from './calendar-grid.js';
import { CapacityTable } from './capacity-table.js';
import type { Booking, Business, ServiceCapacity } from './owner-types.js';

type View = 'day' | 'week';

/** The owner's console: the calendar, search, a booking's details, today's capacity, the business. */
export function OwnerConsole({ api, business, onAuthFailed }: { api: JsonApi; business: Business; onAuthFailed: () => void }) {
  const [view, setView] = useState<View>('day');
  const [anchor, setAnchor] = useState(business.today);
  const [bookings, setBookings] = useState<Booking[] | undefined>(undefined);
  const [capacity, setCapacity] = useState<ServiceCapacity[] | undefined>(undefined);
  const [selected, setSelected] = useState<Booking | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [version, setVersion] = useState(0);

  const dates = useMemo(() => (view === 'day' ? [anchor] : Array.from({ length: 7 }, (_, i) => addDays(mondayOf(anchor), i))), [view, anchor]);

  const failed = (error: unknown) => {
    if (error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')) onAuthFailed();
    else setProblem(error instanceof Error ? error.message : String(error));
  };

  useEffect(() => {
    let current = true;
    setBookings(undefined);
    api
      .get<{ bookings: Booking[] }>('/v1/bookings', { from: dates[0], to: dates.at(-1), status: 'confirmed', limit: '1000' })
      .then((answer) => current && setBookings(answer.bookings))
      .catch(failed);
    return () => {
      current = false;
    };
  }, [dates, version]);

  useEffect(() => {
    api
      .get<{ services: ServiceCapacity[] }>('/v1/capacity')
      .then((answer) => setCapacity(answer.services))
      .catch(failed);
  }, [version]);

  const step = view === 'day' ? 1 : 7;
  const title = view === 'day' ? dateInWords(anchor) : `Week of ${shortDate(dates[0]!)} – ${shortDate(dates.at(-1)!)}`;
  const columns = view === 'day' ? dayColumns(business, anchor, bookings ?? []) : weekColumns(business, dates, bookings ?? []);

  return (
    <div class="console">
      <header class="console-header">
        <h1>{business.name}: bookings</h1>
        <p class="hint">Today is {dateInWords(business.today)} ({business.timeZone}).</p>
      </header>
      {problem && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
      <p class="flash" role="status">
        {message}
      </p>
      <div class="console-layout">
        <section class="panel calendar-panel" aria-labelledby="calendar-title">
          <div class="toolbar">
            <div class="segmented" role="group" aria-label="View">
              {(['day', 'week'] as const).map((v) => (
                <button key={v} type="button" class={view === v ? '' : 'secondary'} aria-pressed={view === v} onClick={() => setView(v)}>
                  {v === 'day' ? 'Day' : 'Week'}
                </button>
              ))}
            </div>
            <div class="segmented" role="group" aria-label="Dates">
              <button type="button" class="secondary" onClick={() => setAnchor(addDays(anchor, -step))}>
                Previous
              </button>
              <button type="button" class="secondary" onClick={() => setAnchor(business.today)}>
                Today
              </button>
              <button type="button" class="secondary" onClick={() => setAnchor(addDays(anchor, step))}>
                Next
              </button>
            </div>
          </div>
          <h2 id="calendar-title">
            {title}
            {bookings ? `: ${bookings.length} booking${bookings.length === 1 ? '' : 's'}` : ''}
          </h2>
          <div class="calendar-scroll" tabIndex={0} aria-label="Calendar">
            <CalendarGrid business={business} dates={dates} columns={columns} selected={selected?.code} onSelect={setSelected} showService={view === 'week'} />
          </div>
        </section>
        <div class="side">
          {selected && (
            <BookingDetails
              booking={selected}
              api={api}
              today={business.today}
              onClose={() => setSelected(undefined)}
              onChanged={(booking, what) => {
                setSelected(booking);
                setMessage(what);
                if (booking.status === 'confirmed') setAnchor(view === 'day' ? booking.date : anchor);
                setVersion((v) => v + 1);
              }}
            />
          )}
          <BookingSearch
            api={api}
            onOpen={(booking) => {
              setSelected(booking);
              setMessage(undefined);
            }}
          />
          <CapacityTable capacity={capacity} />
        </div>
      </div>
      <div class="info">
        <BusinessInfo business={business} />
      </div>
    </div>
  );
}
