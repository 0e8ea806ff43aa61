import type { ConciergeError } from '../shared/errors.js';
import type { AdmissionGate } from './admission-gate.js';
import { providerUnavailable } from './provider-errors.js';
import type { Priority } from './admission-queue.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { LlmObserver } from './llm-observer.js';
import { abortReason, clockTimeout, sleep, type Clock } from '../shared/clock.js';
import { parseErrorBody, parseRateLimitHeaders, retryAfterMs, retryHintMs, type ProviderLimits } from './provider-headers.js';
import { decideRetry, type AttemptFailure, type RetryDecision } from './retry-decision.js';
import { classifyFailure, type BackoffOptions } from './retry-policy.js';
import { readCompleteBody } from './complete-body.js';
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
  /** Real ms an answer's body may go without a chunk before the attempt counts as a timeout. */
  idleTimeoutMs: number;
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
  /** Answers whose body ended early (a cut stream). */
  cutStreams: number;
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
    cutStreams: 0,
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


/** The counter each kind of failed attempt adds to. */
const FAILURE_COUNTERS: Record<AttemptFailure, keyof ProviderCounters | undefined> = {
  'rate-limited': 'rateLimited',
  quota: 'quotaErrors',
  'too-large': 'tooLarge',
  'server-error': 'serverErrors',
  transient: undefined,
  'client-error': undefined,
  timeout: 'timeouts',
  'cut-stream': 'cutStreams',
  network: 'networkErrors',
};

