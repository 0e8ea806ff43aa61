import { useId } from 'preact/hooks';
import { durationInWords, timeInWords } from '../shared/words.js';
import type { ServiceCapacity } from './owner-types.js';

/** Today's room per service: place-hours booked against those open, free start times, the next one. */
export function CapacityTable({ capacity }: { capacity: ServiceCapacity[] | undefined }) {
  const headingId = useId();
  return (
    <section class="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Capacity left today</h2>
      {!capacity ? (
        <p class="hint">Loading…</p>
      ) : capacity.every((c) => c.closed) ? (
        <p>Closed today{capacity[0]?.closed ? ` (${capacity[0].closed})` : ''}.</p>
      ) : (
        <table class="capacity">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Left</th>
              <th scope="col">Booked</th>
              <th scope="col">Free starts</th>
              <th scope="col">Next free</th>
            </tr>
          </thead>
          <tbody>
            {capacity.map((c) => {
              const left = c.capacityMinutes > 0 ? Math.round((c.leftMinutes / c.capacityMinutes) * 100) : 0;
              return (
                <tr key={c.serviceId} data-service={c.serviceId}>
                  <th scope="row">{c.name}</th>
                  {c.closed ? (
                    <td colSpan={4}>Closed today</td>
                  ) : (
                    <>
                      <td>
                        <meter min={0} max={100} value={left} aria-label={`${c.name}: ${left}% left`} /> {left}%
                      </td>
                      <td>
                        {c.bookings} ({durationInWords(c.bookedMinutes)} of {durationInWords(c.capacityMinutes)})
                      </td>
                      <td>{c.freeStarts}</td>
                      <td>{c.nextFree ? timeInWords(c.nextFree) : '–'}</td>
                    </>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
