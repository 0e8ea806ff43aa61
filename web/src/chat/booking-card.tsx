import { useId, useState } from 'preact/hooks';
import type { JsonApi } from '../shared/json-api.js';
import { SlotPicker, type SlotChoice } from '../shared/slot-picker.js';
import { priceInWords, whenInWords } from '../shared/words.js';
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

function MoveForm({ booking, api, today, onDone }: { booking: BookingView; api: JsonApi; today: string; onDone: (choice?: SlotChoice) => void }) {
  const [choice, setChoice] = useState<SlotChoice | undefined>(undefined);
  return (
    <form
      class="move-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (choice) onDone(choice);
      }}
    >
      <SlotPicker api={api} serviceId={booking.serviceId} from={booking} today={today} onChoice={setChoice} />
      <div class="card-actions">
        <button type="submit" disabled={!choice}>
          Ask to move
        </button>
        <button type="button" class="secondary" onClick={() => onDone()}>
          Keep it
        </button>
      </div>
    </form>
  );
}
