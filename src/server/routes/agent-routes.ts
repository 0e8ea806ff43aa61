import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GRAPH_ID, type AgentGraph } from '../../agent/graph.js';
import { ConciergeError } from '../../shared/errors.js';
import type { Principal } from '../auth.js';
import { notFound, parseRequest, validationFailed } from '../http-errors.js';
import { runInterrupted } from '../run-errors.js';
import { toWireValues } from '../message-format.js';
import { STREAM_MODES, type RunExecutor, type RunOutcome, type StreamMode } from '../run-executor.js';
import { SseWriter } from '../sse-writer.js';
import { threadExists, type ThreadRecord, type ThreadRegistry } from '../thread-registry.js';

export interface AgentRouteDeps {
  graph: AgentGraph;
  registry: ThreadRegistry;
  executor: RunExecutor;
  maxMessageChars: number;
  principalOf: (request: FastifyRequest) => Principal;
}

const ASSISTANT = {
  assistant_id: GRAPH_ID,
  graph_id: GRAPH_ID,
  name: GRAPH_ID,
  description: 'Books, cancels and reschedules appointments.',
  config: {},
  context: {},
  metadata: {},
  version: 1,
  created_at: new Date(0).toISOString(),
  updated_at: new Date(0).toISOString(),
};

const threadBody = z
  .object({
    thread_id: z.uuid({ error: 'must be a UUID' }).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    if_exists: z.enum(['raise', 'do_nothing']).optional(),
  })
  .loose();

const inputMessage = z
  .object({
    role: z.enum(['user', 'human'], { error: 'only user messages may be sent as input' }).optional(),
    type: z.enum(['human'], { error: 'only user messages may be sent as input' }).optional(),
    content: z.string().min(1, 'must not be empty'),
    id: z.string().max(128).optional(),
  })
  .refine((m) => m.role !== undefined || m.type !== undefined, { message: 'needs role "user"' });

