import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type { BookingService } from '../booking/booking-service.js';
import { openBookingService } from '../booking/open-booking-service.js';
import { createBookingTools } from '../agent/booking-tools.js';
import { createChatModel } from '../agent/chat-model.js';
import { createAgentGraph, type AgentGraph } from '../agent/graph.js';
import { buildSystemPrompt } from '../agent/system-prompt.js';
import { createSqliteCheckpointPruner } from '../agent/checkpoint-pruning.js';
import { ThreadLocks } from '../agent/thread-lock.js';
import type { ServeSettings } from '../config/serve-settings.js';
import type { AdmissionSettings } from '../llm/admission-settings.js';
import { createLlmClient } from '../llm/llm-client.js';
import { watchAdmission } from '../observability/admission-metrics.js';
import { createLlmMetrics } from '../observability/llm-metrics.js';
import { createLogger, type LogLevel } from '../observability/logger.js';
import { startMetricsListener } from '../observability/metrics-route.js';
import { createRunObservation } from '../observability/run-observation.js';
import { createServerMetrics } from '../observability/server-metrics.js';
import { startSimServer, type SimServer } from '../sim/sim-server.js';
import type { DestinationStream } from 'pino';
import { buildApp } from './app.js';
import { createAuthenticator } from './auth.js';
import { EventLoopLag } from './event-loop-lag.js';
import { MessageStats } from './message-stats.js';
import { RunExecutor } from './run-executor.js';
import { openSqliteThreadRegistry } from './thread-registry.js';

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

    if (settings.db !== ':memory:') mkdirSync(dirname(settings.db), { recursive: true });
    const bookings = await openBookingService({
      database: settings.db,
      ...(settings.business ? { businessFile: settings.business } : {}),
      ...(metrics ? { onOutcome: (outcome: string) => metrics.bookings.inc({ outcome }) } : {}),
    });
    closers.push(() => bookings.close());
    const registry = openSqliteThreadRegistry({ path: settings.db, model: settings.model, now });
    closers.push(() => registry.close());
    // Runs left `running` by a process that stopped without finishing them. The database
    // belongs to one server process (the thread lock is per process too).
    const interrupted = await registry.recoverInterruptedRuns();
    if (interrupted > 0) log(`${interrupted} run(s) left unfinished by an earlier stop were marked interrupted.`);
    const checkpointer = SqliteSaver.fromConnString(settings.db);
    closers.push(async () => {
      (checkpointer as unknown as { db: { close(): void } }).db.close();
    });
    const pruner = settings.db === ':memory:' ? undefined : createSqliteCheckpointPruner(settings.db, 2);
    if (pruner) closers.push(async () => pruner.close());

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
      { log, ...(llmObserver ? { observer: llmObserver } : {}) },
    );
    closers.push(() => llm.close());
    const graph = createAgentGraph({
      model: createChatModel(llm.chatModel),
      tools: createBookingTools(bookings),
      checkpointer,
      systemPrompt: () => buildSystemPrompt(bookings.business, now()),
      historyMessages: settings.historyMessages,
    });
    const locks = new ThreadLocks();
    const messages = new MessageStats();
    const observeRun = createRunObservation({ metrics, logger });
    const executor = new RunExecutor({
      graph,
      registry,
      locks,
      model: settings.model,
      runTimeoutMs,
      messageDeadlineMs: llm.messageDeadlineMs,
      recursionLimit: settings.recursionLimit,
      preflight: llm.preflight,
      ...(pruner ? { afterRun: (threadId: string) => void pruner.prune(threadId) } : {}),
      onFinished: (run) => {
        messages.record({ status: run.status, durationMs: run.durationMs, costUsd: run.usage.costUsd });
        observeRun(run);
      },
    });

    const lag = new EventLoopLag();
    closers.push(async () => lag.stop());
    let shuttingDown = false;
    const counters = { startedAt: now().toISOString() };
    if (metrics) {
      watchAdmission(metrics, () => llm.stats());
      metrics.onScrape(() => metrics.runsInProgress.set(executor.inFlight));
    }
    const app = buildApp({
      graph,
      registry,
      executor,
      bookings,
      authenticator,
      bodyLimitBytes: settings.bodyLimitBytes,
      maxMessageChars: settings.maxMessageChars,
      ...(settings.corsOrigin ? { corsOrigin: settings.corsOrigin } : {}),
      logger,
      ...(metrics ? { metrics } : {}),
      ops: {
        isShuttingDown: () => shuttingDown,
        readiness: async () => ({ database: await bookings.listAll({ limit: 1 }).then(() => true).catch(() => false) }),
        stats: () => ({
          ...counters,
          runsInProgress: executor.inFlight,
          messages: messages.snapshot(),
          threadsLocked: locks.heldCount,
          eventLoopLag: lag.snapshot(),
          admission: llm.stats(),
          memory: { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed },
          ...(sim ? { simulator: sim.stats() } : {}),
        }),
        resetStats: () => {
          lag.reset();
          messages.reset();
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
      metricsUrl,
      bookings,
      graph,
      async close() {
        shuttingDown = true;
        // Stop accepting connections, let in-flight runs finish (bounded), then close stores.
        const closing = app.close();
        const drained = await Promise.race([
          executor.drain().then(() => true),
          new Promise<false>((resolve) => setTimeout(() => resolve(false), settings.shutdownGraceMs).unref()),
        ]);
        // Past the grace, runs still going are stopped and recorded as interrupted (their
        // callers get 503 RUN_INTERRUPTED), so no run is left half-recorded.
        if (!drained) await executor.abortAll();
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
