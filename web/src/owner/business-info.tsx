import { useId } from 'preact/hooks';
import { dateInWords, durationInWords, priceInWords, timeInWords } from '../shared/words.js';
import { WEEKDAYS, type Business } from './owner-types.js';

/** The services and opening hours, as the business file has them. */
export function BusinessInfo({ business }: { business: Business }) {
  const servicesId = useId();
  const hoursId = useId();
  return (
    <>
      <section class="panel" aria-labelledby={servicesId}>
        <h2 id={servicesId}>Services</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Length</th>
              <th scope="col">Price</th>
              <th scope="col">At once</th>
            </tr>
          </thead>
          <tbody>
            {business.services.map((s) => (
              <tr key={s.id}>
                <th scope="row">{s.name}</th>
                <td>{durationInWords(s.durationMin)}</td>
                <td>{priceInWords(s.priceUsd)}</td>
                <td>{s.capacity}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="panel" aria-labelledby={hoursId}>
        <h2 id={hoursId}>Opening hours</h2>
        <p class="hint">Times in {business.timeZone}; bookings open {business.bookingHorizonDays} days ahead.</p>
        <table>
          <tbody>
            {WEEKDAYS.map((day) => (
              <tr key={day}>
                <th scope="row">{day[0]!.toUpperCase() + day.slice(1)}</th>
                <td>{business.openingHours[day].length === 0 ? 'Closed' : business.openingHours[day].map((i) => `${timeInWords(i.open)} – ${timeInWords(i.close === '24:00' ? '00:00' : i.close)}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {business.closedDates.length > 0 && (
          <ul class="closed-dates">
            {business.closedDates.map((c) => (
              <li key={c.date}>
                Closed {dateInWords(c.date)}
                {c.reason ? ` (${c.reason})` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
