import { randomUUID } from 'node:crypto';
import { ScriptedBrain } from './brain/scripted-brain.js';
import { isoDateOf } from './brain/date-time-parse.js';
import type { ChatRequest } from './chat-request.js';
import { sleep, systemClock, type Clock } from '../shared/clock.js';
import { formatGoDuration } from './go-duration.js';
import { LruCache } from '../shared/lru-cache.js';
import { batchSlowdown, sampleTiming } from './latency-model.js';
import { LATENCY_PROFILES, type LatencyProfile } from './latency-profiles.js';
import { LIMIT_PRESETS } from './limit-presets.js';
import { INVALID_JSON_MESSAGE, OpenAiApiError, injectedServerError, insufficientQuota, invalidRequest } from './openai-error.js';
import { OrgLimiter, type AdmitResult, type LimitState } from './org-limiter.js';
import { accountPrompt } from './prompt-accounting.js';
import { PromptCache } from './prompt-cache.js';
import { renderChoice, type RenderedChoice } from './render-choice.js';
import { parseChatRequest } from './request-validation.js';
import { chance, createRng, hashToSeed, type Rng } from './seeded-random.js';
import { SeqScheduler } from './seq-scheduler.js';
import type { SimOptions } from './sim-settings.js';
import { emptyCounters, type SimCounters, type SimStats } from './sim-stats.js';
import { TokenCounter } from './token-counter.js';
import { ChunkWriter, DONE_EVENT, IdMaker, completionBody, responseModel, usage } from './wire-format.js';

/** The context window of gpt-4o-mini. */
const CONTEXT_WINDOW_TOKENS = 128_000;
/** Bound of the per-message token and prompt-prefix caches (small entries). */
const CACHE_ENTRIES = 50_000;
/**
 * Bound of the brain's parsed messages (tool results hold arrays of slots): enough for the
 * recent messages of a few thousand live conversations, and about 20 MB at most.
 */
const BRAIN_CACHE_ENTRIES = 10_000;

export interface SimDeps {
  /** The clock of the limiter, the prompt cache, pacing, `created` and the fallback "today". */
  clock?: Clock;
}

/** A paced SSE answer: events[0] at `firstAtMs`, then one event every `perTokenMs`. */
export interface PacedStream {
  events: string[];
  tail: string;
  firstAtMs: number;
  perTokenMs: number;
  /** Close the connection after this many events (a cut-stream fault). */
  cutAfter: number | undefined;
}

export type EngineReply =
  | { kind: 'json'; status: number; headers: Record<string, string>; body: string }
  | { kind: 'stream'; headers: Record<string, string>; stream: PacedStream; done: (completed: boolean) => void }
  | { kind: 'hang' };

/**
 * Everything the simulator does for one chat completion, independent of HTTP: validation,
 * token accounting, the organisation limiter, fault injection, the scripted brain and the
 * latency model. Every duration it hands out is real time (model time × time scale).
 */
export class SimEngine {
  readonly options: SimOptions;
  readonly #clock: Clock;
  readonly #scale: number;
  readonly #profile: LatencyProfile;
  readonly #limiter: OrgLimiter;
  readonly #counter: TokenCounter;
  readonly #promptCache: PromptCache;
  readonly #brain: ScriptedBrain;
  readonly #scheduler: SeqScheduler;
  readonly #faults: Rng;
  /** How many times each draw key has been answered (see `#timingRng`). */
  readonly #answered = new LruCache<string, number>(CACHE_ENTRIES);
  readonly #ids: IdMaker;
  readonly #padding: Rng;
  #counters: SimCounters = emptyCounters();
  #since: number;

