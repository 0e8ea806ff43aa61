import type { AgentGraph } from '../agent/graph.js';
import type { CoordinationBus } from '../cluster/coordination-bus.js';
import type { EventRelay } from '../cluster/event-relay.js';
import { LeaseKeeper } from '../cluster/lease-keeper.js';
import { QueuedRunExpiry } from '../cluster/queued-run-expiry.js';
import { RunClaimer } from '../cluster/run-claimer.js';
import { END_EVENT, isEnd, RunEventHub, type RunEnd, type RunEvent, type RunEventLog } from '../cluster/run-event-log.js';
import { AdmissionShedError } from '../llm/admission-errors.js';
import { emptyUsage, type RunUsage } from '../llm/run-usage.js';
import { ConciergeError } from '../shared/errors.js';
import {
  isFinished,
  type ClaimedRun,
  type CreatedRun,
  type ExpiredRun,
  type MultitaskStrategy,
  type RunError,
  type RunInputMessage,
  type RunPayload,
  type RunRecord,
  type RunStore,
  type ThreadRecord,
} from '../store/run-store.js';
import { agentError, runInterrupted } from './run-errors.js';
import type { FinishedRun } from './finished-run.js';
import { runGraph, stateValues, type StreamMode } from './run-execution.js';
import { RunQueueForecast } from './run-queue-forecast.js';
import type { ThreadRef } from './thread-owners.js';

export { STREAM_MODES, type StreamMode } from './run-execution.js';

export interface RunExecutorOptions {
  graph: AgentGraph;
  store: RunStore;
  /** This replica's name: the owner of the runs it executes. */
  replicaId: string;
  leaseMs: number;
  /** Runs executed here at once; more wait in the queue for any replica with room. */
  maxConcurrentRuns: number;
  relay: EventRelay;
  bus: CoordinationBus;
  model: string;
  /** Real milliseconds a run may take before it is aborted. */
  runTimeoutMs: number;
  /**
   * Real milliseconds within which a message should be answered; admission sheds beyond it.
   * It covers the time a run waits in the queue: a run that no replica could start by then is
   * ended unstarted with a retryable OVERLOADED, and a message that would wait that long is
   * refused at once.
   */
  messageDeadlineMs: number;
  /** The shortest Retry-After of a message refused for lack of room (default 1000 ms). */
  minRetryAfterMs?: number;
  recursionLimit: number;
  /** Refuse a message at once (throwing) when it would be shed anyway: admission's preflight. */
  preflight?: (customerId: string, deadlineAt: number) => void;
  /** Called when a run has been recorded (checkpoint pruning); a failure is only logged. */
  afterRun?: (threadId: string) => unknown;
  /** Told of every run finished here (the live view, metrics, the run's log line); must not throw. */
  onFinished?: (run: FinishedRun) => void;
  /**
   * How often queued runs are looked for besides wake-ups (default 2 s with a Redis bus, 500 ms
   * without), and how often a follower without Redis asks the database (default 500 ms).
   */
  pollMs?: number;
  log?: (line: string) => void;
}

export interface RunRequest {
  thread: ThreadRef;
  assistantId: string;
  messages: RunInputMessage[];
  metadata: Record<string, unknown>;
  multitaskStrategy: MultitaskStrategy;
  /** The events the run emits for streams and followers (none: only its end). */
  streamModes: StreamMode[];
  /** `POST /threads/:id/runs`: queued for whichever replica has room, answered at once. */
  background: boolean;
  /** The caller of a run that waits in the queue went away: the run is withdrawn. */
  signal?: AbortSignal;
  /** The HTTP request that sent the message, for the run's log line. */
  requestId?: string;
}

/** What `runs/wait` and `join` answer: the thread's values and the usage of the run and thread. */
export interface RunAnswer {
  values: Record<string, unknown>;
  usage: { run: RunUsage | null; thread: RunUsage | undefined };
}

interface LocalRun {
  run: RunRecord;
  controller: AbortController;
  done: Promise<RunAnswer | ConciergeError>;
}

