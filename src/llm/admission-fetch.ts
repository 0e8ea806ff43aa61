import { LlmRequestTooLargeError, ProviderQuotaError, ProviderRateLimitError, ProviderUnavailableError } from './admission-errors.js';
import type { AdmissionGate, Admitted } from './admission-gate.js';
import type { Priority } from './admission-queue.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { LlmObserver } from './llm-observer.js';
import { abortReason, sleep, type Clock } from './clock.js';
import { parseErrorBody, parseRateLimitHeaders, retryAfterMs, retryHintMs, type ProviderLimits } from './provider-headers.js';
import { classifyFailure, fitsDeadline, fullJitterBackoff, rateLimitPauseMs, type BackoffOptions } from './retry-policy.js';
import { currentRunContext } from './run-context.js';
import { completionAllowance, type ChatCompletionBody, type TokenEstimator } from './token-estimate.js';
import type { Need } from './token-bucket.js';
import { settleOnCompletion, type ProviderUsage } from './usage-on-completion.js';

type Fetch = typeof fetch;

/** Everything here is already in real milliseconds: the factory applied the time scale. */
export interface AdmissionFetchOptions {
  inner: Fetch;
  gate: AdmissionGate;
  estimator: TokenEstimator;
  clock: Clock;
  random: () => number;
  /** Deadline of a call made outside any run (real ms from now). */
  defaultDeadlineMs: number;
  maxCompletionTokens: number;
  maxRetries: number;
  attemptTimeoutMs: number;
  backoff: BackoffOptions;
  chargeBasis: 'max-tokens' | 'usage';
  fallbackModel: string | undefined;
  breakerFor(model: string): CircuitBreaker;
  counters: ProviderCounters;
  /** Told how long each admitted call waited (metrics). */
  observer?: LlmObserver | undefined;
  /** Told the provider URL and API key of each call, so a budget key can be derived from them. */
  onProvider?(baseURL: string, apiKey: string): void;
}

/** Running totals for the stats endpoint. */
export interface ProviderCounters {
  /** Attempts sent to the provider. */
  calls: number;
  ok: number;
  rateLimited: number;
  serverErrors: number;
  timeouts: number;
  networkErrors: number;
  quotaErrors: number;
  tooLarge: number;
  /** Attempts sent to the fallback model. */
  fallbackCalls: number;
  retries: number;
  /** Calls given up after 429s (answered PROVIDER_RATE_LIMITED). */
  gaveUpRateLimited: number;
  /** Calls given up after 5xx/timeouts or refused by an open circuit (PROVIDER_UNAVAILABLE). */
  gaveUpUnavailable: number;
}

export function emptyCounters(): ProviderCounters {
  return {
    calls: 0,
    ok: 0,
    rateLimited: 0,
    serverErrors: 0,
    timeouts: 0,
    networkErrors: 0,
    quotaErrors: 0,
    tooLarge: 0,
    fallbackCalls: 0,
    retries: 0,
    gaveUpRateLimited: 0,
    gaveUpUnavailable: 0,
  };
}

interface ChatRequest {
  url: string;
  body: ChatCompletionBody;
}


/**
 * The admission fetch: what the OpenAI SDK calls instead of `fetch`. For each
 * `POST …/chat/completions` it estimates the call's tokens, waits its turn in the gate,
 * sends it, settles the reservation with the real usage and the provider's headers (when a
 * stream ends, for streams), and applies the one retry policy: 429s pause the whole budget
 * and retry through the queue; 5xx and timeouts back off with full jitter and feed the
 * circuit breaker; quota and too-large errors are never retried. When it gives up it throws
 * a typed error (the SDK wraps it as the `cause` of its connection error); any other
 * request passes straight through.
 */
