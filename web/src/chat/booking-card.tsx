import { useEffect, useId, useState } from 'preact/hooks';
import type { JsonApi } from '../shared/json-api.js';
import { dateInWords, priceInWords, timeInWords, whenInWords } from '../shared/words.js';
import type { BookingView } from './transcript.js';

interface Props {
  booking: BookingView;
  api: JsonApi;
  busy: boolean;
  send: (text: string) => void;
  today: string;
}

/** A booking the agent made or changed: what, when, how much, its code, and Move / Cancel. */
export function BookingCard({ booking, api, busy, send, today }: Props) {
  const [moving, setMoving] = useState(false);
  const titleId = useId();
  const cancelled = booking.status === 'cancelled';
  return (
    <article class={`booking-card${cancelled ? ' is-cancelled' : ''}`} aria-labelledby={titleId}>
      <p class="booking-title" id={titleId}>
        {booking.service}
        {cancelled ? ' (cancelled)' : ''}
      </p>
      <dl>
        <div>
          <dt>When</dt>
          <dd>{whenInWords(booking.date, booking.time)}</dd>
        </div>
        <div>
          <dt>Price</dt>
          <dd>{priceInWords(booking.priceUsd)}</dd>
        </div>
        <div>
          <dt>Confirmation code</dt>
          <dd>
            <code class="booking-code">{booking.code}</code>
          </dd>
        </div>
      </dl>
      {!cancelled && !moving && (
        <div class="card-actions">
          <button type="button" disabled={busy} onClick={() => setMoving(true)}>
            Move
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => send(`Please cancel my booking ${booking.code}.`)}>
            Cancel
          </button>
        </div>
      )}
      {!cancelled && moving && (
        <MoveForm
          booking={booking}
          api={api}
          today={today}
          onDone={(choice) => {
            setMoving(false);
            if (choice) send(`Please move my booking ${booking.code} to ${choice.date} at ${choice.time}.`);
          }}
        />
      )}
    </article>
  );
}

/** Pick a new date, then one of that day's free start times (from the public availability). */
function MoveForm({ booking, api, today, onDone }: { booking: BookingView; api: JsonApi; today: string; onDone: (choice?: { date: string; time: string }) => void }) {
  const [date, setDate] = useState(booking.date < today ? today : booking.date);
  const [times, setTimes] = useState<string[] | undefined>(undefined);
  const [time, setTime] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const dateId = useId();
  const timeId = useId();
  useEffect(() => {
    let current = true;
    setTimes(undefined);
    setProblem(undefined);
    api
      .get<{ slots: Array<{ date: string; time: string }> }>('/v1/availability', { service: booking.serviceId, from: date })
      .then((answer) => {
        if (!current) return;
        const free = answer.slots.filter((s) => s.date === date && !(s.date === booking.date && s.time === booking.time)).map((s) => s.time);
        setTimes(free);
        setTime(free[0] ?? '');
      })
      .catch((error: Error) => current && setProblem(error.message));
    return () => {
      current = false;
    };
  }, [date]);
  return (
    <form
      class="move-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (time) onDone({ date, time });
      }}
    >
      <label for={dateId}>New date</label>
      <input id={dateId} type="date" min={today} value={date} required onChange={(e) => setDate((e.target as HTMLInputElement).value)} />
      <label for={timeId}>New time</label>
      <select id={timeId} value={time} disabled={!times || times.length === 0} onChange={(e) => setTime((e.target as HTMLSelectElement).value)}>
        {(times ?? []).map((t) => (
          <option value={t} key={t}>
            {timeInWords(t)}
          </option>
        ))}
      </select>
      <p class="hint" aria-live="polite">
        {problem ? `Could not load free times: ${problem}` : !times ? 'Looking for free times…' : times.length === 0 ? `No free times on ${dateInWords(date)}.` : `${times.length} free times.`}
      </p>
      <div class="card-actions">
        <button type="submit" disabled={!time}>
          Ask to move
        </button>
        <button type="button" class="secondary" onClick={() => onDone()}>
          Keep it
        </button>
      </div>
    </form>
  );
}