/**
 * The admission fetch: what the OpenAI SDK calls instead of `fetch`. For each
 * `POST …/chat/completions` it estimates the call's tokens, waits its turn in the gate,
 * sends it, settles the reservation with the real usage and the provider's headers (when a
 * stream ends, for streams), and carries out what the one retry policy (`decideRetry`)
 * decides about a failed attempt. When it gives up it throws a typed error (the SDK wraps it
 * as the `cause` of its connection error); any other request passes straight through.
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
    /** What the retry policy needs to know besides the failure itself. */
    const facts = (attempt: number, what: { status?: number; message: string; explicitMs?: number | undefined; anyMs?: number | undefined }) => ({
      attempt,
      status: what.status,
      message: what.message,
      hints: { explicitMs: what.explicitMs, anyMs: what.anyMs },
      now: clock.now(),
      deadlineAt,
      serviceMs: gate.serviceMs,
      maxRetries: options.maxRetries,
      backoff: options.backoff,
      random: options.random,
    });

    for (let attempt = 0; ; attempt += 1) {
      const closedFor = circuitRefusal(options, primary);
      if (closedFor !== undefined) throw unavailable(options, `the circuit for ${primary} is open after repeated failures`, closedFor);

      const admitted = await gate.admit({ customerId: context?.customerId ?? 'anonymous', priority, need, deadlineAt, signal, retry: attempt > 0 });
      if (context) context.usage.queueWaitMs += admitted.waitedMs;
      options.observer?.admitted(admitted.waitedMs, priority);
      const route = pickRoute(options, primary);
      if (!route) {
        await admitted.settle({ delta: { requests: -need.requests, tokens: -need.tokens } });
        throw unavailable(options, `the circuit for ${primary} is open after repeated failures`, options.breakerFor(primary).retryInMs());
      }
      if (route.model !== primary) counters.fallbackCalls += 1;
      counters.calls += 1;

      const sentAt = clock.now();
      const timer = clockTimeout(clock, options.attemptTimeoutMs, 'the provider did not answer in time');
      let response: Response;
      try {
        response = await inner(url, { ...init, body: bodyFor(route.model), signal: anySignal(signal, timer.signal) });
      } catch (error) {
        timer.clear();
        // No answer: the reservation stays spent, since the provider may have counted the attempt.
        void admitted.settle({});
        if (signal?.aborted) {
          route.breaker.release();
          throw abortReason(signal);
        }
        const failure = timer.fired ? 'timeout' : 'network';
        count(counters, failure);
        const what = timer.fired ? `no answer within ${Math.round(options.attemptTimeoutMs)} ms` : `connection failed (${describe(error)})`;
        await carryOut(decideRetry({ ...facts(attempt, { message: what }), failure }), route.breaker, signal);
        priority = 'continuing';
        continue;
      }
      timer.clear();
      admitted.delivered();
      const limits = parseRateLimitHeaders(response.headers);
      gate.limitsLearned();

      if (response.ok) {
        const body = await readCompleteBody(response, { clock, idleTimeoutMs: options.idleTimeoutMs, signal }).catch((error: unknown) => {
          // The caller went away while the answer was being read: settle, and stop.
          void admitted.settle({});
          route.breaker.release();
          throw error;
        });
        if (!body.ok) {
          // Headers came and then the body stalled or stopped: the provider has counted the attempt.
          void admitted.settle({});
          count(counters, body.failure);
          await carryOut(decideRetry({ ...facts(attempt, { message: body.message }), failure: body.failure }), route.breaker, signal);
          priority = 'continuing';
          continue;
        }
        route.breaker.success();
        counters.ok += 1;
        return settleOnCompletion(body.response, (usage) => {
          const now = clock.now();
          // The provider counted `remaining` when it admitted the call, as it arrived, not when
          // its answer (headers and all, after the whole generation) came back: aged from the
          // answer, every header would lose the refill of a whole call's service time and
          // keep the budget below the provider's, unused. Transit adds milliseconds at most.
          void admitted.settle({ durationMs: now - sentAt, delta: costDelta(options.chargeBasis, usage, allowance.tokens, need), limits, limitsAgeMs: now - sentAt });
        });
      }

      const text = await response.text().catch(() => '');
      const errorBody = parseErrorBody(text);
      const failure = classifyFailure(response.status, errorBody, response.headers);
      count(counters, failure);
      const decision = decideRetry({
        ...facts(attempt, {
          status: response.status,
          message: errorBody?.message ?? `HTTP ${response.status}`,
          explicitMs: retryAfterMs(response.headers, clock.now()),
          anyMs: retryHintMs(response.headers, errorBody, clock.now()),
        }),
        failure,
      });
      const pauseMs = decision.kind === 'pass-through' ? undefined : decision.pauseBudgetMs;
      await admitted.settle({ limits, ...(pauseMs === undefined ? {} : { pauseForMs: pauseMs, drain: !hasRemaining(limits) }) });
      if (decision.kind === 'pass-through') {
        route.breaker[decision.breaker]();
        return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
      }
      await carryOut(decision, route.breaker, signal);
      priority = 'continuing';
    }
  };

  /** Do what the policy decided: give up with its error, or wait and let the loop try again. */
  async function carryOut(decision: Exclude<RetryDecision, { kind: 'pass-through' }>, breaker: CircuitBreaker, signal?: AbortSignal): Promise<void> {
    breaker[decision.breaker]();
    if (decision.kind === 'give-up') {
      if (decision.error.code === 'PROVIDER_RATE_LIMITED') counters.gaveUpRateLimited += 1;
      if (decision.error.code === 'PROVIDER_UNAVAILABLE') counters.gaveUpUnavailable += 1;
      throw decision.error;
    }
    await sleep(clock, decision.sleepMs, signal);
    // The gate's own count; a run's retries are counted by the metered fetch, which sees every attempt.
    counters.retries += 1;
  }
}

function count(counters: ProviderCounters, failure: AttemptFailure): void {
  const name = FAILURE_COUNTERS[failure];
  if (name) counters[name] += 1;
}

function unavailable(options: AdmissionFetchOptions, message: string, retryAfterMs: number | undefined): ConciergeError {
  options.counters.gaveUpUnavailable += 1;
  return providerUnavailable(message, retryAfterMs);
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

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  // The SDK reads "timed out" in a connection error as a timeout and drops the cause; keep the words out.
  return (error instanceof Error ? `${error.message}${cause}` : String(error)).replace(/timed? ?out/gi, 'expired');
}

