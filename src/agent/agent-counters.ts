/**
 * What the lean agent saved and what it cost, counted in this process and shown in `/stats`
 * (`agent`): answers written from tool results instead of a second LLM call, steps retried
 * after a truncated answer, and the hits and misses of the answer and availability caches.
 */
export interface CacheCounters {
  hits: number;
  misses: number;
  stores: number;
  invalidations: number;
}

export interface AgentCounters {
  templatedAnswers: number;
  truncationRetries: number;
  answerCache: CacheCounters;
  availabilityCache: CacheCounters;
}

export function createAgentCounters(): AgentCounters {
  return { templatedAnswers: 0, truncationRetries: 0, answerCache: emptyCacheCounters(), availabilityCache: emptyCacheCounters() };
}

export function emptyCacheCounters(): CacheCounters {
  return { hits: 0, misses: 0, stores: 0, invalidations: 0 };
}

/** Hits over lookups, null before the first lookup. */
export function hitRate(c: CacheCounters): number | null {
  const lookups = c.hits + c.misses;
  return lookups === 0 ? null : c.hits / lookups;
}

/** The counters with their hit rates, as `/stats` shows them. */
export function agentCountersView(c: AgentCounters) {
  return {
    templatedAnswers: c.templatedAnswers,
    truncationRetries: c.truncationRetries,
    answerCache: { ...c.answerCache, hitRate: hitRate(c.answerCache) },
    availabilityCache: { ...c.availabilityCache, hitRate: hitRate(c.availabilityCache) },
  };
}

export function resetAgentCounters(c: AgentCounters): void {
  c.templatedAnswers = 0;
  c.truncationRetries = 0;
  Object.assign(c.answerCache, emptyCacheCounters());
  Object.assign(c.availabilityCache, emptyCacheCounters());
}