const runBody = z
  .object({
    assistant_id: z.string().min(1, 'must not be empty'),
    input: z.object({ messages: z.array(inputMessage).min(1, 'must hold at least one message').max(20, 'at most 20 messages per run') }, { error: 'must be { messages: [...] }' }),
    multitask_strategy: z.enum(['reject', 'enqueue', 'interrupt', 'rollback']).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    stream_mode: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .loose();

type RunBody = z.output<typeof runBody>;

function threadView(thread: ThreadRecord, values: Record<string, unknown> = {}) {
  return {
    thread_id: thread.thread_id,
    created_at: thread.created_at,
    updated_at: thread.updated_at,
    metadata: thread.metadata,
    status: thread.status,
    values,
    interrupts: {},
    usage: thread.usage,
  };
}

export function registerAgentRoutes(app: FastifyInstance, deps: AgentRouteDeps): void {
  const { graph, registry, executor } = deps;

  /** A thread the caller owns; anybody else's is indistinguishable from a missing one. */
  const ownedThread = async (request: FastifyRequest, threadId: string): Promise<ThreadRecord> => {
    const principal = deps.principalOf(request);
    const thread = await registry.getThread(threadId);
    if (!thread || thread.customer_id !== principal.customerId) throw notFound(`thread ${threadId}`);
    return thread;
  };

  const stateValues = async (threadId: string) => toWireValues((await graph.getState({ configurable: { thread_id: threadId } })).values);

  app.post('/assistants/search', async (request) => {
    const body = (request.body ?? {}) as { graph_id?: string; limit?: number; offset?: number };
    if (body.graph_id && body.graph_id !== GRAPH_ID) return [];
    return (body.offset ?? 0) > 0 ? [] : [ASSISTANT];
  });
  app.get<{ Params: { id: string } }>('/assistants/:id', async (request) => {
    if (request.params.id !== GRAPH_ID) throw notFound(`assistant ${request.params.id}`);
    return ASSISTANT;
  });

  app.post('/threads', async (request) => {
    const body = parseRequest(threadBody, request.body);
    const principal = deps.principalOf(request);
    if (body.thread_id) {
      const existing = await registry.getThread(body.thread_id);
      // Another customer's id answers the same 409 as any taken id, and nothing else about it.
      if (existing && existing.customer_id === principal.customerId && body.if_exists === 'do_nothing') return threadView(existing, await stateValues(existing.thread_id));
      if (existing) throw threadExists(body.thread_id);
    }
    const thread = await registry.createThread({ customerId: principal.customerId, metadata: body.metadata ?? {}, ...(body.thread_id ? { threadId: body.thread_id } : {}) });
    return threadView(thread);
  });

  app.get<{ Params: { threadId: string } }>('/threads/:threadId', async (request) => {
    const thread = await ownedThread(request, request.params.threadId);
    return threadView(thread, await stateValues(thread.thread_id));
  });

  app.get<{ Params: { threadId: string } }>('/threads/:threadId/state', async (request) => {
    const thread = await ownedThread(request, request.params.threadId);
    const snapshot = await graph.getState({ configurable: { thread_id: thread.thread_id } });
    const configurable = (snapshot.config?.configurable ?? {}) as Record<string, unknown>;
    const parent = (snapshot.parentConfig?.configurable ?? undefined) as Record<string, unknown> | undefined;
    return {
      values: toWireValues(snapshot.values),
      next: snapshot.next,
      tasks: [],
      metadata: snapshot.metadata ?? {},
      created_at: snapshot.createdAt ?? null,
      checkpoint: { thread_id: thread.thread_id, checkpoint_ns: configurable.checkpoint_ns ?? '', checkpoint_id: configurable.checkpoint_id ?? null },
      parent_checkpoint: parent ? { thread_id: thread.thread_id, checkpoint_ns: parent.checkpoint_ns ?? '', checkpoint_id: parent.checkpoint_id ?? null } : null,
    };
  });

  /** Validate a run request and start it on the thread (taking the thread's lock). */
  const startRun = async (
    request: FastifyRequest<{ Params: { threadId: string } }>,
    reply: FastifyReply,
    body: RunBody,
    stream?: { modes: StreamMode[]; send: (e: string, d: unknown) => void },
    background = false,
  ) => {
    const thread = await ownedThread(request, request.params.threadId);
    if (body.assistant_id !== GRAPH_ID) throw notFound(`assistant ${body.assistant_id}`);
    const strategy = body.multitask_strategy ?? 'reject';
    if (strategy !== 'reject' && strategy !== 'enqueue') throw validationFailed(`multitask_strategy "${strategy}" is not supported; use "reject" or "enqueue"`);
    for (const message of body.input.messages) {
      if (message.content.length > deps.maxMessageChars) {
        throw new ConciergeError('PAYLOAD_TOO_LARGE', `a message may hold at most ${deps.maxMessageChars} characters (got ${message.content.length})`);
      }
    }
    const controller = new AbortController();
    // Only a caller still waiting for the thread's lock is dropped when it goes away; a run
    // that has started finishes and is recorded, so its bookings are never half done.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort(new ConciergeError('CLIENT_CLOSED', 'the client went away while waiting for the thread'));
    });
    return executor.start({
      thread,
      customerId: thread.customer_id,
      assistantId: GRAPH_ID,
      messages: body.input.messages.map((m) => ({ role: 'user', content: m.content, id: m.id })),
      metadata: body.metadata ?? {},
      multitaskStrategy: strategy,
      signal: controller.signal,
      background,
      requestId: request.id,
      ...(stream ? { stream } : {}),
    });
  };

  const answer = (outcome: RunOutcome) => {
    if (outcome.error) throw outcome.error;
    return { ...outcome.values, usage: outcome.usage };
  };

  app.post<{ Params: { threadId: string } }>('/threads/:threadId/runs/wait', async (request, reply) => {
    const body = parseRequest(runBody, request.body);
    const { run, done } = await startRun(request, reply, body);
    void reply.header('content-location', `/threads/${run.thread_id}/runs/${run.run_id}`);
    return answer(await done);
  });

  app.post<{ Params: { threadId: string } }>('/threads/:threadId/runs/stream', async (request, reply) => {
    const body = parseRequest(runBody, request.body);
    const requested = body.stream_mode === undefined ? ['values'] : Array.isArray(body.stream_mode) ? body.stream_mode : [body.stream_mode];
    const unknown = requested.filter((m) => !(STREAM_MODES as readonly string[]).includes(m));
    if (unknown.length > 0) throw validationFailed(`stream_mode ${unknown.join(', ')} is not supported; use ${STREAM_MODES.join(', ')}`);
    const writer = new SseWriter(reply);
    const { run, done } = await startRun(request, reply, body, { modes: requested as StreamMode[], send: writer.send });
    writer.open({ 'content-location': `/threads/${run.thread_id}/runs/${run.run_id}`, 'x-request-id': request.id });
    try {
      await done;
    } catch (error) {
      // The executor reports run failures as events; this is anything else, after the headers.
      request.log.error({ err: error }, 'stream failed');
      const internal = new ConciergeError('INTERNAL', 'internal server error');
      writer.send('error', { error: internal.code, message: internal.message });
    } finally {
      writer.end();
    }
    return reply;
  });

  app.post<{ Params: { threadId: string } }>('/threads/:threadId/runs', async (request, reply) => {
    const body = parseRequest(runBody, request.body);
    const { run, done } = await startRun(request, reply, body, undefined, true);
    done.catch((error: unknown) => request.log.error({ err: error }, 'background run failed'));
    return run;
  });

  app.get<{ Params: { threadId: string }; Querystring: { limit?: string; offset?: string } }>('/threads/:threadId/runs', async (request) => {
    const thread = await ownedThread(request, request.params.threadId);
    const limit = Math.min(Math.max(Number(request.query.limit ?? 10) || 10, 1), 100);
    const offset = Math.max(Number(request.query.offset ?? 0) || 0, 0);
    return registry.listRuns(thread.thread_id, limit, offset);
  });

  app.get<{ Params: { threadId: string; runId: string } }>('/threads/:threadId/runs/:runId', async (request) => {
    const thread = await ownedThread(request, request.params.threadId);
    const run = await registry.getRun(thread.thread_id, request.params.runId);
    if (!run) throw notFound(`run ${request.params.runId}`);
    return run;
  });

  app.get<{ Params: { threadId: string; runId: string } }>('/threads/:threadId/runs/:runId/join', async (request) => {
    const thread = await ownedThread(request, request.params.threadId);
    const running = executor.join(thread.thread_id, request.params.runId);
    if (running) return answer(await running);
    const run = await registry.getRun(thread.thread_id, request.params.runId);
    if (!run) throw notFound(`run ${request.params.runId}`);
    if (run.error) throw ConciergeError.fromRecord(run.error);
    if (run.status === 'running') {
      // Recorded as running but not running here: its process stopped before finishing it.
      throw runInterrupted(`run ${run.run_id} did not finish; send the message again`);
    }
    const current = await registry.getThread(thread.thread_id);
    return { ...(await stateValues(thread.thread_id)), usage: { run: run.usage, thread: current?.usage } };
  });
}
