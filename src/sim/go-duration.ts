/**
 * Format a duration the way Go's `time.Duration.String()` does, which is what OpenAI puts
 * in `x-ratelimit-reset-*` headers and retry hints (`12ms`, `1.5s`, `6m0s`, `1h0m0s`).
 * Rounded *up* to whole milliseconds, so a client that waits the printed time never comes
 * back a fraction too early; Go would print sub-millisecond values in µs, which OpenAI
 * does not send.
 */
export function formatGoDuration(ms: number): string {
  if (!(ms > 0)) return '0s';
  const total = Math.ceil(ms);
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = formatSeconds(total % 60_000);
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

function formatSeconds(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const frac = ms % 1000;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}
