import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { withProcessMetrics } from './process-metrics.js';

/**
 * Every metric `concierge serve` exports, with its exact name, labels and buckets: the
 * alert rules (deploy/prometheus/alerts.yml) and the dashboard
 * (deploy/grafana/concierge-dashboard.json) depend on them, and a test checks that each name
 * they use is exported. Names follow the OpenTelemetry semantic conventions where one exists
 * (HTTP server, GenAI client), written the Prometheus way; our own carry the `concierge_`
 * prefix. Label values are bounded: route patterns, status codes, model names, reasons and
 * outcomes from closed sets, never customer ids, thread ids or raw paths.
 *
 * Each server gets its own registry, so several servers in one process never collide; the
 * process-wide figures (CPU, memory, event loop) live in `process-metrics.ts`.
 */

/** OpenTelemetry's advice for `http.server.request.duration`, extended to the minutes a run can take. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 300];
/** OpenTelemetry's advice for `gen_ai.client.operation.duration`. */
export const GEN_AI_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** OpenTelemetry's advice for `gen_ai.client.token.usage`. */
export const GEN_AI_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** Waits for admission: from nothing (budget to spare) to a whole deadline. */
export const QUEUE_WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/**
 * Message latency. `le="10"` is the latency SLO's threshold (a message answered within 10 s,
 * the earlier system's p95 threshold): the burn-rate alert reads that bucket.
 */
export const RUN_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 120, 300];

/** `concierge_circuit_state`: the value of each state. */
export const CIRCUIT_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export type BudgetResource = 'requests' | 'tokens';