  constructor(options: SimOptions, deps: SimDeps = {}) {
    this.options = options;
    this.#clock = deps.clock ?? systemClock;
    this.#scale = options.timeScale;
    const base = LATENCY_PROFILES[options.latency];
    this.#profile = {
      ...base,
      ...(options.ttftMs !== undefined ? { ttftMedianMs: options.ttftMs } : {}),
      ...(options.outputTps !== undefined ? { outputTpsMedian: options.outputTps } : {}),
    };
    const preset = LIMIT_PRESETS[options.preset];
    this.#limiter = new OrgLimiter({ rpm: options.rpm ?? preset.rpm, tpm: options.tpm ?? preset.tpm }, 60_000 * this.#scale, this.#clock, options.limitWindow);
    this.#counter = new TokenCounter({ maxEntries: CACHE_ENTRIES });
    this.#promptCache = new PromptCache({ maxEntries: CACHE_ENTRIES, ttlMs: options.promptCacheTtlS * 1000 * this.#scale, clock: this.#clock });
    this.#brain = new ScriptedBrain({ maxEntries: BRAIN_CACHE_ENTRIES });
    this.#scheduler = new SeqScheduler(options.maxSeqs, options.maxQueue);
    this.#faults = createRng(hashToSeed('faults', options.seed));
    // Ids are unique across processes, as OpenAI's are: a simulator restarted with the same seed
    // must not hand out the completion and tool-call ids of its earlier life, which a client's
    // stored conversation may already hold (LangGraph merges messages with equal ids).
    this.#ids = new IdMaker(createRng(hashToSeed(`ids:${randomUUID()}`, options.seed)));
    this.#padding = createRng(hashToSeed('padding', options.seed));
    this.#since = this.#clock.now();
  }

  /** The engine's clock, for the transport's pacing. */
  get clock(): Clock {
    return this.#clock;
  }

  stats(): SimStats {
    const state = this.#limiter.state();
    const c = structuredClone(this.#counters);
    return {
      ...c,
      selfHosted: this.options.maxSeqs > 0 ? { maxSeqs: this.options.maxSeqs, running: this.#scheduler.running, waiting: this.#scheduler.waiting } : null,
      limits: { preset: this.options.preset, rpm: this.#limiter.limits.rpm, tpm: this.#limiter.limits.tpm, windowMs: this.#limiter.windowMs, remainingRequests: state.remainingRequests, remainingTokens: state.remainingTokens },
      cpu: process.cpuUsage(),
      timeScale: this.#scale,
      latency: this.options.latency,
      sinceMs: Math.round(this.#clock.now() - this.#since),
    };
  }

  /**
   * Zero the counters (not the limiter or caches) and restart the latency draws, so that every
   * stage of a load test meets the same dice for the same prompts whatever came before it;
   * in-flight requests stay counted.
   */
  resetStats(): void {
    this.#answered.clear();
    const current = this.#counters.concurrency.current;
    this.#counters = emptyCounters();
    this.#counters.concurrency = { current, peak: current };
    this.#since = this.#clock.now();
  }

  /** A chat completion request arrived; pair with `finished()` when its response is over. */
  started(retryCount: number): void {
    const c = this.#counters;
    c.requests++;
    if (retryCount > 0) c.retriedRequests++;
    c.concurrency.current++;
    if (c.concurrency.current > c.concurrency.peak) c.concurrency.peak = c.concurrency.current;
  }

  finished(aborted: boolean): void {
    this.#counters.concurrency.current--;
    if (aborted) this.#counters.clientAborts++;
  }

  /** Answer one `POST /v1/chat/completions` whose raw body is `rawBody`. */
  async chatCompletion(rawBody: string): Promise<EngineReply> {
    const requestId = this.#ids.request();
    const baseHeaders: Record<string, string> = { 'x-request-id': requestId, 'openai-version': '2020-10-01', 'openai-organization': 'concierge-sim' };
    let request: ChatRequest;
    try {
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        throw invalidRequest(INVALID_JSON_MESSAGE);
      }
      request = parseChatRequest(body);
    } catch (error) {
      this.#counters.badRequests++;
      return this.#error(error, { ...baseHeaders, ...this.#limitHeaders(this.#limiter.state()) });
    }

    const account = accountPrompt(request, this.#counter, this.#promptCache);
    const maxTokens = request.maxCompletionTokens ?? this.options.defaultMaxTokens;
    if (account.promptTokens + (request.maxCompletionTokens ?? 0) > CONTEXT_WINDOW_TOKENS) {
      this.#counters.badRequests++;
      const e = invalidRequest(
        `This model's maximum context length is ${CONTEXT_WINDOW_TOKENS} tokens. However, your messages resulted in ${account.promptTokens} tokens. Please reduce the length of the messages.`,
        'messages',
        'context_length_exceeded',
      );
      return this.#error(e, { ...baseHeaders, ...this.#limitHeaders(this.#limiter.state()) });
    }
    if (this.options.insufficientQuota) {
      this.#counters.insufficientQuota++;
      return this.#error(insufficientQuota(), { ...baseHeaders, ...this.#limitHeaders(this.#limiter.state()) });
    }

    const charge = account.promptTokens + maxTokens * request.n;
    const admitted = this.#limiter.admit(charge);
    const limitHeaders = this.#limitHeaders(admitted.state);
    if (!admitted.ok) return this.#rateLimited(admitted, request.model, { ...baseHeaders, ...limitHeaders });
    this.#promptCache.store(account.prefixes);
    const c = this.#counters;
    c.tokens.charged += charge;
    c.tokens.prompt += account.promptTokens;
    c.tokens.cached += account.cachedTokens;

    // Faults are drawn after admission: a failed request has still spent its budget.
    if (chance(this.#faults, this.options.failRate)) {
      c.injected.serverErrors++;
      return this.#error(injectedServerError(this.#faults.next() < 0.5 ? 500 : 503), { ...baseHeaders, ...limitHeaders });
    }
    if (chance(this.#faults, this.options.hangRate)) {
      c.injected.hangs++;
      return { kind: 'hang' };
    }
    const slow = chance(this.#faults, this.options.slowStreamRate);
    const cut = request.stream && chance(this.#faults, this.options.cutStreamRate);

    const release = await this.#scheduler.acquire();
    if (!release) {
      this.#counters.queueFull++;
      return this.#error(injectedServerError(503), { ...baseHeaders, ...limitHeaders });
    }
    const started = this.#clock.now();
    let released = false;
    const done = (completed: boolean) => {
      if (released) return;
      released = true;
      release();
      if (completed) this.#counters.completionsOk++;
    };

    try {
      const seed = request.seed ?? this.options.seed;
      const drawKey = drawKeyOf(request, account.promptKey);
      const rng = createRng(hashToSeed(seed, drawKey));
      const today = isoDateOf(new Date(this.#clock.now()));
      const choices: RenderedChoice[] = [];
      for (let i = 0; i < request.n; i++) {
        const decision = this.#brain.decide(request, i === 0 ? rng : createRng(hashToSeed(seed, drawKey, i)), today);
        choices.push(renderChoice(decision, request, this.#counter, this.#ids, request.stream));
      }
      const completionTokens = choices.reduce((s, ch) => s + ch.completionTokens, 0);
      c.tokens.completion += completionTokens;
      if (slow) c.injected.slowResponses++;

      const timing = sampleTiming(
        this.#profile,
        {
          promptTokens: account.promptTokens,
          cachedTokens: account.cachedTokens,
          decodeSlowdown: batchSlowdown(this.#scheduler.running, this.options.maxSeqs, this.options.batchSlowdown) * (slow ? this.options.slowStreamFactor : 1),
        },
        this.#timingRng(drawKey),
      );
      const firstAtMs = timing.firstTokenMs * this.#scale * (slow ? this.options.slowStreamFactor : 1);
      const perTokenMs = timing.perTokenMs * this.#scale;
      const id = this.#ids.completion();
      const created = Math.floor(this.#clock.now() / 1000);
      const model = responseModel(request.model);
      const wireUsage = usage(account.promptTokens, account.cachedTokens, completionTokens);
      const headers = { ...baseHeaders, ...limitHeaders };

      if (!request.stream) {
        const wait = firstAtMs + Math.max(0, Math.max(...choices.map((ch) => ch.completionTokens)) - 1) * perTokenMs;
        if (wait > 0) await sleep(this.#clock, wait);
        headers['openai-processing-ms'] = String(Math.round(this.#clock.now() - started));
        const body = JSON.stringify(completionBody(id, created, model, choices.map((ch) => ch.output), wireUsage));
        done(true);
        return { kind: 'json', status: 200, headers, body };
      }

      const writer = new ChunkWriter(id, created, model, request.includeUsage, request.includeObfuscation ? this.#padding : undefined);
      const events: string[] = [];
      // Choices stream one after another; OpenAI interleaves them, which no client relies on.
      choices.forEach((ch, index) => {
        events.push(writer.delta(index, ch.firstDelta));
        for (const delta of ch.deltas) events.push(writer.delta(index, delta));
      });
      let tail = '';
      choices.forEach((ch, index) => {
        tail += writer.delta(index, {}, ch.output.finishReason);
      });
      if (request.includeUsage) tail += writer.usage(wireUsage);
      tail += DONE_EVENT;
      if (cut) c.injected.cutStreams++;
      headers['openai-processing-ms'] = String(Math.round(firstAtMs));
      return {
        kind: 'stream',
        headers,
        stream: { events, tail, firstAtMs, perTokenMs, cutAfter: cut ? Math.max(1, Math.floor(events.length / 2)) : undefined },
        done,
      };
    } catch (error) {
      done(false);
      throw error;
    }
  }

  /**
   * The random draw of a response's latency, keyed by its prompt (see `drawKeyOf`) and by how
   * many times that prompt was answered before, not by the order of arrival: two runs of the
   * lab that send the same requests (admission on and off, say) draw the same latencies for
   * them whatever order they arrive in, so what differs between the runs is what the systems
   * did, not the dice (common random numbers). Each draw is still lognormal as the profile says.
   */
  #timingRng(drawKey: string): Rng {
    const nth = (this.#answered.get(drawKey) ?? 0) + 1;
    this.#answered.set(drawKey, nth);
    return createRng(hashToSeed('latency', this.options.seed, drawKey, nth));
  }

  #rateLimited(r: Exclude<AdmitResult, { ok: true }>, model: string, headers: Record<string, string>): EngineReply {
    const org = this.options.organization;
    const unit = r.kind === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)';
    if (r.kind === 'too_large') {
      this.#counters.rateLimited.tooLarge++;
      return this.#error(
        new OpenAiApiError(429, {
          message: `Request too large for ${model} in organization ${org} on ${unit}: Limit ${r.limit}, Requested ${r.requested}. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          type: 'tokens',
          param: null,
          code: 'rate_limit_exceeded',
        }),
        headers,
      );
    }
    if (r.kind === 'requests') this.#counters.rateLimited.requests++;
    else this.#counters.rateLimited.tokens++;
    // A refused request always waits: a level short by a rounding error still says 1 ms, never 0.
    const wait = Math.max(1, Math.ceil(r.retryAfterMs));
    const retryHeaders: Record<string, string> = this.options.retryAfterHeaders ? { 'retry-after-ms': String(wait), 'retry-after': String(Math.ceil(wait / 1000)) } : {};
    return this.#error(
      new OpenAiApiError(429, {
        message: `Rate limit reached for ${model} in organization ${org} on ${unit}: Limit ${r.limit}, Used ${r.used}, Requested ${r.requested}. Please try again in ${formatGoDuration(wait)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        type: r.kind,
        param: null,
        code: 'rate_limit_exceeded',
      }),
      { ...headers, ...retryHeaders },
    );
  }

  #error(error: unknown, headers: Record<string, string>): EngineReply {
    if (!(error instanceof OpenAiApiError)) throw error;
    return { kind: 'json', status: error.status, headers: { ...headers, ...error.headers }, body: JSON.stringify(error.toBody()) };
  }

  #limitHeaders(s: LimitState): Record<string, string> {
    return {
      'x-ratelimit-limit-requests': String(s.limitRequests),
      'x-ratelimit-limit-tokens': String(s.limitTokens),
      'x-ratelimit-remaining-requests': String(s.remainingRequests),
      'x-ratelimit-remaining-tokens': String(s.remainingTokens),
      'x-ratelimit-reset-requests': formatGoDuration(s.resetRequestsMs),
      'x-ratelimit-reset-tokens': formatGoDuration(s.resetTokensMs),
    };
  }
}

/**
 * What the random draws of an answer (its wording and its latency) are keyed by: the whole
 * prompt's hash, or, for a request with a `prompt_cache_key` (the agent sends one per
 * customer), that key and the request's place in the conversation (its number of messages).
 * A customer's n-th call then draws alike in every run even where the text differs between
 * runs (a confirmation code, a slot another customer took first), and customers who open with
 * the same words no longer share one sequence of draws handed out in order of arrival.
 */
function drawKeyOf(request: ChatRequest, promptKey: string): string {
  return request.promptCacheKey === undefined ? promptKey : `key:${request.promptCacheKey}:${request.messages.length}`;
}
