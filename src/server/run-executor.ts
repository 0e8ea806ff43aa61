import type { BaseMessage } from '@langchain/core/messages';
import type { AgentGraph } from '../agent/graph.js';
import type { MultitaskStrategy, ThreadLocks } from '../agent/thread-lock.js';
import { createRunContext, withRunContext } from '../llm/run-context.js';
import { withCost, type RunUsage } from '../llm/run-usage.js';
import { isConciergeError, type ConciergeError } from '../shared/errors.js';
import { toWireMessage, toWireValues } from './message-format.js';
import type { FinishedRun } from './finished-run.js';
import { agentError, classifyRunError, runInterrupted } from './run-errors.js';
import type { RunRecord, ThreadRecord, ThreadRegistry } from './thread-registry.js';

/** Stream modes a client may ask for, as the LangGraph API names them. */
export const STREAM_MODES = ['values', 'updates', 'messages', 'messages-tuple', 'custom'] as const;
export type StreamMode = (typeof STREAM_MODES)[number];

export interface RunExecutorOptions {
  graph: AgentGraph;
  registry: ThreadRegistry;
  locks: ThreadLocks;
  model: string;
  /** Real milliseconds a run may take before it is aborted. */
  runTimeoutMs: number;
  /** Real milliseconds within which a message should be answered; admission sheds beyond it. */
  messageDeadlineMs: number;
  recursionLimit: number;
  /** Refuse a message at once (throwing) when it would be shed anyway: admission's preflight. */
  preflight?: (customerId: string, deadlineAt: number) => void;
  /** Called when a run has been recorded (checkpoint pruning); a failure is only logged. */
  afterRun?: (threadId: string) => void;
  /** Told of every finished run (the live view, metrics, the run's log line); must not throw. */
  onFinished?: (run: FinishedRun) => void;
}

export interface RunInput {
  thread: ThreadRecord;
  customerId: string;
  assistantId: string;
  messages: Array<{ role: string; content: string; id?: string | undefined }>;
  metadata: Record<string, unknown>;
  multitaskStrategy: MultitaskStrategy;
  /** Present when the client streams: the modes it asked for and where events go. */
  stream?: { modes: StreamMode[]; send: (event: string, data: unknown) => void };
  /** Abort while waiting for the thread lock (the client went away). */
  signal?: AbortSignal;
  /** A background run (`POST /runs`): with `enqueue` it is accepted at once and waits its turn. */
  background?: boolean;
  /** The HTTP request that sent the message, for the run's log line. */
  requestId?: string;
}

export interface RunOutcome {
  run: RunRecord;
  values: Record<string, unknown>;
  usage: { run: RunUsage; thread: RunUsage };
  error: ConciergeError | undefined;
}

/**
 * Executes runs: one at a time per thread, each with a deadline, a timeout and a usage record.
 * The run's identity and deadline travel to the LLM layer in the run context; the customer's
 * identity travels to the tools in the run's config, where the model cannot write it.
 */
export class RunExecutor {
  readonly #options: RunExecutorOptions;
  readonly #running = new Map<string, { threadId: string; done: Promise<RunOutcome>; abort: (reason: Error) => void }>();

  constructor(options: RunExecutorOptions) {
    this.#options = options;
  }