/** The end of a run as the database records it, for followers that did not see it happen. */
function endOf(run: RunRecord): RunEvent {
  const end: RunEnd = { status: run.status, error: run.error ?? undefined, finalValues: false };
  return { event: END_EVENT, data: end };
}

const interrupted = (message: string): RunError => runInterrupted(message).toRecord();

/**
 * Runs, wherever they execute. A run starts on the replica that received it when its thread
 * is free and the replica has room; otherwise it waits in the database's queue and the first
 * replica with room claims it. The replica executing a run holds its lease, publishes its
 * events (relayed to followers on any replica), and records its end only while it still
 * holds the lease. Every replica sweeps expired leases, so a dead replica's runs end as
 * `interrupted`, with the error recorded, and their threads take new runs at once.
 */
export class RunExecutor {
  readonly #options: RunExecutorOptions;
  readonly #running = new Map<string, LocalRun>();
  /** Slots taken for runs not yet executing: a claim in flight, or a run being started here. */
  #reserved = 0;
  readonly #hub = new RunEventHub({ retainMs: 10_000 });
  readonly #followers = new Set<AbortController>();
  readonly #leases: LeaseKeeper;
  readonly #claimer: RunClaimer;
  readonly #expiry: QueuedRunExpiry;
  readonly #forecast: RunQueueForecast;
  /** The queue as last counted (for the Retry-After of runs that waited past their deadline). */
  #counts = { pending: 0, running: 0 };
  #sweeper: NodeJS.Timeout | undefined;
  readonly #counters = { started: 0, claimed: 0, finished: 0, swept: 0, cancelled: 0, refusedQueueFull: 0, expiredInQueue: 0 };

