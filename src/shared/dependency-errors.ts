import { ConciergeError } from './errors.js';

/** A connection URL fit to print: the password, if any, replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: keep the scheme and the host part only, as far as it reads.
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/**
 * Postgres or Redis could not be reached when a command started: one line naming what, where
 * (password masked) and why, instead of a driver's stack trace.
 */
export function dependencyUnreachable(what: 'Postgres' | 'Redis', url: string, cause: unknown): ConciergeError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ConciergeError('DEPENDENCY_UNREACHABLE', `cannot reach ${what} at ${redactUrl(url)}: ${reason || 'no reason given'}`, { cause });
}
