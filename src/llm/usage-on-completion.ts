/** The token usage a provider reports with a chat completion (the fields we read). */
export interface ProviderUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

/**
 * Hand the response on, calling `done` once with the provider's usage when its body has
 * been read to the end (JSON: now; a stream: at its last chunk, or when it is cancelled).
 */
export async function settleOnCompletion(response: Response, done: (usage: ProviderUsage | undefined, failed?: boolean) => void): Promise<Response> {
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  const type = response.headers.get('content-type') ?? '';
  if (!response.body) {
    done(undefined);
    return response;
  }
  if (!type.includes('text/event-stream')) {
    const text = await response.text();
    let usage: ProviderUsage | undefined;
    try {
      usage = (JSON.parse(text) as { usage?: ProviderUsage }).usage;
    } catch {
      usage = undefined;
    }
    done(usage);
    return new Response(text, init);
  }
  return new Response(watchStream(response.body, done), init);
}

/** Pass an SSE body through unchanged, noting the `usage` chunk that `include_usage` adds last. */
function watchStream(source: ReadableStream<Uint8Array>, done: (usage: ProviderUsage | undefined, failed?: boolean) => void): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let usage: ProviderUsage | undefined;
  let finished = false;
  const finish = (failed = false) => {
    if (finished) return;
    finished = true;
    done(usage, failed);
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
        // Not ours to report: the SDK parses the same line.
      }
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: end, value } = await reader.read();
        if (end) {
          pending += decoder.decode();
          scan(true);
          finish();
          controller.close();
          return;
        }
        pending += decoder.decode(value, { stream: true });
        scan(false);
        controller.enqueue(value);
      } catch (error) {
        // The body broke off (a cut stream): the layer above retries it.
        finish(true);
        controller.error(error);
      }
    },
    async cancel(reason) {
      // Given up before its end (a stall, the caller went away): not a whole answer.
      finish(true);
      await reader.cancel(reason);
    },
  });
}
