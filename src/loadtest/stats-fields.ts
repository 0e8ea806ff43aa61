/**
 * Find numeric fields in a stats document by key name. The server's `/stats` and the
 * simulator's `/sim/stats` are owned by other modules and may grow; reading them by name
 * pattern (and reporting which field was read) keeps the load tester working across versions
 * and keeps every figure traceable to its source field.
 */
export interface NumericField {
  path: string;
  value: number;
}

export function findNumericFields(document: unknown, keyPattern: RegExp, maxDepth = 4): NumericField[] {
  const found: NumericField[] = [];
  const walk = (value: unknown, path: string, depth: number) => {
    if (depth > maxDepth || value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childPath = path ? `${path}.${key}` : key;
      if (typeof child === 'number' && Number.isFinite(child) && keyPattern.test(childPath)) found.push({ path: childPath, value: child });
      else walk(child, childPath, depth + 1);
    }
  };
  walk(document, '', 0);
  return found;
}

/** The first field (in order of preference of the patterns) that matches. */
export function firstNumericField(document: unknown, patterns: readonly RegExp[]): NumericField | undefined {
  for (const pattern of patterns) {
    const [field] = findNumericFields(document, pattern);
    if (field) return field;
  }
  return undefined;
}

/** Server event-loop lag: the p99 (or max, or mean) of `eventLoopLag`, in ms. */
export const EVENT_LOOP_LAG_FIELDS: readonly RegExp[] = [/event_?loop_?lag.*p99/i, /event_?loop_?lag.*max/i, /event_?loop_?lag.*mean/i, /event_?loop_?lag(ms)?$/i, /\blag.*ms$/i];

/** Work waiting in the server: queue depth, or runs in progress as the next best figure. */
export const QUEUE_DEPTH_FIELDS: readonly RegExp[] = [/queue.*(depth|length|size|waiting)$/i, /^queued$/i, /runs_?in_?progress$/i, /in_?flight$/i];

/** Provider rate-limit answers counted by the simulator: every counter under `rateLimited` (by requests, tokens, ...). */
export const SIM_RATE_LIMITED_GROUP = /(^|\.)rate_?limited(\.|$)/i;

/** Other names a simulator may use for its 429 count. */
export const SIM_RATE_LIMITED_FIELDS: readonly RegExp[] = [/(^|\.)(status_?)?429$/i, /throttled$/i];

/** The sum of a group of counters (e.g. `rateLimited.requests` + `rateLimited.tokens`), with its parts. */
export function sumNumericFields(document: unknown, keyPattern: RegExp): { total: number; parts: NumericField[] } | undefined {
  const parts = findNumericFields(document, keyPattern);
  if (parts.length === 0) return undefined;
  return { total: parts.reduce((s, p) => s + p.value, 0), parts };
}

/** Requests the simulator received. */
export const SIM_REQUEST_FIELDS: readonly RegExp[] = [/^requests(total)?$/i, /^total_?requests$/i, /(^|\.)requests(total)?$/i, /completions$/i];
