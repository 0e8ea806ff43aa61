import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { BookingService } from '../booking/booking-service.js';
import { agentCountersView, createAgentCounters, resetAgentCounters } from '../agent/agent-counters.js';
import { buildAgent } from '../agent/build-agent.js';
import type { AgentGraph } from '../agent/graph.js';
import { createLocalBus, createRedisBus } from '../cluster/coordination-bus.js';
import { createPollingRelay } from '../cluster/event-relay.js';
import { RedisEventRelay } from '../cluster/redis-event-relay.js';
import { connectRedis } from '../cluster/redis-client.js';
import { clusterSettingsSchema, type ClusterSettings } from '../config/cluster-settings.js';
import type { ServeSettings } from '../config/serve-settings.js';
import type { AdmissionSettings } from '../llm/admission-settings.js';
import { createLlmClient } from '../llm/llm-client.js';
import { watchAdmission } from '../observability/admission-metrics.js';
import { watchPostgresPool } from '../observability/postgres-metrics.js';
import { createLlmMetrics } from '../observability/llm-metrics.js';
import { createLogger, type LogLevel } from '../observability/logger.js';
import { startMetricsListener } from '../observability/metrics-route.js';
import { createRunObservation } from '../observability/run-observation.js';
import { createServerMetrics } from '../observability/server-metrics.js';
import type { DestinationStream } from 'pino';
import { startSimServer, type SimServer } from '../sim/sim-server.js';
import { buildApp } from './app.js';
import { createAuthenticator } from './auth.js';
import { EventLoopLag } from './event-loop-lag.js';
import { MessageStats } from './message-stats.js';
import { runInterrupted } from './run-errors.js';
import { RunExecutor } from './run-executor.js';
import { openState } from '../store/open-state.js';

export interface RunningServer {
  url: string;
  /** Where the LLM calls go, and whether that is the built-in simulator. */
  llm: { baseURL: string; embeddedSimulator: boolean };
  devMode: boolean;
  /** `/metrics` on its own port (`--metrics-port`), when there is one. */
  metricsUrl: string | undefined;
  bookings: BookingService;
  /** The compiled agent, for benchmarks that compare it with the HTTP path. */
  graph: AgentGraph;
  /** Answer a request in-process, without a socket (fastify's `inject`): for fuzzing every route quickly. */
  inject: FastifyInstance['inject'];
  /** Stop taking requests, finish the runs in progress, then close everything. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  /** Lines for the operator (where the LLM is, dev-mode warning). */
  log?: (line: string) => void;
  /** Structured logs (requests, runs, errors). Default `settings.logLevel`. */
  logLevel?: LogLevel;
  /** Where the JSON log lines go; default stderr (pretty on a terminal). */
  logDestination?: DestinationStream;
  /** Export Prometheus metrics (`/metrics`). Default true; off only to measure what they cost. */
  metrics?: boolean;
  now?: () => Date;
  /** Shared state and coordination for replicas; default: the embedded SQLite file, one process. */
  cluster?: ClusterSettings;
}