export interface ServerMetrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'http_request_method' | 'http_route' | 'http_response_status_code'>;
  readonly genAiOperationDuration: Histogram<'gen_ai_operation_name' | 'gen_ai_request_model' | 'error_type'>;
  readonly genAiTokenUsage: Histogram<'gen_ai_operation_name' | 'gen_ai_request_model' | 'gen_ai_token_type'>;
  readonly providerRateLimited: Counter<'gen_ai_request_model'>;
  readonly providerRetries: Counter<'reason'>;
  readonly llmCostUsd: Counter<'gen_ai_request_model'>;
  readonly llmCachedTokens: Counter<'gen_ai_request_model'>;
  readonly budgetRemainingRatio: Gauge<'resource'>;
  readonly budgetLimit: Gauge<'resource'>;
  readonly admissionQueueDepth: Gauge;
  readonly admissionInFlight: Gauge;
  readonly admissionQueueWait: Histogram<'priority'>;
  readonly admissionShed: Counter<'reason'>;
  readonly runsInProgress: Gauge;
  readonly runsTotal: Counter<'status'>;
  readonly runErrors: Counter<'code'>;
  readonly runDuration: Histogram<'status'>;
  readonly bookings: Counter<'outcome'>;
  readonly circuitState: Gauge<'gen_ai_request_model'>;
  readonly dependencyUp: Gauge<'dependency'>;
  readonly dbPoolConnections: Gauge<'state'>;
  /** Run `refresh` before each exposition: metrics read from live state (gauges, the gate's counts) are set there. */
  onScrape(refresh: () => void | Promise<void>): void;
  /** The exposition in Prometheus text format (the process's own metrics included), after every refresh has run. */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const refreshers: Array<() => void | Promise<void>> = [];

  const metrics: ServerMetrics = {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests, by route pattern (OpenTelemetry http.server.request.duration).',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    }),
    genAiOperationDuration: new Histogram({
      name: 'gen_ai_client_operation_duration_seconds',
      help: 'Duration of each LLM provider call, retries counted separately (OpenTelemetry gen_ai.client.operation.duration); error_type is set when it failed.',
      labelNames: ['gen_ai_operation_name', 'gen_ai_request_model', 'error_type'],
      buckets: GEN_AI_DURATION_BUCKETS,
      registers,
    }),
    genAiTokenUsage: new Histogram({
      name: 'gen_ai_client_token_usage',
      help: 'Tokens per LLM call as the provider reported them, input (prompt) or output (completion) (OpenTelemetry gen_ai.client.token.usage).',
      labelNames: ['gen_ai_operation_name', 'gen_ai_request_model', 'gen_ai_token_type'],
      buckets: GEN_AI_TOKEN_BUCKETS,
      registers,
    }),
    providerRateLimited: new Counter({
      name: 'concierge_provider_rate_limited_total',
      help: 'Provider answers with HTTP 429 (every attempt, retried or not).',
      labelNames: ['gen_ai_request_model'],
      registers,
    }),
    providerRetries: new Counter({
      name: 'concierge_provider_retries_total',
      help: 'Provider calls repeated after a failed attempt, by what failed (rate_limited, server_error, timeout, network).',
      labelNames: ['reason'],
      registers,
    }),
    llmCostUsd: new Counter({
      name: 'concierge_llm_cost_usd_total',
      help: 'What the LLM calls cost at list prices, in US dollars (cached input at its own price).',
      labelNames: ['gen_ai_request_model'],
      registers,
    }),
    llmCachedTokens: new Counter({
      name: 'concierge_llm_cached_tokens_total',
      help: 'Prompt tokens the provider served from its prompt cache (part of the input tokens).',
      labelNames: ['gen_ai_request_model'],
      registers,
    }),
    budgetRemainingRatio: new Gauge({
      name: 'concierge_budget_remaining_ratio',
      help: 'Share of the provider rate limit left now, 0..1: the admission gate’s budget, or with admission off the provider’s x-ratelimit-remaining headers brought forward by their reset time.',
      labelNames: ['resource'],
      registers,
    }),
    budgetLimit: new Gauge({
      name: 'concierge_budget_limit',
      help: 'The provider rate limit in force, per minute (requests or tokens), as configured or learned from headers.',
      labelNames: ['resource'],
      registers,
    }),
    admissionQueueDepth: new Gauge({
      name: 'concierge_admission_queue_depth',
      help: 'LLM calls waiting for admission now.',
      registers,
    }),
    admissionInFlight: new Gauge({
      name: 'concierge_admission_in_flight',
      help: 'Admitted LLM calls not finished yet.',
      registers,
    }),
    admissionQueueWait: new Histogram({
      name: 'concierge_admission_queue_wait_seconds',
      help: 'How long admitted LLM calls waited for the rate budget, by priority (new message or continuing one).',
      labelNames: ['priority'],
      buckets: QUEUE_WAIT_BUCKETS,
      registers,
    }),
    admissionShed: new Counter({
      name: 'concierge_admission_shed_total',
      help: 'Messages and calls refused by admission control with 503 OVERLOADED and Retry-After, by reason (deadline, queue-full, closing).',
      labelNames: ['reason'],
      registers,
    }),
    runsInProgress: new Gauge({
      name: 'concierge_runs_in_progress',
      help: 'Runs (messages being answered) in progress in this process.',
      registers,
    }),
    runsTotal: new Counter({
      name: 'concierge_runs_total',
      help: 'Runs finished, by status (success, error, timeout, interrupted).',
      labelNames: ['status'],
      registers,
    }),
    runErrors: new Counter({
      name: 'concierge_run_errors_total',
      help: 'Runs that ended in an error, by the error code the caller received (docs/errors.md).',
      labelNames: ['code'],
      registers,
    }),
    runDuration: new Histogram({
      name: 'concierge_run_duration_seconds',
      help: 'Time from accepting a message to its answer (the run, including waits for the thread and for admission), by status.',
      labelNames: ['status'],
      buckets: RUN_DURATION_BUCKETS,
      registers,
    }),
    bookings: new Counter({
      name: 'concierge_bookings_total',
      help: 'Booking actions by outcome: confirmed, replayed, cancelled, rescheduled, or the refusal code (slot_full, outside_opening_hours, ...).',
      labelNames: ['outcome'],
      registers,
    }),
    circuitState: new Gauge({
      name: 'concierge_circuit_state',
      help: 'Circuit breaker per model: 0 closed, 1 half-open, 2 open.',
      labelNames: ['gen_ai_request_model'],
      registers,
    }),
    dependencyUp: new Gauge({
      name: 'concierge_dependency_up',
      help: 'Whether a dependency in use answers: 1 reachable, 0 unreachable (redis: the shared budget; postgres: the database).',
      labelNames: ['dependency'],
      registers,
    }),
    dbPoolConnections: new Gauge({
      name: 'concierge_db_pool_connections',
      help: 'Postgres connection pool, by state: total (open), idle, waiting (callers queued for a connection).',
      labelNames: ['state'],
      registers,
    }),
    contentType: registry.contentType,
    onScrape(refresh) {
      refreshers.push(refresh);
    },
    // Refreshed in one place before rendering rather than in each metric's `collect`: prom-client
    // renders metrics concurrently, so one metric's collect could not safely set another.
    async render() {
      for (const refresh of refreshers) await refresh();
      return withProcessMetrics(await registry.metrics());
    },
  };
  return metrics;
}

/** Set a counter to a running total kept elsewhere (the gate's own counts), once per scrape. */
export function setCounter<T extends string>(counter: Counter<T>, values: ReadonlyArray<{ labels: Partial<Record<T, string>>; value: number }>): void {
  counter.reset();
  for (const { labels, value } of values) counter.inc(labels, Math.max(0, value));
}
