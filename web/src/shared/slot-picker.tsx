import { useEffect, useId, useState } from 'preact/hooks';
import type { JsonApi } from './json-api.js';
import { dateInWords, timeInWords } from './words.js';

export interface SlotChoice {
  date: string;
  time: string;
}

/**
 * A new date, then one of that day's free start times for the service (from the public
 * availability), leaving out the booking's own slot. Used to move a booking, by the customer
 * (chat card) and by the owner (console).
 */
export function SlotPicker({ api, serviceId, from, today, onChoice }: { api: JsonApi; serviceId: string; from: SlotChoice; today: string; onChoice: (choice: SlotChoice | undefined) => void }) {
  const [date, setDate] = useState(from.date < today ? today : from.date);
  const [times, setTimes] = useState<string[] | undefined>(undefined);
  const [time, setTime] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const dateId = useId();
  const timeId = useId();
  useEffect(() => {
    let current = true;
    setTimes(undefined);
    setProblem(undefined);
    onChoice(undefined);
    api
      .get<{ slots: SlotChoice[] }>('/v1/availability', { service: serviceId, from: date })
      .then((answer) => {
        if (!current) return;
        const free = answer.slots.filter((s) => s.date === date && !(s.date === from.date && s.time === from.time)).map((s) => s.time);
        setTimes(free);
        setTime(free[0] ?? '');
        onChoice(free[0] ? { date, time: free[0] } : undefined);
      })
      .catch((error: Error) => {
        if (!current) return;
        setTimes([]);
        setProblem(error.message);
      });
    return () => {
      current = false;
    };
  }, [date]);
  return (
    <>
      <label for={dateId}>New date</label>
      <input id={dateId} type="date" min={today} value={date} required onChange={(e) => setDate((e.target as HTMLInputElement).value)} />
      <label for={timeId}>New time</label>
      <select
        id={timeId}
        value={time}
        disabled={!times || times.length === 0}
        onChange={(e) => {
          const value = (e.target as HTMLSelectElement).value;
          setTime(value);
          onChoice(value ? { date, time: value } : undefined);
        }}
      >
        {(times ?? []).map((t) => (
          <option key={t} value={t}>
            {timeInWords(t)}
          </option>
        ))}
      </select>
      <p class="hint" aria-live="polite">
        {problem ? `Could not load free times: ${problem}` : !times ? 'Looking for free times…' : times.length === 0 ? `No free times on ${dateInWords(date)}.` : `${times.length} free start times.`}
      </p>
    </>
  );
}
