/**
 * Occupancy is counted in fixed units of real time. Five minutes divides every slot step,
 * duration and opening time the business file accepts, and every UTC offset in use today,
 * so a booking always covers whole units and two bookings overlap exactly when they share
 * a unit. The unit never depends on the business file: changing the file must not change
 * the meaning of occupancy rows already written.
 */
export const UNIT_MIN = 5;
const UNIT_MS = UNIT_MIN * 60_000;

/** Unit keys (epoch minutes of each unit's start) covered by [start, end). */
export function unitsCovering(startMs: number, endMs: number): number[] {
  if (startMs % UNIT_MS !== 0 || endMs % UNIT_MS !== 0) {
    throw new RangeError(`booking bounds must fall on ${UNIT_MIN}-minute units`);
  }
  const units: number[] = [];
  for (let t = startMs; t < endMs; t += UNIT_MS) units.push(t / 60_000);
  return units;
}
