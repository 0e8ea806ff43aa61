import { createHash } from 'node:crypto';
import type { RunnableConfig } from '@langchain/core/runnables';

/**
 * The `prompt_cache_key` of a customer's calls. OpenAI routes requests that share a prefix and
 * this key to the same cache, so a customer's turns keep finding their conversation's prefix
 * cached; the customer id is hashed, as OpenAI asks for identifiers of end users, so it never
 * leaves the service. The lab's simulator also keys its latency draws on it (see the sim engine).
 */
export function promptCacheKeyOf(config: RunnableConfig | undefined): string | undefined {
  const customerId = (config?.configurable as Record<string, unknown> | undefined)?.customer_id;
  if (typeof customerId !== 'string' || customerId === '') return undefined;
  return `customer-${createHash('sha256').update(customerId).digest('base64url').slice(0, 22)}`;
}

/** The call options of a model call made for a customer: its config plus the cache key. */
export function withPromptCacheKey<C extends RunnableConfig>(config: C): C & { promptCacheKey?: string } {
  const promptCacheKey = promptCacheKeyOf(config);
  return promptCacheKey === undefined ? config : { ...config, promptCacheKey };
}
