import type { LatencySummaryMs } from './latency-histogram.js';
import type { ModelPricing } from '../llm/pricing.js';
import type { AppliedDurations, LoadTestOptions } from './load-test-plan.js';
import type { StageLab } from './lab-observer.js';
import type { PrometheusFigures } from './prometheus-figures.js';
import type { ThresholdCheck } from './thresholds.js';

/**
 * The `report.json` schema (documented field by field in docs/loadtest.md). Measured figures
 * are in the run's own time; `realTime` blocks divide durations and latencies by the time
 * scale (and multiply rates by it) to give what an unscaled run would show.
 */
export const REPORT_SCHEMA = 'concierge.loadtest.report/v1';

export interface LoadTestReport {
  schema: typeof REPORT_SCHEMA;
  runId: string;
  startedAt: string;
  finishedAt: string;
  /** True when the run was stopped (Ctrl-C or the whole-run bound) before every stage ran. */
  partial: boolean;
  stoppedBy: 'completed' | 'signal' | 'run-bound';
  timeScale: number;
  config: ReportConfig;
  environment: ReportEnvironment;
  pricing: ModelPricing;
  catalogue: { source: 'server' | 'fallback'; services: string[] };
  baseline: StageReport | null;
  stages: StageReport[];
  verdict: { pass: boolean; thresholds: string[]; failedStages: string[] };
  analysis: ReportAnalysis;
  notes: string[];
}

/** The options a report repeats as they were given (real-time figures, before the time scale). */
export const REPORTED_OPTIONS = [
  'model',
  'durationSec',
  'maxInFlight',
  'mode',
  'conversationsPerUser',
  'thinkTimeMs',
  'rampSec',
  'timeoutSec',
  'cooldownSec',
  'stream',
  'baseline',
  'baselineConversations',
  'shedRetries',
  'pricingModel',
  'seed',
  'simArgs',
  'serverArgs',
] as const satisfies ReadonlyArray<keyof LoadTestOptions>;

/** What the run was asked to do, as resolved: the reported options, and what the plan made of the rest. */
export type ReportConfig = Pick<LoadTestOptions, (typeof REPORTED_OPTIONS)[number]> & {
  targets: string[];
  localStack: boolean;
  simUrl: string | null;
  /** Users per stage (closed model; empty for the open model). */
  stages: number[];
  /** Arrival rates per stage (open model; empty for the closed model). */
  arrivalRates: number[];
  messages: number;
  /** The stage and run bounds in force, derived when not given. */
  stageTimeoutSec: number;
  maxDurationSec: number;
  thresholds: string[];
  preset: string | null;
  simPreset: string | null;
  /** Think time, timeout and bounds as actually applied (real values x time scale). */
  applied: AppliedDurations;
};

export interface ReportEnvironment {
  node: string;
  platform: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  totalMemoryMb: number;
  loadAverage: number[];
  concierge: string;
}

