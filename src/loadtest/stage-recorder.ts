import type { StageLab } from './lab-observer.js';
import type { RunUsage, TurnOutcome } from './agent-client.js';
import { emptyFailureCounts } from './failure-cause.js';
import { LatencyHistogram, round3, scaleSummary } from './latency-histogram.js';
import { costUsd, type ModelPricing } from '../llm/pricing.js';
import type { ServerObservation, StageReport, TimelineBucket } from './report-types.js';
import { evaluateThresholds, type LatencySubject, type ScalarMetric, type Threshold, type ThresholdSubject } from './thresholds.js';

/** One message as the load generator saw it. Times in ms on the run's monotonic clock. */
export interface TurnRecord {
  intendedAt: number;
  sentAt: number;
  endedAt: number;
  outcome: TurnOutcome;
  /** True for messages of the persona's plan (not an extra "book 10:30 instead"). */
  planned: boolean;
  /** The user who sent it (stage-wide key); their messages are kept in order for pairing. */
  user?: string;
}

export interface ConversationRecord {
  ok: boolean;
  latencySumMs: number;
  bookingConfirmed: boolean;
  recoveredFromTakenSlot: boolean;
}

export interface LiveSnapshot {
  usersActive: number;
  messagesDone: number;
  succeeded: number;
  failed: number;
  p95Ms: number;
}

interface Point {
  t: number;
  latencyMs: number;
  ok: boolean;
}

export interface StageFinalizeInput {
  label: string;
  kind: StageReport['kind'];
  users: number;
  arrivalRatePerSec: number | null;
  runStartMs: number;
  startMs: number;
  endMs: number;
  boundedBy: StageReport['boundedBy'];
  timeScale: number;
  pricing: ModelPricing;
  thresholds: readonly Threshold[];
  provider: StageReport['provider'];
  server: ServerObservation;
  /** What the lab itself did during the stage; null when it was not observed. */
  lab?: StageLab | null;
}

const MAX_TIMELINE_BUCKETS = 60;

/**
 * Everything measured during one stage. The runner records turns and conversations as they
 * end; `finalize` turns the sums and histograms into the stage's report figures.
 */
export class StageRecorder {
  readonly messageLatency = new LatencyHistogram();
  readonly conversationLatency = new LatencyHistogram();
  readonly serviceTime = new LatencyHistogram();
  readonly failureLatency = new LatencyHistogram();
  readonly ttft = new LatencyHistogram();
  readonly failures = emptyFailureCounts();
  readonly failureCodes: Record<string, number> = {};
  readonly failureExamples: string[] = [];
  readonly #points: Point[] = [];
  readonly #models = new Set<string>();
  readonly usage = { answersWithUsage: 0, llmCalls: 0, toolCalls: 0, retries: 0, providerRateLimited: 0, queueWaitMs: 0, llmMs: 0, toolMs: 0, serverCostUsd: 0 };
  readonly tokens = { prompt: 0, cached: 0, completion: 0 };
  /** Latency of answers that carried usage, the basis of the time shares. */
  #usageBasisMs = 0;
  messagesPlanned = 0;
  messagesPlannedSent = 0;
  succeeded = 0;
  failed = 0;
  shedWithRetryAfter = 0;
  /** Each user's message latencies in order (measured ms; null: failed). */
  readonly #byUser = new Map<string, Array<number | null>>();
  /** When the first and the last message were shed (the turns' clock). */
  #shedSpan: { first: number; last: number } | undefined;
  conversationsOk = 0;
  conversationsFailed = 0;
  bookingsConfirmed = 0;
  takenSlotsRecovered = 0;
  usersActive = 0;
  peakUsersActive = 0;

  userStarted(): void {
    this.usersActive++;
    this.peakUsersActive = Math.max(this.peakUsersActive, this.usersActive);
  }

  userEnded(): void {
    this.usersActive--;
  }

