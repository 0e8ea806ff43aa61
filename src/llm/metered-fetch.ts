import { currentRunContext } from './run-context.js';

type Fetch = typeof fetch;

interface ProviderUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

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
    const record = (usage: ProviderUsage | undefined) => {
      context.usage.llmMs += performance.now() - started;
      context.usage.llmCalls += 1;
      if (!usage) return;
      context.usage.promptTokens += usage.prompt_tokens ?? 0;
      context.usage.cachedTokens += usage.prompt_tokens_details?.cached_tokens ?? 0;
      context.usage.completionTokens += usage.completion_tokens ?? 0;
    };
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('text/event-stream')) {
      return new Response(response.body.pipeThrough(usageSniffer(record)), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    }
    const text = await response.text();
    let usage: ProviderUsage | undefined;
    try {
      usage = (JSON.parse(text) as { usage?: ProviderUsage }).usage;
    } catch {
      usage = undefined;
    }
    record(usage);
    return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/**
 * Pass a server-sent-event stream through unchanged while watching for the chunk that
 * carries `usage` (sent last when `stream_options.include_usage` is set).
 */
function usageSniffer(record: (usage: ProviderUsage | undefined) => void): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let pending = '';
  let usage: ProviderUsage | undefined;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    record(usage);
  };
  const scan = (final: boolean) => {
    const lines = pending.split('\n');
    pending = final ? '' : (lines.pop() ?? '');
    for (const line of lines) {
      if (!line.startsWith('data:') || !line.includes('"usage"')) continue;
      try {
        const chunk = JSON.parse(line.slice(5).trim()) as { usage?: ProviderUsage | null };
        if (chunk.usage) usage = chunk.usage;
      } catch {
        // A malformed line is the SDK's problem to report; metering just skips it.
      }
    }
  };
  return new TransformStream({
    transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true });
      scan(false);
      controller.enqueue(chunk);
    },
    flush() {
      pending += decoder.decode();
      scan(true);
      finish();
    },
  });
}