/** The composition root of `concierge serve`: every part is built here and nowhere else. */
export async function startServer(settings: ServeSettings, admissionSettings: AdmissionSettings, options: StartServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => new Date());
  const authenticator = createAuthenticator({ apiKeys: settings.apiKeys, adminKeys: settings.adminKeys, host: settings.host });
  if (authenticator.devMode) {
    log('WARNING: dev mode: no API keys are configured. Every caller is trusted, may name itself with x-customer-id, and is an admin. Loopback only.');
  }

  const logger = createLogger({ level: options.logLevel ?? settings.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  const metrics = options.metrics === false ? undefined : createServerMetrics();
  const closers: Array<() => Promise<void>> = [async () => logger.flush()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };
  try {
    let sim: SimServer | undefined;
    let baseURL = settings.openaiBaseUrl;
    if (!settings.openaiApiKey && !settings.openaiBaseUrl) {
      sim = await startSimServer({
        port: 0,
        timeScale: settings.timeScale,
        ...(settings.simPreset ? { preset: settings.simPreset as never } : {}),
        ...(settings.simLatency ? { latency: settings.simLatency as never } : {}),
      });
      closers.push(() => sim!.close());
      baseURL = `${sim.url}/v1`;
      log(`LLM: no OPENAI_API_KEY or OPENAI_BASE_URL set, so the built-in simulator answers (${baseURL}).`);
    } else {
      log(`LLM: ${settings.model} at ${baseURL ?? 'https://api.openai.com/v1'}.`);
    }

    const cluster = options.cluster ?? clusterSettingsSchema.parse({});
    const state = await openState({
      db: settings.db,
      databaseUrl: cluster.databaseUrl,
      databaseSchema: cluster.databaseSchema,
      databasePoolSize: cluster.databasePoolSize,
      durableCommits: cluster.durableCommits,
      model: settings.model,
      businessFile: settings.business,
      ...(metrics ? { onBookingOutcome: (outcome: string) => metrics.bookings.inc({ outcome }) } : {}),
    });
    closers.push(() => state.close());
    const bookings = state.bookings;
    // Coordination between replicas: run events, cancels and wake-ups through Redis, or,
    // without it, through the database alone (followers poll; slower to notice).
    let redis: Redis | undefined;
    if (cluster.redisUrl) {
      const client = connectRedis(cluster.redisUrl);
      redis = client;
      closers.push(async () => void (await client.quit().catch(() => client.disconnect())));
      // Not fatal when Redis is away at start: /readyz says so until it comes back.
      const ready = await waitForRedis(client, 5000);
      if (!ready) log(`WARNING: Redis at ${cluster.redisUrl} does not answer; /readyz reports it until it does.`);
    }
    const relay = redis ? new RedisEventRelay({ redis, prefix: cluster.redisPrefix, log }) : createPollingRelay();
    closers.push(() => relay.close());
    const bus = redis ? await createRedisBus({ redis, prefix: cluster.redisPrefix, replicaId: cluster.replicaId, log }) : createLocalBus();
    closers.push(() => bus.close());

    // A run may take its whole message deadline, and never less than --run-timeout-ms.
    const runTimeoutMs = Math.max(settings.runTimeoutMs, admissionSettings.deadlineMs) * settings.timeScale;
    const llmObserver = metrics ? createLlmMetrics(metrics, { budgetFromHeaders: admissionSettings.admission === 'off' }) : undefined;
    const llm = createLlmClient(
      {
        model: settings.model,
        baseURL: baseURL ?? 'https://api.openai.com/v1',
        apiKey: settings.openaiApiKey ?? 'sim-key',
        temperature: settings.temperature,
        runTimeoutMs,
      },
      admissionSettings,
      // The deployment's Redis carries the budget too, and this replica's admission demand.
      { log, ...(redis ? { redis } : {}), replicaId: cluster.replicaId, ...(llmObserver ? { observer: llmObserver } : {}) },
    );
    closers.push(() => llm.close());
    const agentCounters = createAgentCounters();
    const graph = buildAgent({
      settings,
      chatModel: llm.chatModel,
      bookings,
      checkpointer: state.checkpointer,
      counters: agentCounters,
      now,
      redis,
      redisPrefix: cluster.redisPrefix,
    });
    const messages = new MessageStats();
    const observeRun = createRunObservation({ metrics, logger });
    const executor = new RunExecutor({
      graph,
      store: state.runs,
      replicaId: cluster.replicaId,
      leaseMs: cluster.leaseMs,
      maxConcurrentRuns: cluster.maxConcurrentRuns,
      relay,
      bus,
      log,
      model: settings.model,
      runTimeoutMs,
      messageDeadlineMs: llm.messageDeadlineMs,
      // As admission's: one nominal second, scaled.
      minRetryAfterMs: Math.max(100, 1000 * settings.timeScale),
      recursionLimit: settings.recursionLimit,
      preflight: llm.preflight,
      ...(state.pruner ? { afterRun: (threadId: string) => state.pruner!.prune(threadId) } : {}),
      onFinished: (run) => {
        messages.record({ status: run.status, durationMs: run.durationMs, costUsd: run.usage.costUsd });
        observeRun(run);
      },
    });
    closers.push(() => executor.close());
    // A replica whose lease on a run may have expired writes nothing more to its thread.
    state.setWriteFence((runId) => {
      if (!executor.holdsLease(runId)) throw runInterrupted(`this replica no longer holds run ${runId}; its checkpoint was not written`);
    });
    // Runs an earlier life of this replica (or, on SQLite, of this file's process) left running.
    const interrupted = await executor.begin();
    if (interrupted > 0) log(`${interrupted} run(s) left unfinished by an earlier stop were marked interrupted.`);

    const lag = new EventLoopLag();
    closers.push(async () => lag.stop());
    let shuttingDown = false;
    const counters = { startedAt: now().toISOString() };
    if (metrics) {
      watchAdmission(metrics, () => llm.stats());
      if (state.pool) watchPostgresPool(metrics, state.pool);
      metrics.onScrape(() => metrics.runsInProgress.set(executor.inFlight));
    }
    const app = buildApp({
      graph,
      store: state.runs,
      executor,
      bookings,
      replicaId: cluster.replicaId,
      authenticator,
      bodyLimitBytes: settings.bodyLimitBytes,
      maxMessageChars: settings.maxMessageChars,
      ...(settings.corsOrigin ? { corsOrigin: settings.corsOrigin } : {}),
      logger,
      ...(metrics ? { metrics } : {}),
      ops: {
        isShuttingDown: () => shuttingDown,
        readiness: async () => ({
          database: await state.ping().then(() => true, () => false),
          ...(redis ? { redis: await redis.ping().then(() => true, () => false) } : {}),
        }),
        stats: () => ({
          ...counters,
          replicaId: cluster.replicaId,
          runsInProgress: executor.inFlight,
          cluster: executor.stats(),
          cpu: process.cpuUsage(),
          messages: messages.snapshot(),
          eventLoopLag: lag.snapshot(),
          admission: llm.stats(),
          agent: { profile: settings.agentProfile, ...agentCountersView(agentCounters) },
          memory: { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed },
          ...(sim ? { simulator: sim.stats() } : {}),
        }),
        resetStats: () => {
          lag.reset();
          messages.reset();
          resetAgentCounters(agentCounters);
        },
      },
    });
    await app.listen({ host: settings.host, port: settings.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : settings.port;
    const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
    let metricsUrl: string | undefined;
    if (metrics && settings.metricsPort !== undefined) {
      const listener = await startMetricsListener({ host: settings.metricsHost ?? settings.host, port: settings.metricsPort, exposition: metrics }).catch(async (error: unknown) => {
        await app.close();
        throw error;
      });
      closers.push(() => listener.close());
      metricsUrl = listener.url;
      log(`metrics: ${metricsUrl} (no key needed on this port)`);
    }

    return {
      url: `http://${host}:${port}`,
      llm: { baseURL: baseURL ?? 'https://api.openai.com/v1', embeddedSimulator: sim !== undefined },
      devMode: authenticator.devMode,
      inject: app.inject.bind(app),
      metricsUrl,
      bookings,
      graph,
      async close() {
        // Not ready at once (the balancer stops sending; /readyz still answers, with 503),
        // new requests refused with Retry-After, no more queued runs taken here.
        shuttingDown = true;
        executor.stopClaiming();
        const drained = await Promise.race([
          executor.drain().then(() => true),
          new Promise<false>((resolve) => setTimeout(() => resolve(false), settings.shutdownGraceMs).unref()),
        ]);
        // Past the grace, runs still going are stopped and recorded as interrupted (their
        // callers get 503 RUN_INTERRUPTED) and their leases released: their threads take new
        // runs at once, on another replica. No run is left half-recorded.
        if (!drained) await executor.abortAll();
        // Clients following runs of other replicas here are let go: they may ask another.
        executor.abortFollowers();
        const closing = app.close();
        // Keep-alive connections whose last response has gone out would otherwise hold the
        // server open until their idle timeout.
        app.server.closeIdleConnections();
        await closing;
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Resolves true once the client is connected, false after `timeoutMs`. */
function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}
