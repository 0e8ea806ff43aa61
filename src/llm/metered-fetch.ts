import type { LlmErrorType, LlmObserver } from './llm-observer.js';
import { currentRunContext, type RunContext } from './run-context.js';
import { settleOnCompletion, type ProviderUsage } from './usage-on-completion.js';

type Fetch = typeof fetch;

/**
 * Wrap the fetch that the OpenAI SDK uses so that every HTTP attempt to the provider is
 * recorded on the current run: time spent, 429s, and the exact token usage the provider
 * reported (from the JSON body, or from the usage chunk of a stream). It sits innermost, under
 * any retry or admission layer, so it sees each attempt exactly once; that makes it the one
 * place that counts retries, whichever layer (LangChain, the gate) decided to retry. A run's
 * calls are sequential, so an attempt that follows a failed one is a retry. The observer, when
 * given, is told about every attempt, inside a run or not (metrics).
 */
export function createMeteredFetch(inner: Fetch = fetch, observer?: LlmObserver): Fetch {
  /** Why the last attempt of a run failed, to label the retry that follows it. */
  const lastFailure = new WeakMap<RunContext, LlmErrorType>();
  return async (input, init) => {
    const context = currentRunContext();
    if (!context && !observer) return inner(input, init);
    const started = performance.now();
    const retryOf = context?.lastAttemptFailed ? (lastFailure.get(context) ?? 'network') : undefined;
    if (context?.lastAttemptFailed) context.usage.retries += 1;
    const model = observer ? requestModel(init?.body) : '';
    const observe = (errorType: LlmErrorType | undefined, response: Response | undefined, usage: ProviderUsage | undefined) => {
      if (!observer) return;
      observer.attemptFinished({
        model,
        durationMs: performance.now() - started,
        errorType,
        usage: usage ? { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0, cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0 } : undefined,
        retryOf,
        headers: response?.headers,
      });
    };
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      const errorType = thrownErrorType(error);
      if (context) {
        context.usage.llmMs += performance.now() - started;
        context.lastAttemptFailed = true;
        lastFailure.set(context, errorType);
      }
      observe(errorType, undefined, undefined);
      throw error;
    }
    if (context) {
      context.lastAttemptFailed = !response.ok;
      if (!response.ok) lastFailure.set(context, `${response.status}`);
      if (response.status === 429) context.usage.providerRateLimited += 1;
    }
    if (!response.ok || !response.body) {
      if (context) context.usage.llmMs += performance.now() - started;
      observe(response.ok ? undefined : `${response.status}`, response, undefined);
      return response;
    }
    return settleOnCompletion(response, (usage: ProviderUsage | undefined, failed?: boolean) => {
      observe(undefined, response, usage);
      if (!context) return;
      context.usage.llmMs += performance.now() - started;
      if (failed) {
        // Cut off midway: the attempt failed, and the one that follows is a retry.
        context.lastAttemptFailed = true;
        lastFailure.set(context, 'network');
        return;
      }
      context.usage.llmCalls += 1;
      if (!usage) return;
      context.usage.promptTokens += usage.prompt_tokens ?? 0;
      context.usage.cachedTokens += usage.prompt_tokens_details?.cached_tokens ?? 0;
      context.usage.completionTokens += usage.completion_tokens ?? 0;
    });
  };
}

/** A model name looks like this; anything else is not used as a metric label. */
const MODEL_NAME = /^[A-Za-z0-9._:/-]{1,100}$/;
const MODEL_KEY = '"model":"';

/**
 * The request's model, read from the JSON text without parsing it all (prompts are large).
 * The first `"model":"` is the request's own: message text cannot contain that sequence
 * unescaped, and tool schemas hold objects, not strings, after a key. The SDK writes JSON
 * without spaces.
 */
function requestModel(body: unknown): string {
  if (typeof body !== 'string') return 'unknown';
  const at = body.indexOf(MODEL_KEY);
  if (at < 0) return 'unknown';
  const start = at + MODEL_KEY.length;
  const model = body.slice(start, body.indexOf('"', start));
  return MODEL_NAME.test(model) ? model : 'unknown';
}

function thrownErrorType(error: unknown): LlmErrorType {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') return 'timeout';
  if (name === 'AbortError') return 'cancelled';
  return 'network';
}
