import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { AgentGraph } from '../agent/graph.js';
import { createRunContext, withRunContext } from '../llm/run-context.js';
import { withCost, type RunUsage } from '../llm/run-usage.js';
import { ConciergeError, isConciergeError } from '../shared/errors.js';
import type { RunInputMessage } from '../store/run-store.js';
import { toWireMessage, toWireValues } from './message-format.js';
import { classifyRunError } from './run-errors.js';

/** Stream modes a client may ask for, as the LangGraph API names them. */
export const STREAM_MODES = ['values', 'updates', 'messages', 'messages-tuple', 'custom'] as const;
export type StreamMode = (typeof STREAM_MODES)[number];

export interface GraphRunInput {
  graph: AgentGraph;
  runId: string;
  threadId: string;
  customerId: string;
  messages: RunInputMessage[];
  /** The modes whose events the run emits; none for a run answered only at its end. */
  streamModes: readonly string[];
  model: string;
  runTimeoutMs: number;
  /** Epoch ms by which the message must be answered: its arrival plus the message deadline. */
  deadlineAt: number;
  recursionLimit: number;
  /** Aborted to stop the run: shutdown, lost lease, cancel. Its reason becomes the run's error. */
  signal: AbortSignal;
  emit: (event: string, data: unknown) => void;
}

export interface GraphRunResult {
  values: Record<string, unknown>;
  usage: RunUsage;
  error: ConciergeError | undefined;
}

/**
 * One run of the agent graph: with a deadline, a timeout and a usage record, emitting the
 * events of the modes asked for. The run's identity and deadline travel to the LLM layer in
 * the run context; the customer's identity travels to the tools in the run's config, where
 * the model cannot write it. Never throws: a failure is the result's error.
 */
export async function runGraph(input: GraphRunInput): Promise<GraphRunResult> {
  const { graph, threadId, runTimeoutMs } = input;
  const controller = new AbortController();
  const stop = () => controller.abort(input.signal.reason);
  if (input.signal.aborted) stop();
  else input.signal.addEventListener('abort', stop, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`run timed out after ${runTimeoutMs} ms`));
  }, runTimeoutMs);
  const context = createRunContext({
    runId: input.runId,
    threadId,
    customerId: input.customerId,
    deadlineAt: input.deadlineAt,
    model: input.model,
    signal: controller.signal,
  });
  const config = {
    configurable: { thread_id: threadId, customer_id: input.customerId, run_id: input.runId },
    recursionLimit: input.recursionLimit,
    signal: controller.signal,
    // One checkpoint when the run ends (with its error, if it fails), not one per step: a run
    // is never resumed from the middle (a stopped run is recorded as interrupted and the
    // message sent again), so the steps' own checkpoints were writes nobody read, about ten
    // statements a message on Postgres. A run that dies mid-way leaves the thread as it was
    // before the message, never half a turn (a tool call without its answer).
    durability: 'exit' as const,
  };
  const graphInput = { messages: input.messages.map((m) => ({ role: m.role, content: m.content, ...(m.id ? { id: m.id } : {}) })) };

  let error: ConciergeError | undefined;
  let values: Record<string, unknown> = {};
  try {
    values = await withRunContext(context, async () => {
      if (input.streamModes.length === 0) return toWireValues(await graph.invoke(graphInput, config));
      await streamGraph(graph, graphInput, config, input.streamModes, input.emit);
      return stateValues(graph, threadId);
    });
  } catch (caught) {
    // Stopped by this server (shutdown, lost lease, cancel): that reason is the run's error.
    const reason: unknown = controller.signal.reason;
    error = !timedOut && isConciergeError(reason) ? reason : classifyRunError(caught, { timedOut, timeoutMs: runTimeoutMs, llmFailure: context.llmFailure });
    if (context.committed.length > 0) error = await reportCommitted(graph, threadId, error, context.committed);
    values = await stateValues(graph, threadId).catch(() => ({}));
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener('abort', stop);
  }
  return { values, usage: withCost(context.usage), error };
}

/**
 * A run that stopped after it had changed bookings (a booking made, then the server stopped
 * before the model could answer): telling the customer to "send the message again" would hide
 * what happened. The error says what was done, and the thread's stored conversation gets the
 * same words as the assistant's answer, so the customer (and the model, next turn) see it.
 */
async function reportCommitted(graph: AgentGraph, threadId: string, error: ConciergeError, committed: readonly string[]): Promise<ConciergeError> {
  const done = committed.join('; ');
  try {
    await graph.updateState({ configurable: { thread_id: threadId } }, { messages: [new AIMessage(`Before the service stopped, this was done and stands: ${done}. No need to ask for it again.`)] }, 'agent');
  } catch {
    // The error below still says it; the conversation lacks the note.
  }
  const message = `${error.message.replace(/; send the message again$/, '')}; before it stopped, the run ${done}: that stands, do not ask for it again`;
  return new ConciergeError(error.code, message, { ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }), details: { committed: [...committed] } });
}

/** The thread's values now (the conversation as stored). */
export async function stateValues(graph: AgentGraph, threadId: string): Promise<Record<string, unknown>> {
  return toWireValues((await graph.getState({ configurable: { thread_id: threadId } })).values);
}

async function streamGraph(graph: AgentGraph, graphInput: unknown, config: Record<string, unknown>, modes: readonly string[], emit: GraphRunInput['emit']): Promise<void> {
  const wantsMessages = modes.includes('messages') || modes.includes('messages-tuple');
  const graphModes = [...new Set(modes.map((m) => (m === 'messages-tuple' ? 'messages' : m)))];
  if (!graphModes.includes('values')) graphModes.push('values');
  // The last `values` event is held back and sent at the end with the run's usage.
  const partials = new Map<string, BaseMessage>();
  const iterator = await graph.stream(graphInput as never, { ...config, streamMode: graphModes as never });
  let pendingValues: unknown;
  for await (const item of iterator as AsyncIterable<[string, unknown]>) {
    const [mode, chunk] = item;
    if (mode === 'values') {
      if (pendingValues !== undefined && modes.includes('values')) emit('values', toWireValues(pendingValues));
      pendingValues = chunk;
    } else if (mode === 'updates') {
      const update: Record<string, unknown> = {};
      for (const [node, value] of Object.entries(chunk as Record<string, unknown>)) update[node] = toWireValues(value);
      emit('updates', update);
    } else if (mode === 'messages' && wantsMessages) {
      const [message, metadata] = chunk as [BaseMessage, Record<string, unknown>];
      if (modes.includes('messages-tuple')) emit('messages', [toWireMessage(message), metadata]);
      if (modes.includes('messages')) {
        const id = message.id ?? 'unknown';
        const previous = partials.get(id);
        if (!previous) emit('messages/metadata', { [id]: { metadata } });
        const merged = previous && 'concat' in previous ? (previous as unknown as { concat(m: BaseMessage): BaseMessage }).concat(message) : message;
        partials.set(id, merged);
        emit('messages/partial', [toWireMessage(merged)]);
      }
    } else if (mode === 'custom' && modes.includes('custom')) {
      emit('custom', chunk);
    }
  }
}
