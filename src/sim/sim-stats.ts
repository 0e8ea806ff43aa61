/** What the provider saw, as `GET /sim/stats` reports it. */
export interface SimStats {
  /** Chat completion requests received (including rejected and invalid ones). */
  requests: number;
  /** Completions answered in full (JSON body sent, or stream ended with [DONE]). */
  completionsOk: number;
  /** 400s for invalid requests. */
  badRequests: number;
  /** 429s from the organisation limiter, by what ran out; `tooLarge` = larger than the TPM. */
  rateLimited: { requests: number; tokens: number; tooLarge: number };
  /** 429 insufficient_quota answers. */
  insufficientQuota: number;
  /** Faults injected on purpose. */
  injected: { serverErrors: number; hangs: number; cutStreams: number; slowResponses: number };
  /** Self-hosted mode: requests refused because the waiting queue was full (503). */
  queueFull: number;
  /** Requests carrying `x-stainless-retry-count` > 0 (the openai SDK's own retries). */
  retriedRequests: number;
  /** Clients that went away before their answer was complete. */
  clientAborts: number;
  /** Tokens of admitted requests: prompt, of which cached, and generated; `charged` is what the TPM bucket took. */
  tokens: { prompt: number; cached: number; completion: number; charged: number };
  /** Chat completion requests in progress now, and the most at once. */
  concurrency: { current: number; peak: number };
  /** Self-hosted mode state; null in hosted-API mode. */
  selfHosted: { maxSeqs: number; running: number; waiting: number } | null;
  /**
   * The limits in force and the buckets now: `windowMs` is the buckets' depth in nominal ms
   * (a full bucket holds `rpm x windowMs / 60000` requests), refilled at the per-minute rate.
   */
  limits: { preset: string; rpm: number; tpm: number; windowMs: number; remainingRequests: number; remainingTokens: number };
  /** This process's CPU time since it started (process.cpuUsage), microseconds: the lab's fairness check. */
  cpu: { user: number; system: number };
  timeScale: number;
  latency: string;
  /** Real milliseconds since start or the last reset. */
  sinceMs: number;
}

export type SimCounters = Omit<SimStats, 'selfHosted' | 'limits' | 'cpu' | 'timeScale' | 'latency' | 'sinceMs'>;

export function emptyCounters(): SimCounters {
  return {
    requests: 0,
    completionsOk: 0,
    badRequests: 0,
    rateLimited: { requests: 0, tokens: 0, tooLarge: 0 },
    insufficientQuota: 0,
    injected: { serverErrors: 0, hangs: 0, cutStreams: 0, slowResponses: 0 },
    queueFull: 0,
    retriedRequests: 0,
    clientAborts: 0,
    tokens: { prompt: 0, cached: 0, completion: 0, charged: 0 },
    concurrency: { current: 0, peak: 0 },
  };
}