export function createAdmissionFetch(options: AdmissionFetchOptions): Fetch {
  const { inner, gate, estimator, clock, counters } = options;

  return async (input, init) => {
    const request = chatRequestOf(input, init);
    if (!request) return inner(input, init);
    const { url, body } = request;
    noteProvider(options, url, init);
    const context = currentRunContext();
    const deadlineAt = context?.deadlineAt ?? clock.now() + options.defaultDeadlineMs;
    let priority: Priority = context && context.llmCallsStarted > 0 ? 'continuing' : 'new';
    if (context) context.llmCallsStarted += 1;
    const signal = anySignal(init?.signal ?? undefined, context?.signal);

    const allowance = completionAllowance(body, options.maxCompletionTokens);
    if (allowance.inject) body.max_completion_tokens = options.maxCompletionTokens;
    const need: Need = { requests: 1, tokens: estimator.promptTokens(body) + allowance.tokens };
    const primary = typeof body.model === 'string' ? body.model : '';
    const bodyFor = memoBodies(body);

    for (let attempt = 0; ; attempt += 1) {
      const closedFor = circuitRefusal(options, primary);
      if (closedFor !== undefined) throw unavailable(options, `the circuit for ${primary} is open after repeated failures`, closedFor);

      const admitted = await gate.admit({ customerId: context?.customerId ?? 'anonymous', priority, need, deadlineAt, signal, retry: attempt > 0 });
      if (context) context.usage.queueWaitMs += admitted.waitedMs;
      options.observer?.admitted(admitted.waitedMs, priority);
      const route = pickRoute(options, primary);
      if (!route) {
        await giveBack(gate, admitted, need);
        throw unavailable(options, `the circuit for ${primary} is open after repeated failures`, options.breakerFor(primary).retryInMs());
      }
      if (route.model !== primary) counters.fallbackCalls += 1;
      counters.calls += 1;

      const sentAt = clock.now();
      const timer = attemptTimer(clock, options.attemptTimeoutMs);
      let response: Response;
      try {
        response = await inner(url, { ...init, body: bodyFor(route.model), signal: anySignal(signal, timer.signal) });
      } catch (error) {
        timer.clear();
        gate.delivered(admitted.reservation);
        // The reservation stays spent: the provider may have counted the attempt.
        gate.callFinished(undefined);
        if (signal?.aborted) {
          route.breaker.release();
          throw abortReason(signal);
        }
        route.breaker.failure();
        if (timer.fired) counters.timeouts += 1;
        else counters.networkErrors += 1;
        const delayMs = fullJitterBackoff(attempt, options.backoff, options.random);
        const what = timer.fired ? `no answer within ${Math.round(options.attemptTimeoutMs)} ms` : `connection failed (${describe(error)})`;
        if (attempt >= options.maxRetries || !fitsDeadline({ now: clock.now(), delayMs, serviceMs: gate.serviceMs, deadlineAt })) {
          throw unavailable(options, what, delayMs);
        }
        await sleep(clock, delayMs, signal);
        countRetry(counters);
        priority = 'continuing';
        continue;
      }
      timer.clear();
      gate.delivered(admitted.reservation);

      const limits = parseRateLimitHeaders(response.headers);
      gate.limitsLearned();

      if (response.ok) {
        route.breaker.success();
        counters.ok += 1;
        const answeredAt = clock.now();
        return settleOnCompletion(response, (usage) => {
          const now = clock.now();
          gate.callFinished(now - sentAt);
          void gate.settle(admitted.reservation, { delta: costDelta(options.chargeBasis, usage, allowance.tokens, need), limits, limitsAgeMs: now - answeredAt });
        });
      }

      const text = await response.text().catch(() => '');
      const errorBody = parseErrorBody(text);
      const kind = classifyFailure(response.status, errorBody, response.headers);
      gate.callFinished(undefined);
      const message = errorBody?.message ?? `HTTP ${response.status}`;

      if (kind === 'quota' || kind === 'too-large' || kind === 'client-error') {
        route.breaker.release();
        void gate.settle(admitted.reservation, { limits });
        if (kind === 'quota') {
          counters.quotaErrors += 1;
          throw new ProviderQuotaError(message);
        }
        if (kind === 'too-large') {
          counters.tooLarge += 1;
          throw new LlmRequestTooLargeError(message);
        }
        return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
      }

      if (kind === 'rate-limited') {
        // A 429 says the budget was wrong, not that the provider is unhealthy.
        route.breaker.release();
        counters.rateLimited += 1;
        const pauseMs = rateLimitPauseMs(retryHintMs(response.headers, errorBody, clock.now()), attempt, options.backoff, options.random);
        await gate.settle(admitted.reservation, { limits, pauseForMs: pauseMs, drain: !hasRemaining(limits) });
        if (attempt >= options.maxRetries || !fitsDeadline({ now: clock.now(), delayMs: pauseMs, serviceMs: gate.serviceMs, deadlineAt })) {
          counters.gaveUpRateLimited += 1;
          throw new ProviderRateLimitError(message, pauseMs);
        }
        // No sleep here: the pause holds the whole queue, this call included.
        countRetry(counters);
        priority = 'continuing';
        continue;
      }

      // 5xx, 408, 409
      if (kind === 'server-error') {
        route.breaker.failure();
        counters.serverErrors += 1;
      } else route.breaker.release();
      void gate.settle(admitted.reservation, { limits });
      // Only an explicit Retry-After counts here: the rate-limit resets say nothing about an outage.
      const delayMs = Math.max(retryAfterMs(response.headers, clock.now()) ?? 0, fullJitterBackoff(attempt, options.backoff, options.random));
      if (attempt >= options.maxRetries || !fitsDeadline({ now: clock.now(), delayMs, serviceMs: gate.serviceMs, deadlineAt })) {
        throw unavailable(options, `HTTP ${response.status}: ${message}`, delayMs);
      }
      await sleep(clock, delayMs, signal);
      countRetry(counters);
      priority = 'continuing';
    }
  };
}

