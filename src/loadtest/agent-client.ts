import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { classifyFailure, type AbortReason, type FailureCause } from './failure-cause.js';
import { readSseEvents } from './sse-parser.js';

/** The per-run usage the server returns with every answer (docs/agent-api.md). */
export type { RunUsage } from '../llm/run-usage.js';
import { retryAfterMs } from '../llm/provider-headers.js';
import type { RunUsage } from '../llm/run-usage.js';

export type TurnOutcome =
  | { ok: true; status: number; text: string; usage: RunUsage | undefined; firstTokenAt: number | undefined }
  | TurnFailure;

export interface TurnFailure {
  ok: false;
  cause: FailureCause;
  status: number | undefined;
  code: string | undefined;
  message: string;
  /** Real ms to wait before retrying, as the server said (`retry-after-ms`, else `Retry-After`). */
  retryAfterMs: number | undefined;
}

export type FetchLike = typeof undiciFetch;

export interface AgentClientOptions {
  baseUrl: string;
  /** Sent as `x-api-key`; without it, `x-customer-id` names the customer (dev-mode servers). */
  apiKey?: string | undefined;
  customerId: string;
  dispatcher?: Dispatcher | undefined;
  fetch?: FetchLike | undefined;
  now: () => number;
}

export interface SendOptions {
  timeoutMs: number;
  /** Aborted when the stage or the run stops; counted as `aborted`, not as a timeout. */
  stopSignal: AbortSignal;
  stream: boolean;
}

/**
 * A keep-alive connection pool sized for thousands of simultaneous users. Plain `fetch` on
 * this pool is used instead of the LangGraph SDK client on purpose: the SDK queues requests
 * behind `maxConcurrency: 4` and retries 429/5xx by itself, so it would measure its own queue
 * and hide the very failures a load test must count. Undici's own header/body timeouts are
 * off because the per-message timeout (an AbortSignal) is the only deadline we want.
 */
export function createLoadDispatcher(maxConnectionsPerOrigin = 4096): Agent {
  return new Agent({
    connections: maxConnectionsPerOrigin,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: { timeout: 30_000 },
  });
}

export class AgentClient {
  readonly #options: AgentClientOptions;
  readonly #fetch: FetchLike;

  constructor(options: AgentClientOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? undiciFetch;
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.#options.apiKey) headers['x-api-key'] = this.#options.apiKey;
    else headers['x-customer-id'] = this.#options.customerId;
    return headers;
  }

  #url(path: string): string {
    return `${this.#options.baseUrl.replace(/\/+$/, '')}${path}`;
  }

  /** POST /threads. The thread id, or why it failed (counted against the first message). */
  async createThread(options: Omit<SendOptions, 'stream'>): Promise<{ ok: true; threadId: string } | TurnFailure> {
    return this.#exchange('/threads', { metadata: { source: 'loadtest', customer: this.#options.customerId } }, options, async (response) => {
      const body = (await response.json()) as { thread_id?: unknown };
      if (typeof body.thread_id !== 'string') return failure({ status: response.status, code: 'INVALID_ANSWER' }, 'POST /threads answered without thread_id');
      return { ok: true as const, threadId: body.thread_id };
    });
  }

  /** One user message: `runs/wait`, or `runs/stream` (messages-tuple + values) when streaming. */
  async sendMessage(threadId: string, content: string, options: SendOptions): Promise<TurnOutcome> {
    const input = { messages: [{ role: 'user', content }] };
    const id = encodeURIComponent(threadId);
    if (!options.stream) {
      return this.#exchange(`/threads/${id}/runs/wait`, { assistant_id: 'concierge', input }, options, async (response) => {
        const values = (await response.json()) as Record<string, unknown>;
        const embedded = embeddedError(values);
        if (embedded) return failure({ status: response.status, code: embedded.code }, embedded.message);
        return { ok: true as const, status: response.status, text: lastAssistantText(values), usage: readUsage(values), firstTokenAt: undefined };
      });
    }
    const body = { assistant_id: 'concierge', input, stream_mode: ['messages-tuple', 'values'] };
    return this.#exchange(`/threads/${id}/runs/stream`, body, options, async (response) => {
      let firstTokenAt: number | undefined;
      let lastValues: Record<string, unknown> | undefined;
      let streamed = '';
      if (!response.body) return failure({ status: response.status, code: 'INVALID_ANSWER' }, 'stream without a body');
      for await (const event of readSseEvents(response.body as AsyncIterable<Uint8Array>)) {
        if (event.event.startsWith('messages')) {
          const text = chunkText(safeJson(event.data));
          if (text) {
            firstTokenAt ??= this.#options.now();
            streamed += text;
          }
        } else if (event.event === 'values') {
          const values = safeJson(event.data);
          if (values && typeof values === 'object') lastValues = values as Record<string, unknown>;
        } else if (event.event === 'error') {
          const error = (safeJson(event.data) ?? {}) as { code?: string; error?: string; message?: string; retry_after_ms?: unknown };
          const retryAfter = typeof error.retry_after_ms === 'number' ? error.retry_after_ms : undefined;
          return failure({ status: response.status, code: error.code ?? error.error ?? 'AGENT_ERROR' }, error.message ?? event.data, retryAfter);
        } else if (event.event === 'end') {
          break;
        }
      }
      const text = lastValues ? lastAssistantText(lastValues) : streamed;
      return { ok: true as const, status: response.status, text: text || streamed, usage: lastValues ? readUsage(lastValues) : undefined, firstTokenAt };
    });
  }

  /** GET a JSON document (catalogue, stats). Undefined on any failure: these are optional. */
  async getJson(path: string, timeoutMs = 10_000): Promise<{ status: number; body: unknown } | undefined> {
    const answer = await this.getText(path, timeoutMs);
    return answer && { status: answer.status, body: safeJson(answer.text) };
  }

  /** GET a document as text (`/metrics`). Undefined on any failure. */
  async getText(path: string, timeoutMs = 10_000): Promise<{ status: number; text: string } | undefined> {
    try {
      const response = await this.#fetch(this.#url(path), {
        headers: this.#headers(),
        dispatcher: this.#options.dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, text: await response.text() };
    } catch {
      return undefined;
    }
  }

  /** POST without a body (e.g. `/stats/reset`); true on a 2xx answer. */
  async post(path: string, timeoutMs = 5000): Promise<boolean> {
    try {
      const response = await this.#fetch(this.#url(path), { method: 'POST', headers: this.#headers(), body: '{}', dispatcher: this.#options.dispatcher, signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }

  async #exchange<T extends { ok: true }>(
    path: string,
    body: unknown,
    options: Omit<SendOptions, 'stream'>,
    onSuccess: (response: Awaited<ReturnType<FetchLike>>) => Promise<T | TurnFailure>,
  ): Promise<T | TurnFailure> {
    const timeout = AbortSignal.timeout(Math.max(1, Math.round(options.timeoutMs)));
    const signal = AbortSignal.any([timeout, options.stopSignal]);
    const abortReason = (): AbortReason | undefined => (options.stopSignal.aborted ? 'stopped' : timeout.aborted ? 'timeout' : undefined);
    try {
      const response = await this.#fetch(this.#url(path), {
        method: 'POST',
        headers: this.#headers(),
        body: JSON.stringify(body),
        dispatcher: this.#options.dispatcher,
        signal,
      });
      if (response.status >= 200 && response.status < 300) return await onSuccess(response);
      const text = await response.text();
      const error = (safeJson(text) ?? {}) as { code?: unknown; message?: unknown };
      const code = typeof error.code === 'string' ? error.code : undefined;
      const message = typeof error.message === 'string' ? error.message : text.slice(0, 200);
      // The millisecond hint first: whole seconds are too coarse for a time-scaled run.
      return failure({ status: response.status, code }, message, retryAfterMs(response.headers, Date.now()));
    } catch (error) {
      const aborted = abortReason();
      if (aborted) return failure({ aborted }, aborted === 'timeout' ? `no answer within ${Math.round(options.timeoutMs)} ms` : 'stopped');
      const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
      return failure({ networkError: true }, reason);
    }
  }
}

