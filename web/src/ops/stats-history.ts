/** The fields of `GET /stats` the live view reads (the document has more; all may be absent on other versions). */
export interface Stats {
  runsInProgress?: number;
  messages?: { answered: number; failed: number; costUsd: number; latencyMs: { windowSec: number; count: number; p50: number | null; p95: number | null } };
  eventLoopLag?: { p99Ms: number };
  admission?: {
    admission: 'on' | 'off';
    timeScale: number;
    queue: { depth: number; continuing: number; new: number };
    queueWaitMs: { p50: number; p95: number };
    budget: { requests: Limit; tokens: Limit };
    provider: { calls: number; rateLimited: number };
    sheds: { total: number; deadline: number; 'queue-full': number };
    circuit: { state: string };
  };
}

export interface Limit {
  limit: number | null;
  remaining: number | null;
}

/** One poll, reduced to the figures the charts draw. */
export interface Sample {
  at: number;
  runs: number;
  queue: number;
  requestsLeftPct: number | null;
  tokensLeftPct: number | null;
  p50: number | null;
  p95: number | null;
  /** Counts since the previous sample. */
  rateLimited: number;
  sheds: number;
  /** Totals, kept to compute the next sample's increments. */
  totals: { rateLimited: number; sheds: number };
}

export const HISTORY_MS = 10 * 60_000;

function pct(limit: Limit | undefined): number | null {
  if (!limit || limit.limit === null || limit.remaining === null || limit.limit <= 0) return null;
  return Math.max(0, Math.min(100, (limit.remaining / limit.limit) * 100));
}

/**
 * Add a poll to the history (the last ten minutes). Counters become increments per poll; a
 * counter that went down (the server restarted or its stats were reset) counts from zero.
 */
export function addSample(history: readonly Sample[], stats: Stats, at: number): Sample[] {
  const a = stats.admission;
  const totals = { rateLimited: a?.provider.rateLimited ?? 0, sheds: a?.sheds.total ?? 0 };
  const previous = history.at(-1)?.totals;
  const delta = (now: number, before: number | undefined) => (before === undefined ? 0 : now >= before ? now - before : now);
  const sample: Sample = {
    at,
    runs: stats.runsInProgress ?? 0,
    queue: a?.queue.depth ?? 0,
    requestsLeftPct: pct(a?.budget.requests),
    tokensLeftPct: pct(a?.budget.tokens),
    p50: stats.messages?.latencyMs.p50 ?? null,
    p95: stats.messages?.latencyMs.p95 ?? null,
    rateLimited: delta(totals.rateLimited, previous?.rateLimited),
    sheds: delta(totals.sheds, previous?.sheds),
    totals,
  };
  return [...history.filter((s) => s.at > at - HISTORY_MS), sample];
}