  recordTurn(turn: TurnRecord): void {
    if (turn.planned) this.messagesPlannedSent++;
    const latencyMs = turn.endedAt - turn.intendedAt;
    this.#points.push({ t: turn.intendedAt, latencyMs, ok: turn.outcome.ok });
    if (turn.user !== undefined) {
      const mine = this.#byUser.get(turn.user) ?? [];
      mine.push(turn.outcome.ok ? round3(latencyMs) : null);
      this.#byUser.set(turn.user, mine);
    }
    const outcome = turn.outcome;
    if (outcome.ok) {
      this.succeeded++;
      this.messageLatency.recordMs(latencyMs);
      this.serviceTime.recordMs(turn.endedAt - turn.sentAt);
      if (outcome.firstTokenAt !== undefined) this.ttft.recordMs(outcome.firstTokenAt - turn.intendedAt);
      if (outcome.usage) this.#addUsage(outcome.usage, latencyMs);
      return;
    }
    this.failed++;
    this.failureLatency.recordMs(latencyMs);
    this.failures[outcome.cause] = (this.failures[outcome.cause] ?? 0) + 1;
    if (outcome.code) this.failureCodes[outcome.code] = (this.failureCodes[outcome.code] ?? 0) + 1;
    if (outcome.cause === 'shed' && outcome.retryAfterMs !== undefined) this.shedWithRetryAfter++;
    if (outcome.cause === 'shed') {
      this.#shedSpan ??= { first: turn.endedAt, last: turn.endedAt };
      this.#shedSpan.first = Math.min(this.#shedSpan.first, turn.endedAt);
      this.#shedSpan.last = Math.max(this.#shedSpan.last, turn.endedAt);
    }
    const example = `${outcome.cause}${outcome.status ? ` ${outcome.status}` : ''}${outcome.code ? ` ${outcome.code}` : ''}: ${outcome.message}`.slice(0, 240);
    if (this.failureExamples.length < 5 && !this.failureExamples.includes(example)) this.failureExamples.push(example);
  }

  recordConversation(conversation: ConversationRecord): void {
    if (conversation.ok) {
      this.conversationsOk++;
      this.conversationLatency.recordMs(conversation.latencySumMs);
    } else {
      this.conversationsFailed++;
    }
    if (conversation.bookingConfirmed) this.bookingsConfirmed++;
    if (conversation.recoveredFromTakenSlot) this.takenSlotsRecovered++;
  }

