import { useEffect, useId, useState } from 'preact/hooks';
import { ApiError } from '../shared/api-error.js';
import type { JsonApi } from '../shared/json-api.js';
import { SlotPicker, type SlotChoice } from '../shared/slot-picker.js';
import { dateInWords, priceInWords, shortDate, timeInWords, whenInWords } from '../shared/words.js';
import type { Booking } from './owner-types.js';

interface Props {
  booking: Booking;
  api: JsonApi;
  today: string;
  /** A change went through: the console reloads what it shows. */
  onChanged: (booking: Booking, what: string) => void;
  onClose: () => void;
}

/** One booking, with Cancel and Move through the owner's API (the same rules as the agent's tools). */
export function BookingDetails({ booking, api, today, onChanged, onClose }: Props) {
  const [mode, setMode] = useState<'view' | 'cancel' | 'move'>('view');
  const [problem, setProblem] = useState<ApiError | undefined>(undefined);
  const [working, setWorking] = useState(false);
  const headingId = useId();
  useEffect(() => {
    setMode('view');
    setProblem(undefined);
  }, [booking.code]);

  const act = async (what: string, call: () => Promise<{ booking: Booking }>) => {
    setWorking(true);
    setProblem(undefined);
    try {
      const answer = await call();
      setMode('view');
      onChanged(answer.booking, what);
    } catch (error) {
      setProblem(error instanceof ApiError ? error : new ApiError(0, 'NETWORK', error instanceof Error ? error.message : String(error)));
    } finally {
      setWorking(false);
    }
  };
  const move = (date: string, time: string) =>
    act(`Moved ${booking.code} to ${whenInWords(date, time)}.`, () => api.post(`/v1/bookings/${encodeURIComponent(booking.code)}/reschedule`, { date, time }));
  const upcoming = booking.status === 'confirmed' && booking.date >= today;

  return (
    <section class="details" aria-labelledby={headingId}>
      <div class="details-head">
        <h2 id={headingId}>Booking {booking.code}</h2>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <dl>
        <dt>Service</dt>
        <dd>{booking.service}</dd>
        <dt>When</dt>
        <dd>
          {whenInWords(booking.date, booking.time)} to {timeInWords(booking.endTime)}
        </dd>
        <dt>Customer</dt>
        <dd>
          {booking.customerName ? `${booking.customerName} (${booking.customerId})` : booking.customerId}
        </dd>
        <dt>Price</dt>
        <dd>{priceInWords(booking.priceUsd)}</dd>
        <dt>Status</dt>
        <dd class={`status-${booking.status}`}>{booking.status === 'confirmed' ? 'Confirmed' : 'Cancelled'}</dd>
        {booking.notes && (
          <>
            <dt>Notes</dt>
            <dd>{booking.notes}</dd>
          </>
        )}
      </dl>
      {problem && (
        <div class="problem" role="alert">
          <p>
            {problem.message} <code>{problem.code}</code>
          </p>
          {Array.isArray(problem.details.alternatives) && problem.details.alternatives.length > 0 && (
            <div class="alternatives">
              <p>Free nearby:</p>
              {(problem.details.alternatives as Array<{ date: string; time: string }>).map((alt) => (
                <button type="button" class="secondary" key={`${alt.date}T${alt.time}`} disabled={working} onClick={() => void move(alt.date, alt.time)}>
                  Move to {shortDate(alt.date)} {timeInWords(alt.time)}
                </button>
              ))}
            </div>
          )}
        </div>
      )}
      {upcoming && mode === 'view' && (
        <div class="details-actions">
          <button type="button" onClick={() => setMode('move')}>
            Move booking
          </button>
          <button type="button" class="danger" onClick={() => setMode('cancel')}>
            Cancel booking
          </button>
        </div>
      )}
      {mode === 'cancel' && (
        <div class="confirm" role="group" aria-label="Confirm cancellation">
          <p>
            Cancel {booking.service} for {booking.customerName ?? booking.customerId} on {dateInWords(booking.date)}?
          </p>
          <button
            type="button"
            class="danger"
            disabled={working}
            onClick={() => void act(`Cancelled ${booking.code}.`, () => api.post(`/v1/bookings/${encodeURIComponent(booking.code)}/cancel`))}
          >
            Yes, cancel it
          </button>
          <button type="button" class="secondary" onClick={() => setMode('view')}>
            Keep it
          </button>
        </div>
      )}
      {mode === 'move' && <MoveForm booking={booking} api={api} today={today} working={working} onMove={move} onBack={() => setMode('view')} />}
    </section>
  );
}

function MoveForm({ booking, api, today, working, onMove, onBack }: { booking: Booking; api: JsonApi; today: string; working: boolean; onMove: (date: string, time: string) => void; onBack: () => void }) {
  const [choice, setChoice] = useState<SlotChoice | undefined>(undefined);
  return (
    <form
      class="move"
      onSubmit={(event) => {
        event.preventDefault();
        if (choice) onMove(choice.date, choice.time);
      }}
    >
      <SlotPicker api={api} serviceId={booking.serviceId} from={booking} today={today} onChoice={setChoice} />
      <div class="details-actions">
        <button type="submit" disabled={working || !choice}>
          Move
        </button>
        <button type="button" class="secondary" onClick={onBack}>
          Back
        </button>
      </div>
    </form>
  );
}