  constructor(options: RunExecutorOptions) {
    this.#options = options;
    const log = options.log ?? (() => {});
    this.#leases = new LeaseKeeper({
      store: options.store,
      owner: options.replicaId,
      leaseMs: options.leaseMs,
      log,
      onLost: (runId, reason) => this.#running.get(runId)?.controller.abort(runInterrupted(`this replica stopped the run: ${reason}; send the message again`)),
      onCancel: (runId) => this.#stop(runId),
    });
    this.#claimer = new RunClaimer({
      store: options.store,
      owner: options.replicaId,
      leaseMs: options.leaseMs,
      reserve: () => this.#reserve(),
      unreserve: () => this.#unreserve(),
      execute: (claimed, sentAt) => {
        this.#unreserve();
        this.#counters.claimed += 1;
        const deadlineAt = Date.now() + (claimed.deadlineInMs ?? options.messageDeadlineMs);
        this.#execute(claimed, sentAt, deadlineAt);
      },
      // With a bus, wake-ups arrive within a round trip and the poll is only a safety net.
      pollMs: options.pollMs ?? (options.bus.kind === 'redis' ? 2000 : 500),
      log,
    });
    const minRetryAfterMs = options.minRetryAfterMs ?? 1000;
    this.#forecast = new RunQueueForecast({ deadlineMs: options.messageDeadlineMs, maxConcurrentRuns: options.maxConcurrentRuns, minRetryAfterMs });
    this.#expiry = new QueuedRunExpiry({
      store: options.store,
      error: () =>
        new AdmissionShedError('deadline', this.#forecast.expiryRetryAfterMs(this.#counts), 'no replica had room to start the message within its deadline; send it again later').toRecord(),
      onExpired: (expired) => this.#expired(expired),
      // As often as claims: the runs this replica queued are looked at on their own deadlines,
      // so the poll is a safety net whose cost must not grow with the replicas.
      pollMs: options.pollMs ?? (options.bus.kind === 'redis' ? 2000 : 500),
      log,
    });
    options.bus.subscribe((message) => {
      if (message.kind === 'wake') this.#claimer.wake();
      else if (message.kind === 'cancel') this.#stop(message.runId);
    });
  }

  /**
   * Start working: record the runs this process's earlier life left running as interrupted
   * (on SQLite, which one process owns, every run left running), then renew leases, claim
   * queued runs and sweep expired leases.
   */
  async begin(): Promise<number> {
    const { store, replicaId } = this.#options;
    const scope = store.kind === 'sqlite' ? { ownerNot: replicaId } : { owner: replicaId };
    const orphans = await store.interruptRuns(scope, interrupted('the server stopped before the run finished; send the message again'));
    for (const run of orphans) this.#options.relay.publish(run.run_id, endOf(run));
    this.#leases.start();
    this.#expiry.start();
    this.#claimer.start();
    const sweepMs = Math.max(100, Math.floor(this.#options.leaseMs / 2));
    // Every replica sweeps; jitter keeps them from doing it in step.
    this.#sweeper = setInterval(() => void this.sweep(), sweepMs + Math.floor(Math.random() * (sweepMs / 4)));
    this.#sweeper.unref();
    return orphans.length;
  }

  /** Record runs whose lease expired as interrupted, tell their followers, free their threads. */
  async sweep(): Promise<RunRecord[]> {
    try {
      const swept = await this.#options.store.interruptRuns(
        { leaseExpired: true },
        interrupted('the replica running it stopped answering (its lease expired) before the run finished; send the message again'),
      );
      for (const run of swept) this.#options.relay.publish(run.run_id, endOf(run));
      if (swept.length > 0) {
        this.#counters.swept += swept.length;
        this.#wakeClaimers();
      }
      return swept;
    } catch (error) {
      this.#options.log?.(`sweeper: ${String(error)}`);
      return [];
    }
  }

  /**
   * Create a run: started here at once, or queued. Throws THREAD_BUSY (reject and the thread
   * is busy) or a shed (admission would refuse it anyway), before anything is stored.
   */
  async start(request: RunRequest): Promise<RunRecord> {
    const { store, replicaId, leaseMs, messageDeadlineMs } = this.#options;
    const customerId = request.thread.customer_id;
    this.#options.preflight?.(customerId, Date.now() + messageDeadlineMs);
    let slot = this.#reserve();
    // A claim in flight holds a slot it may give back in a round trip: wait for it rather
    // than queue a message that could start here now.
    while (!slot && this.#claimer.claimInFlight) {
      await this.#claimer.claimInFlight;
      slot = this.#reserve();
    }
    const payload: RunPayload = { messages: request.messages, streamModes: request.streamModes };
    let created: CreatedRun;
    let receivedAt: number;
    let sentAt: number;
    try {
      // A follow-up turn on a busy thread waits for its own thread first: its deadline counts
      // from the end of the turn before it, so the queue ahead says nothing about it yet.
      if (!slot && (await store.getThread(request.thread.thread_id))?.status !== 'busy') await this.#refuseIfQueueTooLong();
      receivedAt = Date.now();
      sentAt = performance.now();
      created = await store.createRun({
        threadId: request.thread.thread_id,
        assistantId: request.assistantId,
        metadata: request.metadata,
        multitaskStrategy: request.multitaskStrategy,
        payload,
        // A replica with no room queues the run for another, like a background one.
        background: request.background || !slot,
        owner: replicaId,
        leaseMs,
        deadlineMs: messageDeadlineMs,
      });
    } finally {
      if (slot) this.#unreserve();
    }
    if (created.started) {
      this.#counters.started += 1;
      this.#execute({ run: created.run, customerId, payload }, sentAt, receivedAt + messageDeadlineMs, receivedAt, request.requestId);
    } else {
      this.#wakeClaimers();
      // Its deadline, if its thread was free; a pass then is a no-op for a run already claimed.
      this.#expiry.at(receivedAt + messageDeadlineMs);
      const signal = request.signal;
      if (signal && !request.background) {
        signal.addEventListener(
          'abort',
          () => void store.requestCancel(created.run.thread_id, created.run.run_id, new ConciergeError('CLIENT_CLOSED', 'the client went away while the run waited for its turn').toRecord(), { queuedOnly: true }).catch(() => undefined),
          { once: true },
        );
      }
    }
    return created.run;
  }

  /**
   * Refuse a message at once (503 OVERLOADED, Retry-After) when this replica is full and the
   * runs queued ahead of it would keep it waiting past its deadline: queued, it would only be
   * refused later, after its caller waited for nothing.
   */
  async #refuseIfQueueTooLong(): Promise<void> {
    if (!this.#forecast.learned) return;
    this.#counts = await this.#options.store.runCounts();
    const verdict = this.#forecast.verdict(this.#counts);
    if (!verdict.shed) return;
    this.#counters.refusedQueueFull += 1;
    throw new AdmissionShedError(
      'queue-full',
      verdict.retryAfterMs,
      `every replica is busy and the ${this.#counts.pending} message(s) queued ahead would keep this one waiting past its deadline`,
    );
  }

  /** A queued run ended unstarted at its deadline: its followers are told, and it is counted. */
  #expired({ run, customerId }: ExpiredRun): void {
    this.#counters.expiredInQueue += 1;
    if (run.error?.retryAfterMs !== undefined) this.#forecast.booked(run.error.retryAfterMs);
    // Waiters here hear it at once; elsewhere through the relay, or the database at their next look.
    const end = endOf(run);
    this.#hub.open(run.run_id).append(end);
    this.#hub.retire(run.run_id);
    this.#options.relay.publish(run.run_id, end);
    // The next run on its thread may be claimed now.
    this.#wakeClaimers();
    try {
      this.#options.onFinished?.({
        runId: run.run_id,
        threadId: run.thread_id,
        customerId,
        requestId: undefined,
        status: 'error',
        errorCode: run.error?.code,
        usage: emptyUsage(this.#options.model),
        durationMs: Math.max(0, Date.now() - Date.parse(run.created_at)),
      });
    } catch {
      // Counting must never stop the other expired runs being told.
    }
  }

  /**
   * A run's events from its first, then live, wherever it executes; ends with its end event.
   * From memory when it executes here; through the relay otherwise (or, without Redis, from
   * the database's record once it ends).
   */
  async *events(threadId: string, runId: string, signal?: AbortSignal): AsyncGenerator<RunEvent> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#followers.add(controller);
    try {
      const { store, relay } = this.#options;
      for (;;) {
        const log: RunEventLog | undefined = this.#hub.get(runId);
        if (log) {
          yield* log.follow(controller.signal);
          return;
        }
        const run = await store.getRun(threadId, runId);
        if (!run) return;
        const checkEnded = async () => {
          const now = await store.getRun(threadId, runId);
          return now && isFinished(now.status) ? endOf(now) : undefined;
        };
        if (relay.kind === 'redis') {
          // Every replica publishes every event there, this one included; a run that ended
          // recently is replayed whole, one whose events expired ends from its record.
          yield* relay.follow(runId, { signal: controller.signal, checkEnded });
          return;
        }
        if (isFinished(run.status)) {
          yield endOf(run);
          return;
        }
        // No relay: wait until it starts here, or ask the database again.
        await this.#hub.opened(runId, this.#options.pollMs ?? 500, controller.signal);
        if (controller.signal.aborted) return;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#followers.delete(controller);
    }
  }

  /** Wait for a run's end and answer as `runs/wait` does; throws the error it ended with. */
  async answer(threadId: string, runId: string, signal?: AbortSignal): Promise<RunAnswer> {
    const local = this.#running.get(runId);
    if (local && local.run.thread_id === threadId) {
      const outcome = await local.done;
      if (outcome instanceof ConciergeError) throw outcome;
      return outcome;
    }
    const recorded = await this.#options.store.getRun(threadId, runId);
    if (recorded && !isFinished(recorded.status)) {
      let end: RunEnd | undefined;
      for await (const event of this.events(threadId, runId, signal)) {
        if (isEnd(event)) end = event.data;
      }
      if (!end) throw new ConciergeError('SHUTTING_DOWN', 'the server is shutting down; ask again for the run on another instance', { retryAfterMs: 1000 });
      if (end.error) throw ConciergeError.fromRecord(end.error);
    }
    const [run, thread] = await Promise.all([this.#options.store.getRun(threadId, runId), this.#options.store.getThread(threadId)]);
    if (run?.error) throw ConciergeError.fromRecord(run.error);
    return { values: await stateValues(this.#options.graph, threadId), usage: { run: run?.usage ?? null, thread: thread?.usage } };
  }

  /** Cancel a run: queued, withdrawn at once; running, stopped by its replica (told through the bus or at its next renewal). */
  async cancel(threadId: string, runId: string): Promise<RunRecord | undefined> {
    const run = await this.#options.store.requestCancel(threadId, runId, new ConciergeError('RUN_CANCELLED', 'the run was cancelled').toRecord());
    if (run?.status === 'running') this.#options.bus.send({ kind: 'cancel', runId });
    return run;
  }

  /** Stop claiming queued runs (shutdown); runs in progress go on. */
  stopClaiming(): void {
    this.#claimer.stop();
  }

  /** Take a run slot (for a claim, or a run about to start here) if one is free. */
  #reserve(): boolean {
    if (this.#running.size + this.#reserved >= this.#options.maxConcurrentRuns) return false;
    this.#reserved += 1;
    return true;
  }

  /** Give a reserved slot back, or hand it to the run that now executes in it. */
  #unreserve(): void {
    this.#reserved -= 1;
  }

  /** Wait for every run executing here to finish (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()].map((r) => r.done));
  }

  /**
   * Stop every run in progress (the shutdown grace is over): each is recorded as interrupted
   * and its lease released, so its thread takes new runs at once, on another replica.
   */
  async abortAll(): Promise<void> {
    for (const running of this.#running.values()) {
      running.controller.abort(runInterrupted());
    }
    await Promise.allSettled([...this.#running.values()].map((r) => r.done));
  }

  /** Stop following runs for clients of this replica (shutdown); they may ask another. */
  abortFollowers(): void {
    for (const follower of this.#followers) follower.abort();
  }

  async close(): Promise<void> {
    this.#claimer.stop();
    this.#expiry.stop();
    if (this.#sweeper) clearInterval(this.#sweeper);
    await this.#leases.stop();
  }

  get inFlight(): number {
    return this.#running.size;
  }

  stats() {
    return {
      replicaId: this.#options.replicaId,
      store: this.#options.store.kind,
      relay: this.#options.relay.kind,
      bus: this.#options.bus.kind,
      maxConcurrentRuns: this.#options.maxConcurrentRuns,
      runs: {
        executing: this.#running.size,
        ids: [...this.#running.keys()].slice(0, 100),
        startedHere: this.#counters.started,
        claimed: this.#counters.claimed,
        finished: this.#counters.finished,
        cancelled: this.#counters.cancelled,
        sweptFromDeadReplicas: this.#counters.swept,
        refusedQueueFull: this.#counters.refusedQueueFull,
        expiredInQueue: this.#counters.expiredInQueue,
      },
      leases: {
        leaseMs: this.#options.leaseMs,
        held: this.#leases.held.length,
        renewals: this.#leases.renewals,
        renewalFailures: this.#leases.failures,
        lost: this.#leases.lost,
      },
      followers: this.#followers.size,
    };
  }

  /** Whether this replica may still write for the run (its lease certainly holds). */
  holdsLease(runId: string): boolean {
    return this.#leases.holds(runId);
  }

  #wakeClaimers(): void {
    this.#options.bus.send({ kind: 'wake' });
  }

  #stop(runId: string): void {
    const local = this.#running.get(runId);
    if (!local || local.controller.signal.aborted) return;
    this.#counters.cancelled += 1;
    local.controller.abort(new ConciergeError('RUN_CANCELLED', 'the run was cancelled'));
  }

  /**
   * `deadlineAt`: epoch ms by which the message must be answered (admission sheds its calls
   * against it); `receivedAt`: epoch ms of the request (a claimed run: its creation, on
   * whichever replica).
   */
  #execute(claimed: ClaimedRun, leaseSentAt: number, deadlineAt: number, receivedAt = Date.parse(claimed.run.created_at), requestId?: string): void {
    const { run, customerId, payload } = claimed;
    const { store, relay, replicaId } = this.#options;
    this.#leases.add(run.run_id, leaseSentAt);
    const log = this.#hub.open(run.run_id);
    let seq = 0;
    const emit = (event: string, data: unknown) => {
      const numbered = { event, data, id: (seq += 1) };
      log.append(numbered);
      relay.publish(run.run_id, numbered);
    };
    const controller = new AbortController();
    const startedAt = performance.now();
    const done = (async (): Promise<RunAnswer | ConciergeError> => {
      if (payload.streamModes.length > 0) emit('metadata', { run_id: run.run_id, thread_id: run.thread_id, attempt: 1 });
      const result = await runGraph({
        graph: this.#options.graph,
        runId: run.run_id,
        threadId: run.thread_id,
        customerId,
        messages: payload.messages,
        streamModes: payload.streamModes,
        model: this.#options.model,
        runTimeoutMs: this.#options.runTimeoutMs,
        deadlineAt,
        recursionLimit: this.#options.recursionLimit,
        signal: controller.signal,
        emit,
      });
      let error = result.error;
      let status: RunRecord['status'] = !error ? 'success' : error.code === 'RUN_TIMEOUT' ? 'timeout' : error.code === 'RUN_INTERRUPTED' || error.code === 'RUN_CANCELLED' ? 'interrupted' : 'error';
      let recorded: RunError | undefined = error ? error.toRecord() : undefined;
      let thread: ThreadRecord | undefined;
      try {
        const finished = await store.finishRun(run.run_id, replicaId, { status, usage: result.usage, ...(recorded ? { error: recorded } : {}) });
        thread = finished?.thread;
        // Runs wait on this thread: whichever replica has room takes the next one now.
        if (finished?.queued) this.#wakeClaimers();
        if (!finished) {
          // The lease was lost and the run recorded as interrupted meanwhile: that record stands.
          const stored = await store.getRun(run.thread_id, run.run_id);
          status = stored?.status ?? 'interrupted';
          recorded = stored?.error ?? interrupted('this replica lost the run before it finished; send the message again');
          error = ConciergeError.fromRecord(recorded);
        }
      } catch (failure) {
        // The database did not take the outcome: the lease runs out and the sweeper records
        // the run as interrupted. The caller is told the truth: it may not have been kept.
        error ??= agentError('the run finished but could not be recorded', failure);
        recorded = error.toRecord();
        status = 'error';
      }
      const usage = { run: result.usage, thread: thread?.usage };
      if (payload.streamModes.length > 0) {
        // When to try again travels with the event: the stream's headers went out long ago.
        if (error) emit('error', { error: error.code, message: error.message, ...(error.retryAfterMs === undefined ? {} : { retry_after_ms: error.retryAfterMs }) });
        else if (payload.streamModes.includes('values')) emit('values', { ...result.values, usage });
      }
      this.#forecast.record(performance.now() - startedAt, !error);
      const end: RunEnd = { status, error: recorded, finalValues: !error && payload.streamModes.includes('values') };
      emit(END_EVENT, end);
      try {
        this.#options.onFinished?.({
          runId: run.run_id,
          threadId: run.thread_id,
          customerId,
          requestId,
          status: status as FinishedRun['status'],
          errorCode: error?.code,
          usage: result.usage,
          durationMs: Math.max(0, Date.now() - receivedAt),
        });
      } catch {
        // Counting must never fail a run that has been answered and recorded.
      }
      return error ?? { values: result.values, usage };
    })();
    const local: LocalRun = { run, controller, done };
    this.#running.set(run.run_id, local);
    void done.finally(() => {
      const wasFull = this.#running.size >= this.#options.maxConcurrentRuns;
      this.#leases.remove(run.run_id);
      this.#running.delete(run.run_id);
      this.#hub.retire(run.run_id);
      this.#counters.finished += 1;
      // Room again here: runs queued while this replica was full may be waiting for it.
      if (wasFull) this.#claimer.wake();
      try {
        void Promise.resolve(this.#options.afterRun?.(run.thread_id)).catch((error: unknown) => this.#options.log?.(`after run: ${String(error)}`));
      } catch (error) {
        // Housekeeping must never fail a run that has been answered and recorded.
        this.#options.log?.(`after run: ${String(error)}`);
      }
    });
  }
}