  #addUsage(usage: RunUsage, latencyMs: number): void {
    const u = this.usage;
    u.answersWithUsage++;
    u.llmCalls += usage.llmCalls;
    u.toolCalls += usage.toolCalls;
    u.retries += usage.retries;
    u.providerRateLimited += usage.providerRateLimited;
    u.queueWaitMs += usage.queueWaitMs;
    u.llmMs += usage.llmMs;
    u.toolMs += usage.toolMs;
    u.serverCostUsd += usage.costUsd;
    this.tokens.prompt += usage.promptTokens;
    this.tokens.cached += usage.cachedTokens;
    this.tokens.completion += usage.completionTokens;
    if (usage.model) this.#models.add(usage.model);
    this.#usageBasisMs += latencyMs;
  }

  snapshot(): LiveSnapshot {
    const p95 = this.messageLatency.percentileMs(95);
    return { usersActive: this.usersActive, messagesDone: this.succeeded + this.failed, succeeded: this.succeeded, failed: this.failed, p95Ms: Number.isNaN(p95) ? 0 : p95 };
  }

  finalize(input: StageFinalizeInput): StageReport {
    const f = input.timeScale;
    // Rounded first, so that throughput = succeeded / durationSec holds exactly for report readers.
    const durationSec = round3(Math.max(0, (input.endMs - input.startMs) / 1000));
    const total = this.succeeded + this.failed;
    const conversationsTotal = this.conversationsOk + this.conversationsFailed;
    const perSec = (n: number) => (durationSec > 0 ? n / durationSec : 0);
    const throughput = { messagesPerSec: perSec(this.succeeded), conversationsPerSec: perSec(this.conversationsOk) };
    const cost = costUsd({ promptTokens: this.tokens.prompt, cachedTokens: this.tokens.cached, completionTokens: this.tokens.completion }, input.pricing);
    const latencyMs = this.messageLatency.summary();
    const conversationLatencyMs = this.conversationLatency.summary();
    const ttftMs = this.ttft.count > 0 ? this.ttft.summary() : null;
    const u = this.usage;
    const basis = this.#usageBasisMs;
    const timeShare =
      u.answersWithUsage > 0 && basis > 0
        ? {
            queued: u.queueWaitMs / basis,
            llm: u.llmMs / basis,
            tools: u.toolMs / basis,
            other: Math.max(0, 1 - (u.queueWaitMs + u.llmMs + u.toolMs) / basis),
            basisMs: round3(basis),
          }
        : null;
    const histograms = {
      unit: 'microseconds' as const,
      encoding: 'HdrHistogram V2 compressed base64' as const,
      messageLatency: this.messageLatency.encode(),
      conversationLatency: this.conversationLatency.encode(),
      serviceTime: this.serviceTime.encode(),
      failureLatency: this.failureLatency.encode(),
      ttft: this.ttft.count > 0 ? this.ttft.encode() : null,
      sumsMs: {
        messageLatency: round3(this.messageLatency.sumMs),
        conversationLatency: round3(this.conversationLatency.sumMs),
        serviceTime: round3(this.serviceTime.sumMs),
        failureLatency: round3(this.failureLatency.sumMs),
        ttft: round3(this.ttft.sumMs),
      },
    };
    const report: Omit<StageReport, 'verdict'> = {
      label: input.label,
      kind: input.kind,
      users: input.users,
      arrivalRatePerSec: input.arrivalRatePerSec,
      startOffsetSec: round3((input.startMs - input.runStartMs) / 1000),
      durationSec,
      boundedBy: input.boundedBy,
      messages: { planned: this.messagesPlanned, total, succeeded: this.succeeded, failed: this.failed, notSent: Math.max(0, this.messagesPlanned - this.messagesPlannedSent) },
      conversations: { total: conversationsTotal, succeeded: this.conversationsOk, failed: this.conversationsFailed, bookingsConfirmed: this.bookingsConfirmed, takenSlotsRecovered: this.takenSlotsRecovered },
      successRate: total > 0 ? this.succeeded / total : 0,
      conversationSuccessRate: conversationsTotal > 0 ? this.conversationsOk / conversationsTotal : 0,
      throughput,
      latencyMs,
      conversationLatencyMs,
      serviceTimeMs: this.serviceTime.summary(),
      failureLatencyMs: this.failureLatency.summary(),
      ttftMs,
      realTime: {
        timeScale: f,
        durationSec: round3(durationSec / f),
        throughput: { messagesPerSec: throughput.messagesPerSec * f, conversationsPerSec: throughput.conversationsPerSec * f },
        latencyMs: scaleSummary(latencyMs, f),
        conversationLatencyMs: scaleSummary(conversationLatencyMs, f),
        ttftMs: ttftMs ? scaleSummary(ttftMs, f) : null,
      },
      failures: { ...this.failures },
      failureCodes: { ...this.failureCodes },
      failureExamples: [...this.failureExamples],
      shedWithRetryAfter: this.shedWithRetryAfter,
      latenciesByUser: Object.fromEntries(this.#byUser),
      shedWindowSec: this.#shedSpan
        ? { fromSec: round3((this.#shedSpan.first - input.startMs) / 1000), toSec: round3((this.#shedSpan.last - input.startMs) / 1000) }
        : null,
      usage: {
        ...u,
        llmCallsPerMessage: u.answersWithUsage > 0 ? u.llmCalls / u.answersWithUsage : 0,
        toolCallsPerMessage: u.answersWithUsage > 0 ? u.toolCalls / u.answersWithUsage : 0,
        models: [...this.#models],
      },
      timeShare,
      tokens: {
        ...this.tokens,
        total: this.tokens.prompt + this.tokens.completion,
        perSuccessfulConversation: this.conversationsOk > 0 ? (this.tokens.prompt + this.tokens.completion) / this.conversationsOk : 0,
      },
      costUsd: cost,
      cost: {
        perConversationUsd: conversationsTotal > 0 ? cost / conversationsTotal : 0,
        perSuccessfulConversationUsd: this.conversationsOk > 0 ? cost / this.conversationsOk : null,
        serverReportedUsd: u.serverCostUsd,
        differenceUsd: cost - u.serverCostUsd,
      },
      provider: input.provider,
      server: input.server,
      cpuBound: input.lab?.cpuBound ?? false,
      minimumSec: input.lab?.minimum?.minimumSec ?? null,
      lab: input.lab ?? null,
      timeline: this.#timeline(input.runStartMs, input.startMs, input.endMs),
      histograms,
    };
    return { ...report, verdict: evaluateThresholds(input.thresholds, this.#thresholdSubject(report, f)) };
  }

  /** Thresholds read real-time-equivalent figures: a target such as 10 s is a user's 10 s. */
  #thresholdSubject(report: Omit<StageReport, 'verdict'>, timeScale: number): ThresholdSubject {
    const histogram = (of: LatencySubject) => (of === 'message' ? this.messageLatency : of === 'conversation' ? this.conversationLatency : this.ttft);
    return {
      latencyPercentile: (of, p) => histogram(of).percentileMs(p) / timeScale,
      latencyMean: (of) => {
        const h = histogram(of);
        return h.count > 0 ? h.sumMs / h.count / timeScale : Number.NaN;
      },
      scalar: (name: ScalarMetric) => {
        const hasMessages = report.messages.total > 0;
        switch (name) {
          case 'success':
            return hasMessages ? report.successRate : Number.NaN;
          case 'failed':
            return hasMessages ? 1 - report.successRate : Number.NaN;
          case 'conversation_success':
            return report.conversations.total > 0 ? report.conversationSuccessRate : Number.NaN;
          case 'messages_per_sec':
            return report.realTime.throughput.messagesPerSec;
          case 'conversations_per_sec':
            return report.realTime.throughput.conversationsPerSec;
          case 'cost_per_conversation':
            return report.cost.perSuccessfulConversationUsd ?? Number.NaN;
        }
      },
    };
  }

  /** Latency over time by intended start, in at most 60 buckets per stage. */
  #timeline(runStartMs: number, startMs: number, endMs: number): TimelineBucket[] {
    if (this.#points.length === 0) return [];
    // A loop rather than Math.min(...points): spreading 100k+ values overflows the stack.
    let first = startMs;
    let last = endMs;
    for (const p of this.#points) {
      if (p.t < first) first = p.t;
      if (p.t > last) last = p.t;
    }
    const width = niceWidthMs(Math.max(1, last - first) / MAX_TIMELINE_BUCKETS);
    const buckets = new Map<number, Point[]>();
    for (const p of this.#points) {
      const index = Math.floor((p.t - first) / width);
      let list = buckets.get(index);
      if (!list) buckets.set(index, (list = []));
      list.push(p);
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, points]) => {
        const ok = points.filter((p) => p.ok).map((p) => p.latencyMs).sort((a, b) => a - b);
        const q = (fraction: number) => (ok.length === 0 ? null : round3(ok[Math.min(ok.length - 1, Math.ceil(fraction * ok.length) - 1)] as number));
        return {
          startSec: round3((first + index * width - runStartMs) / 1000),
          widthSec: round3(width / 1000),
          messages: points.length,
          failed: points.length - ok.length,
          p50Ms: q(0.5),
          p95Ms: q(0.95),
          maxMs: ok.length === 0 ? null : round3(ok[ok.length - 1] as number),
        };
      });
  }
}

/** Round a bucket width up to 1, 2 or 5 x a power of ten milliseconds, for readable axes. */
export function niceWidthMs(rawMs: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(rawMs, 1)));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= rawMs) return step * magnitude;
  return 10 * magnitude;
}
