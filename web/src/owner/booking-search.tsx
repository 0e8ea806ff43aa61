import { useId, useState } from 'preact/hooks';
import { ApiError } from '../shared/api-error.js';
import type { JsonApi } from '../shared/json-api.js';
import { shortDate, timeInWords } from '../shared/words.js';
import type { Booking } from './owner-types.js';

/** Confirmation codes look like BK-7Q4M2X; anything else is taken as a customer id. */
const CODE = /^[A-Za-z]{2,4}-[A-Za-z0-9]{4,10}$/;

/** Find bookings by confirmation code or by customer, past and cancelled ones included. */
export function BookingSearch({ api, onOpen }: { api: JsonApi; onOpen: (booking: Booking) => void }) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Booking[] | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const inputId = useId();
  const headingId = useId();
  const search = async () => {
    const q = query.trim();
    if (!q) return;
    setProblem(undefined);
    try {
      if (CODE.test(q)) {
        const answer = await api.get<{ booking: Booking }>(`/v1/bookings/${encodeURIComponent(q)}`);
        setResults([answer.booking]);
        onOpen(answer.booking);
      } else {
        setResults((await api.get<{ bookings: Booking[] }>('/v1/bookings', { customer: q, limit: '200' })).bookings);
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === 'BOOKING_NOT_FOUND') setResults([]);
      else setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section class="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Find a booking</h2>
      <form
        role="search"
        class="search-form"
        onSubmit={(event) => {
          event.preventDefault();
          void search();
        }}
      >
        <label for={inputId}>Code or customer</label>
        <input id={inputId} value={query} placeholder="BK-7Q4M2X or a customer id" onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
      </form>
      {problem && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
      {results && (
        <div aria-live="polite">
          {results.length === 0 ? (
            <p class="hint">No booking matches “{query.trim()}”.</p>
          ) : (
            <ul class="results">
              {results.map((b) => (
                <li key={b.code}>
                  <button type="button" class="secondary" onClick={() => onOpen(b)}>
                    {b.code}: {b.service}, {shortDate(b.date)} {timeInWords(b.time)}, {b.customerName ?? b.customerId}
                    {b.status === 'cancelled' ? ' (cancelled)' : ''}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