function failure(facts: { status?: number | undefined; code?: string | undefined; aborted?: AbortReason; networkError?: boolean }, message: string, retryAfter?: number): TurnFailure {
  const clean = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
  return { ok: false, cause: classifyFailure(clean), status: facts.status, code: facts.code, message, retryAfterMs: retryAfter };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** `usage.run` of an answer, with missing fields as 0; undefined when the server sent none. */
export function readUsage(values: Record<string, unknown>): RunUsage | undefined {
  const usage = values.usage as { run?: Record<string, unknown> } | undefined;
  const run = usage?.run;
  if (!run || typeof run !== 'object') return undefined;
  return {
    llmCalls: num(run.llmCalls),
    toolCalls: num(run.toolCalls),
    promptTokens: num(run.promptTokens),
    cachedTokens: num(run.cachedTokens),
    completionTokens: num(run.completionTokens),
    costUsd: num(run.costUsd),
    queueWaitMs: num(run.queueWaitMs),
    llmMs: num(run.llmMs),
    toolMs: num(run.toolMs),
    retries: num(run.retries),
    providerRateLimited: num(run.providerRateLimited),
    model: typeof run.model === 'string' ? run.model : '',
  };
}

/** LangGraph servers may answer 200 with `{__error__: {...}}` when the run itself failed. */
function embeddedError(values: Record<string, unknown>): { code: string; message: string } | undefined {
  const error = values.__error__ as { error?: string; code?: string; message?: string } | undefined;
  if (!error || typeof error !== 'object') return undefined;
  return { code: error.code ?? 'AGENT_ERROR', message: error.message ?? error.error ?? 'run failed' };
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === 'string' ? part : part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  return '';
}

function isAssistant(message: Record<string, unknown>): boolean {
  if (message.type === 'ai' || message.role === 'assistant' || message.type === 'AIMessageChunk') return true;
  const id = message.id;
  return Array.isArray(id) && id.some((part) => typeof part === 'string' && part.startsWith('AIMessage'));
}

/** The text of the last assistant message in a thread's values (plain or serialized form). */
export function lastAssistantText(values: Record<string, unknown>): string {
  const messages = values.messages;
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const raw = messages[i] as Record<string, unknown> | undefined;
    if (!raw || typeof raw !== 'object') continue;
    const message = (raw.kwargs && typeof raw.kwargs === 'object' ? raw.kwargs : raw) as Record<string, unknown>;
    if (isAssistant(raw) || isAssistant(message)) {
      const text = contentText(message.content);
      if (text) return text;
    }
  }
  return '';
}

/** Text of a `messages-tuple` event (`[chunk, metadata]`) or a bare chunk; '' for tool chunks. */
export function chunkText(data: unknown): string {
  const chunk = Array.isArray(data) ? data[0] : data;
  if (!chunk || typeof chunk !== 'object') return '';
  const message = chunk as Record<string, unknown>;
  if (message.type === 'tool' || message.role === 'tool') return '';
  return contentText(message.content);
}
