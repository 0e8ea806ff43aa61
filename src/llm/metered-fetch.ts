import { currentRunContext } from './run-context.js';
import { settleOnCompletion, type ProviderUsage } from './usage-on-completion.js';

type Fetch = typeof fetch;

/**
 * Wrap the fetch that the OpenAI SDK uses so that every HTTP attempt to the provider is
 * recorded on the current run: time spent, 429s, and the exact token usage the provider
 * reported (from the JSON body, or from the usage chunk of a stream). It sits innermost, under
 * any retry or admission layer, so it sees each attempt exactly once; that makes it the one
 * place that counts retries, whichever layer (LangChain, the gate) decided to retry. A run's
 * calls are sequential, so an attempt that follows a failed one is a retry.
 */
export function createMeteredFetch(inner: Fetch = fetch): Fetch {
  return async (input, init) => {
    const context = currentRunContext();
    if (!context) return inner(input, init);
    const started = performance.now();
    if (context.lastAttemptFailed) context.usage.retries += 1;
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      context.usage.llmMs += performance.now() - started;
      context.lastAttemptFailed = true;
      throw error;
    }
    context.lastAttemptFailed = !response.ok;
    if (response.status === 429) context.usage.providerRateLimited += 1;
    if (!response.ok || !response.body) {
      context.usage.llmMs += performance.now() - started;
      return response;
    }
    return settleOnCompletion(response, (usage: ProviderUsage | undefined) => {
      context.usage.llmMs += performance.now() - started;
      context.usage.llmCalls += 1;
      if (!usage) return;
      context.usage.promptTokens += usage.prompt_tokens ?? 0;
      context.usage.cachedTokens += usage.prompt_tokens_details?.cached_tokens ?? 0;
      context.usage.completionTokens += usage.completion_tokens ?? 0;
    });
  };
}
