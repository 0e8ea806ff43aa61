import { abortReason, clockTimeout, type Clock } from '../shared/clock.js';

/** A provider answer read to its end, or why it could not be: the body stalled or ended early. */
export type BodyOutcome = { ok: true; response: Response } | { ok: false; failure: 'timeout' | 'cut-stream'; message: string };

export interface CompleteBodyOptions {
  clock: Clock;
  /** Real ms the body may go without a chunk before the attempt counts as a timeout. */
  idleTimeoutMs: number;
  /** The caller's signal: its abort is rethrown, not reported as a provider failure. */
  signal?: AbortSignal | undefined;
}

/**
 * Read a successful provider answer to its end before anyone above sees it, so that a body
 * that stalls (no chunk within `idleTimeoutMs`) or ends early (a stream without its final
 * `data: [DONE]`, a JSON body that does not parse, a connection that drops) is a failed
 * attempt the retry policy can retry, rather than a half-read answer that has already been
 * handed to the SDK and can only fail the run. The price is that a stream reaches the SDK
 * when the provider has finished it, not token by token: chat answers here are short
 * (max_completion_tokens is capped), and an answer that is whole or retried is worth more
 * than the first token a second sooner.
 */
export async function readCompleteBody(response: Response, options: CompleteBodyOptions): Promise<BodyOutcome> {
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  if (!response.body) return { ok: true, response };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const idle = clockTimeout(options.clock, options.idleTimeoutMs, 'the provider stopped sending');
    let next: Awaited<ReturnType<typeof reader.read>>;
    try {
      next = await raceAbort(reader.read(), idle.signal, options.signal);
    } catch (error) {
      idle.clear();
      void reader.cancel().catch(() => undefined);
      if (options.signal?.aborted) throw abortReason(options.signal);
      if (idle.fired) return { ok: false, failure: 'timeout', message: `no data for ${Math.round(options.idleTimeoutMs)} ms in the middle of the answer` };
      return { ok: false, failure: 'cut-stream', message: `the answer was cut off after ${size} bytes (${errorText(error)})` };
    }
    idle.clear();
    if (next.done) break;
    chunks.push(next.value);
    size += next.value.byteLength;
  }
  const bytes = concat(chunks, size);
  const text = new TextDecoder().decode(bytes);
  const isStream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
  if (isStream ? !streamFinished(text) : !jsonComplete(text)) {
    return { ok: false, failure: 'cut-stream', message: `the answer ended early after ${size} bytes` };
  }
  return { ok: true, response: new Response(bytes, init) };
}

/** An OpenAI-style stream ends with `data: [DONE]`; without it the connection closed early. */
function streamFinished(text: string): boolean {
  return /(^|\n)data: ?\[DONE\]\s*$/.test(text);
}

function jsonComplete(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function raceAbort<T>(promise: Promise<T>, ...signals: Array<AbortSignal | undefined>): Promise<T> {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    for (const signal of present) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
    promise.then(resolve, reject).finally(() => {
      for (const signal of present) signal.removeEventListener('abort', onAbort);
    });
  });
}

function concat(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function errorText(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return error instanceof Error ? `${error.message}${cause}` : String(error);
}