/** The gate's own count; a run's retries are counted by the metered fetch, which sees every attempt. */
function countRetry(counters: ProviderCounters): void {
  counters.retries += 1;
}

function unavailable(options: AdmissionFetchOptions, message: string, retryAfterMs: number | undefined): ProviderUnavailableError {
  options.counters.gaveUpUnavailable += 1;
  return new ProviderUnavailableError(message, retryAfterMs);
}

/** Real ms until the primary model can be tried, when its circuit is open and no fallback can stand in. */
function circuitRefusal(options: AdmissionFetchOptions, primary: string): number | undefined {
  const breaker = options.breakerFor(primary);
  if (breaker.state !== 'open') return undefined;
  const { fallbackModel } = options;
  if (fallbackModel && fallbackModel !== primary && options.breakerFor(fallbackModel).state !== 'open') return undefined;
  return breaker.retryInMs();
}

function pickRoute(options: AdmissionFetchOptions, primary: string): { model: string; breaker: CircuitBreaker } | undefined {
  const main = options.breakerFor(primary);
  if (main.tryPass()) return { model: primary, breaker: main };
  const { fallbackModel } = options;
  if (!fallbackModel || fallbackModel === primary) return undefined;
  const fallback = options.breakerFor(fallbackModel);
  return fallback.tryPass() ? { model: fallbackModel, breaker: fallback } : undefined;
}

async function giveBack(gate: AdmissionGate, admitted: Admitted, need: Need): Promise<void> {
  gate.delivered(admitted.reservation);
  gate.callFinished(undefined);
  await gate.settle(admitted.reservation, { delta: { requests: -need.requests, tokens: -need.tokens } });
}

/**
 * What the call really cost minus what was reserved. OpenAI charges the prompt plus the
 * maximum completion and refunds nothing (`max-tokens`), so only the prompt estimate is
 * corrected; a provider that charges actual usage gets the unused completion back.
 */
function costDelta(basis: 'max-tokens' | 'usage', usage: ProviderUsage | undefined, completionAllowance: number, need: Need): Need | undefined {
  if (!usage || typeof usage.prompt_tokens !== 'number') return undefined;
  const completion = basis === 'max-tokens' ? completionAllowance : (usage.completion_tokens ?? completionAllowance);
  return { requests: 0, tokens: usage.prompt_tokens + completion - need.tokens };
}

function hasRemaining(limits: ProviderLimits | undefined): boolean {
  return limits?.remainingRequests !== undefined || limits?.remainingTokens !== undefined;
}

function chatRequestOf(input: string | URL | Request, init: RequestInit | undefined): ChatRequest | undefined {
  if (input instanceof Request) return undefined;
  const url = String(input);
  if ((init?.method ?? 'GET').toUpperCase() !== 'POST') return undefined;
  if (!new URL(url).pathname.endsWith('/chat/completions')) return undefined;
  if (typeof init?.body !== 'string') return undefined;
  try {
    const body = JSON.parse(init.body) as unknown;
    if (!body || typeof body !== 'object' || !Array.isArray((body as ChatCompletionBody).messages)) return undefined;
    return { url, body: body as ChatCompletionBody };
  } catch {
    return undefined;
  }
}

function noteProvider(options: AdmissionFetchOptions, url: string, init: RequestInit | undefined): void {
  if (!options.onProvider) return;
  const auth = new Headers(init?.headers).get('authorization') ?? '';
  const baseURL = url.replace(/\/chat\/completions(\?.*)?$/, '');
  options.onProvider(baseURL, auth.replace(/^Bearer\s+/i, ''));
}

/** The request body for a model, serialised once per model. */
function memoBodies(body: ChatCompletionBody): (model: string) => string {
  const cache = new Map<string, string>();
  return (model) => {
    let text = cache.get(model);
    if (text === undefined) {
      text = JSON.stringify(model === body.model ? body : { ...body, model });
      cache.set(model, text);
    }
    return text;
  };
}

function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/** Aborts one attempt that has not answered in time; cleared once the answer starts. */
function attemptTimer(clock: Clock, ms: number): { signal: AbortSignal; clear(): void; readonly fired: boolean } {
  const controller = new AbortController();
  let fired = false;
  const cancel = clock.setTimer(ms, () => {
    fired = true;
    controller.abort(new DOMException('the provider did not answer in time', 'TimeoutError'));
  });
  return {
    signal: controller.signal,
    clear: cancel,
    get fired() {
      return fired;
    },
  };
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  // The SDK reads "timed out" in a connection error as a timeout and drops the cause; keep the words out.
  return (error instanceof Error ? `${error.message}${cause}` : String(error)).replace(/timed? ?out/gi, 'expired');
}