  /** Take the thread's lock and start the run; resolves once it has started. */
  async start(input: RunInput): Promise<{ run: RunRecord; done: Promise<RunOutcome> }> {
    const { registry, locks } = this.#options;
    const receivedAt = performance.now();
    this.#options.preflight?.(input.customerId, Date.now() + this.#options.messageDeadlineMs);
    if (input.background && input.multitaskStrategy === 'enqueue' && locks.isBusy(input.thread.thread_id)) return this.#startQueued(input, receivedAt);
    const release = await locks.acquire(input.thread.thread_id, input.multitaskStrategy, input.signal);
    let run: RunRecord;
    try {
      run = await registry.createRun({
        threadId: input.thread.thread_id,
        assistantId: input.assistantId,
        metadata: input.metadata,
        multitaskStrategy: input.multitaskStrategy,
      });
    } catch (error) {
      release();
      throw error;
    }
    const controller = new AbortController();
    const done = this.#execute(run, input, controller, receivedAt).finally(() => {
      release();
      this.#running.delete(run.run_id);
    });
    this.#running.set(run.run_id, { threadId: run.thread_id, done, abort: (reason) => controller.abort(reason) });
    return { run, done };
  }

  /**
   * A background run behind another on its thread: recorded as pending and answered at once;
   * it takes the thread's lock when its turn comes.
   */
  async #startQueued(input: RunInput, receivedAt: number): Promise<{ run: RunRecord; done: Promise<RunOutcome> }> {
    const { registry, locks } = this.#options;
    const run = await registry.createRun({
      threadId: input.thread.thread_id,
      assistantId: input.assistantId,
      metadata: input.metadata,
      multitaskStrategy: input.multitaskStrategy,
      pending: true,
    });
    const controller = new AbortController();
    const done = (async () => {
      const release = await locks.acquire(input.thread.thread_id, 'enqueue');
      try {
        await registry.markRunning(run.run_id, run.thread_id);
        return await this.#execute({ ...run, status: 'running' }, input, controller, receivedAt);
      } finally {
        release();
      }
    })().finally(() => this.#running.delete(run.run_id));
    this.#running.set(run.run_id, { threadId: run.thread_id, done, abort: (reason) => controller.abort(reason) });
    return { run, done };
  }

  /** The outcome of a run of this thread still executing in this process, if any. */
  join(threadId: string, runId: string): Promise<RunOutcome> | undefined {
    const running = this.#running.get(runId);
    return running && running.threadId === threadId ? running.done : undefined;
  }

  /** Stop every run in progress (the shutdown grace is over); each is recorded as interrupted. */
  async abortAll(): Promise<void> {
    for (const running of this.#running.values()) running.abort(runInterrupted());
    await Promise.allSettled([...this.#running.values()].map((r) => r.done));
  }

  get inFlight(): number {
    return this.#running.size;
  }

  /** Wait for every run in progress to finish (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()].map((r) => r.done));
  }

  async #execute(run: RunRecord, input: RunInput, controller: AbortController, receivedAt: number): Promise<RunOutcome> {
    const { graph, registry, model, runTimeoutMs, messageDeadlineMs, recursionLimit } = this.#options;
    const threadId = input.thread.thread_id;
    input.stream?.send('metadata', { run_id: run.run_id, thread_id: threadId, attempt: 1 });

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`run timed out after ${runTimeoutMs} ms`));
    }, runTimeoutMs);
    const context = createRunContext({
      runId: run.run_id,
      threadId,
      customerId: input.customerId,
      deadlineAt: Date.now() + messageDeadlineMs,
      model,
      signal: controller.signal,
    });
    const config = {
      configurable: { thread_id: threadId, customer_id: input.customerId, run_id: run.run_id },
      recursionLimit,
      signal: controller.signal,
    };
    const graphInput = { messages: input.messages.map((m) => ({ role: m.role, content: m.content, ...(m.id ? { id: m.id } : {}) })) };

    let error: ConciergeError | undefined;
    let values: Record<string, unknown> = {};
    try {
      values = await withRunContext(context, async () => {
        if (!input.stream) return toWireValues(await graph.invoke(graphInput, config));
        await this.#stream(graphInput, config, input.stream);
        return toWireValues((await graph.getState({ configurable: { thread_id: threadId } })).values);
      });
    } catch (caught) {
      error = isConciergeError(controller.signal.reason, 'RUN_INTERRUPTED') ? controller.signal.reason : classifyRunError(caught, { timedOut, timeoutMs: runTimeoutMs, llmFailure: context.llmFailure });
      values = await this.#stateValues(threadId);
    } finally {
      clearTimeout(timer);
    }

    const usage = withCost(context.usage);
    const status = !error ? 'success' : error.code === 'RUN_TIMEOUT' ? 'timeout' : error.code === 'RUN_INTERRUPTED' ? 'interrupted' : 'error';
    const recordedError = error ? error.toRecord() : null;
    let threadUsage = usage;
    try {
      threadUsage = (await registry.finishRun(run.run_id, { status, usage, ...(recordedError ? { error: recordedError } : {}) })).usage;
    } catch (failure) {
      // The answer still goes out; the run stays `running` in the registry and is marked
      // interrupted at the next start.
      error ??= agentError('the run finished but could not be recorded', failure);
    }
    // Housekeeping and counting must never fail a run that has been answered and recorded.
    try {
      this.#options.afterRun?.(threadId);
    } catch {}
    try {
      this.#options.onFinished?.({
        runId: run.run_id,
        threadId,
        customerId: input.customerId,
        requestId: input.requestId,
        status,
        errorCode: error?.code,
        usage,
        durationMs: performance.now() - receivedAt,
      });
    } catch {}
    const outcome: RunOutcome = {
      run: { ...run, status, usage, error: recordedError },
      values,
      usage: { run: usage, thread: threadUsage },
      error,
    };
    if (input.stream) {
      // When to try again travels with the event: the stream's headers went out long ago.
      if (error) input.stream.send('error', { error: error.code, message: error.message, ...(error.retryAfterMs === undefined ? {} : { retry_after_ms: error.retryAfterMs }) });
      else if (input.stream.modes.includes('values')) input.stream.send('values', { ...values, usage: outcome.usage });
    }
    return outcome;
  }

  /** The thread's values now, or nothing if even that fails (the answer must still go out). */
  async #stateValues(threadId: string): Promise<Record<string, unknown>> {
    try {
      return toWireValues((await this.#options.graph.getState({ configurable: { thread_id: threadId } })).values);
    } catch {
      return {};
    }
  }

  async #stream(graphInput: unknown, config: Record<string, unknown>, stream: NonNullable<RunInput['stream']>): Promise<void> {
    const { graph } = this.#options;
    const wantsMessages = stream.modes.includes('messages') || stream.modes.includes('messages-tuple');
    const graphModes = [...new Set(stream.modes.map((m) => (m === 'messages-tuple' ? 'messages' : m)))];
    if (!graphModes.includes('values')) graphModes.push('values');
    // The last `values` event is held back and sent at the end with the run's usage.
    const partials = new Map<string, BaseMessage>();
    const iterator = await graph.stream(graphInput as never, { ...config, streamMode: graphModes as never });
    let pendingValues: unknown;
    for await (const item of iterator as AsyncIterable<[string, unknown]>) {
      const [mode, chunk] = item;
      if (mode === 'values') {
        if (pendingValues !== undefined && stream.modes.includes('values')) stream.send('values', toWireValues(pendingValues));
        pendingValues = chunk;
      } else if (mode === 'updates') {
        const update: Record<string, unknown> = {};
        for (const [node, value] of Object.entries(chunk as Record<string, unknown>)) update[node] = toWireValues(value);
        stream.send('updates', update);
      } else if (mode === 'messages' && wantsMessages) {
        const [message, metadata] = chunk as [BaseMessage, Record<string, unknown>];
        if (stream.modes.includes('messages-tuple')) stream.send('messages', [toWireMessage(message), metadata]);
        if (stream.modes.includes('messages')) {
          const id = message.id ?? 'unknown';
          const previous = partials.get(id);
          if (!previous) stream.send('messages/metadata', { [id]: { metadata } });
          const merged = previous && 'concat' in previous ? (previous as unknown as { concat(m: BaseMessage): BaseMessage }).concat(message) : message;
          partials.set(id, merged);
          stream.send('messages/partial', [toWireMessage(merged)]);
        }
      } else if (mode === 'custom' && stream.modes.includes('custom')) {
        stream.send('custom', chunk);
      }
    }
  }
}