export interface StageReport {
  label: string;
  kind: 'baseline' | 'closed' | 'open';
  /** Concurrent users (closed model), or the most conversations in flight at once (open model). */
  users: number;
  /** Conversations per second, real-time equivalent (open model only). */
  arrivalRatePerSec: number | null;
  startOffsetSec: number;
  durationSec: number;
  /** Why the stage ended early, if it did. */
  boundedBy: 'stage-bound' | 'run-stopped' | null;
  messages: { planned: number; total: number; succeeded: number; failed: number; notSent: number };
  conversations: { total: number; succeeded: number; failed: number; bookingsConfirmed: number; takenSlotsRecovered: number };
  successRate: number;
  conversationSuccessRate: number;
  throughput: { messagesPerSec: number; conversationsPerSec: number };
  /** Successful messages, from each message's intended start to its answer. */
  latencyMs: LatencySummaryMs;
  /** Successful conversations: the sum of their messages' latencies (think time excluded). */
  conversationLatencyMs: LatencySummaryMs;
  /** Successful messages, from the moment the request was actually sent. */
  serviceTimeMs: LatencySummaryMs;
  /** Failed messages, from intended start to the failure. */
  failureLatencyMs: LatencySummaryMs;
  /** Streaming only: intended start to the first non-empty token. */
  ttftMs: LatencySummaryMs | null;
  realTime: {
    timeScale: number;
    durationSec: number;
    throughput: { messagesPerSec: number; conversationsPerSec: number };
    latencyMs: LatencySummaryMs;
    conversationLatencyMs: LatencySummaryMs;
    ttftMs: LatencySummaryMs | null;
  };
  failures: Record<string, number>;
  failureCodes: Record<string, number>;
  failureExamples: string[];
  shedWithRetryAfter: number;
  /**
   * From the first message shed to the last, measured seconds from the stage's start; null when
   * none was. Throughout it the system said it had more work than room.
   */
  shedWindowSec: { fromSec: number; toSec: number } | null;
  /**
   * Each user's message latencies in the order sent (measured ms; null for a failed one), by
   * the user's key in the stage: two runs serving the same users compare message by message.
   */
  latenciesByUser: Record<string, Array<number | null>>;
  usage: StageUsage;
  /** How the users' waiting time splits, from `usage.run` of answered messages. Null without usage. */
  timeShare: { queued: number; llm: number; tools: number; other: number; basisMs: number } | null;
  tokens: { prompt: number; cached: number; completion: number; total: number; perSuccessfulConversation: number };
  costUsd: number;
  cost: { perConversationUsd: number; perSuccessfulConversationUsd: number | null; serverReportedUsd: number; differenceUsd: number };
  /** What the provider saw (simulator stats, reset before the stage); null figures when unknown. */
  provider: { source: 'simulator' | 'none'; rateLimited: number | null; rateLimitedDetail: string | null; requests: number | null; stats: unknown };
  server: ServerObservation;
  /**
   * Some process of the lab was CPU-bound during the stage (see `lab`): its figures measure
   * the lab's CPU under the time scale, not the system, and `bench` counts them towards nothing.
   */
  cpuBound: boolean;
  /** The provider-limited minimum makespan (measured seconds, like `durationSec`); null without the simulator. */
  minimumSec: number | null;
  /** Per-process CPU, event-loop lag, the simulator's starting budget and the minimum's terms. */
  lab: StageLab | null;
  timeline: TimelineBucket[];
  histograms: StageHistograms;
  verdict: { pass: boolean; checks: ThresholdCheck[] };
}

export interface StageUsage {
  answersWithUsage: number;
  llmCalls: number;
  toolCalls: number;
  retries: number;
  providerRateLimited: number;
  queueWaitMs: number;
  llmMs: number;
  toolMs: number;
  llmCallsPerMessage: number;
  toolCallsPerMessage: number;
  serverCostUsd: number;
  models: string[];
}

export interface ServerObservation {
  /** The servers' own Prometheus figures for the stage, when every target exposes `/metrics` to us. */
  prometheus?: PrometheusFigures | null;
  statsAvailable: boolean;
  samples: number;
  maxEventLoopLagMs: number | null;
  eventLoopLagField: string | null;
  maxQueueDepth: number | null;
  queueDepthField: string | null;
  last: unknown;
}

export interface TimelineBucket {
  /** Bucket start, seconds from the run start, by the messages' intended start. */
  startSec: number;
  widthSec: number;
  messages: number;
  failed: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

export interface StageHistograms {
  unit: 'microseconds';
  encoding: 'HdrHistogram V2 compressed base64';
  messageLatency: string;
  conversationLatency: string;
  serviceTime: string;
  failureLatency: string;
  ttft: string | null;
  /** Exact sums in ms, so means can be recomputed exactly. */
  sumsMs: { messageLatency: number; conversationLatency: number; serviceTime: number; failureLatency: number; ttft: number };
}

export type BottleneckKind =
  | 'none'
  | 'provider-rate-limit'
  | 'admission-shedding'
  | 'server-event-loop'
  | 'queue-wait'
  | 'llm-time'
  | 'tool-time'
  | 'server-other'
  | 'unanswered'
  | 'not-measured';

export interface StageDiagnosis {
  stage: string;
  bottleneck: BottleneckKind;
  statement: string;
  evidence: string[];
}

export interface ReportAnalysis {
  capacity: { maxPassingUsers: number | null; firstFailingUsers: number | null; statement: string };
  diagnoses: StageDiagnosis[];
  cost: {
    perSuccessfulConversationUsd: number | null;
    perConversationUsd: number | null;
    tokensPerSuccessfulConversation: number | null;
    projections: { usersPerDay: number; usdPerDay: number; usdPerMonth: number }[];
    assumption: string;
    totalUsd: number;
    serverReportedUsd: number;
  };
  baselineComparison: { stage: string; latencyMultiple: number | null; p95Multiple: number | null }[];
  recommendations: { title: string; evidence: string }[];
}
