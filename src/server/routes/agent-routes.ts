import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GRAPH_ID, type AgentGraph } from '../../agent/graph.js';
import { ConciergeError } from '../../shared/errors.js';
import type { Principal } from '../auth.js';
import { notFound, parseRequest, validationFailed } from '../http-errors.js';
import { pagingQuery } from '../query-fields.js';
import { boundedJsonObject } from '../bounded-json.js';
import { toWireValues } from '../message-format.js';
import { STREAM_MODES, type RunExecutor, type StreamMode } from '../run-executor.js';
import { ThreadOwners, type ThreadRef } from '../thread-owners.js';
import { isEnd } from '../../cluster/run-event-log.js';
import { SseWriter } from '../sse-writer.js';
import { threadExists, type RunRecord, type RunStore, type ThreadRecord } from '../../store/run-store.js';

export interface AgentRouteDeps {
  graph: AgentGraph;
  store: RunStore;
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
    metadata: boundedJsonObject().optional(),
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
    metadata: boundedJsonObject().optional(),
    config: boundedJsonObject().optional(),
    stream_mode: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .loose();

type RunBody = z.output<typeof runBody>;

const runsQuery = z.object(pagingQuery(100)).loose();

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
  const { graph, store, executor } = deps;

  const owners = new ThreadOwners();

  /** A thread the caller owns; anybody else's is indistinguishable from a missing one. */
  const ownedThread = async (request: FastifyRequest, threadId: string): Promise<ThreadRecord> => {
    const principal = deps.principalOf(request);
    const thread = await store.getThread(threadId);
    if (!thread || thread.customer_id !== principal.customerId) throw notFound(`thread ${threadId}`);
    owners.remember(thread);
    return thread;
  };

  /** The same check for a message, from memory when this replica has seen the thread before. */
  const ownedThreadRef = async (request: FastifyRequest, threadId: string): Promise<ThreadRef> => {
    const owner = owners.ownerOf(threadId);
    if (owner === undefined) return ownedThread(request, threadId);
    if (owner !== deps.principalOf(request).customerId) throw notFound(`thread ${threadId}`);
    return { thread_id: threadId, customer_id: owner };
  };

  /** A run of a thread the caller owns; anybody else's is indistinguishable from a missing one. */
  const ownedRun = async (request: FastifyRequest<{ Params: { threadId: string; runId: string } }>): Promise<RunRecord> => {
    const thread = await ownedThread(request, request.params.threadId);
    const run = await store.getRun(thread.thread_id, request.params.runId);
    if (!run) throw notFound(`run ${request.params.runId}`);
    return run;
  };

  /**
   * A message whose id a message of the thread already has would replace it (LangGraph's
   * messages reducer merges by id): an AI tool call replaced that way leaves the thread
   * unusable. Refused with 409 instead; a message without an id gets a fresh one.
   */
  const refuseTakenMessageIds = async (threadId: string, messages: ReadonlyArray<{ id?: string | undefined }>) => {
    const given = messages.map((m) => m.id).filter((id): id is string => id !== undefined);
    if (given.length === 0) return;
    const seen = new Set<string>();
    for (const id of given) {
      if (seen.has(id)) throw messageIdTaken(id, 'another message of this run');
      seen.add(id);
    }
    const values = (await graph.getState({ configurable: { thread_id: threadId } })).values as { messages?: Array<{ id?: unknown }> };
    const taken = new Set((values.messages ?? []).map((m) => m.id));
    const clash = given.find((id) => taken.has(id));
    if (clash !== undefined) throw messageIdTaken(clash, 'a message of this thread');
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
      const existing = await store.getThread(body.thread_id);
      // Another customer's id answers the same 409 as any taken id, and nothing else about it.
      if (existing && existing.customer_id === principal.customerId && body.if_exists === 'do_nothing') return threadView(existing, await stateValues(existing.thread_id));
      if (existing) throw threadExists(body.thread_id);
    }
    // Two creates of the same id at once: the primary key decides, the loser gets 409.
    const thread = await store.createThread({ customerId: principal.customerId, metadata: body.metadata ?? {}, ...(body.thread_id ? { threadId: body.thread_id } : {}) });
    owners.remember(thread);
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

  /** Validate a run request and create the run on the thread: started here, or queued. */
  const startRun = async (request: FastifyRequest<{ Params: { threadId: string } }>, reply: FastifyReply, body: RunBody, modes: StreamMode[], background: boolean) => {
    const thread = await ownedThreadRef(request, request.params.threadId);
    if (body.assistant_id !== GRAPH_ID) throw notFound(`assistant ${body.assistant_id}`);
    const strategy = body.multitask_strategy ?? 'reject';
    if (strategy !== 'reject' && strategy !== 'enqueue') throw validationFailed(`multitask_strategy "${strategy}" is not supported; use "reject" or "enqueue"`);
    for (const message of body.input.messages) {
      if (message.content.length > deps.maxMessageChars) {
        throw new ConciergeError('PAYLOAD_TOO_LARGE', `a message may hold at most ${deps.maxMessageChars} characters (got ${message.content.length})`);
      }
    }
    await refuseTakenMessageIds(thread.thread_id, body.input.messages);
    return executor.start({
      thread,
      assistantId: GRAPH_ID,
      messages: body.input.messages.map((m) => ({ role: 'user', content: m.content, ...(m.id ? { id: m.id } : {}) })),
      metadata: body.metadata ?? {},
      multitaskStrategy: strategy,
      streamModes: modes,
      background,
      requestId: request.id,
      ...(background ? {} : { signal: clientGone(reply) }),
    });
  };

  app.post<{ Params: { threadId: string } }>('/threads/:threadId/runs/wait', async (request, reply) => {
    const body = parseRequest(runBody, request.body);
    const run = await startRun(request, reply, body, [], false);
    void reply.header('content-location', `/threads/${run.thread_id}/runs/${run.run_id}`);
    const answer = await executor.answer(run.thread_id, run.run_id, clientGone(reply));
    return { ...answer.values, usage: answer.usage };
  });

  app.post<{ Params: { threadId: string } }>('/threads/:threadId/runs/stream', async (request, reply) => {
    const body = parseRequest(runBody, request.body);
    const modes = streamModes(body.stream_mode, ['values']);
    const run = await startRun(request, reply, body, modes, false);
    await streamRun(reply, run, modes);
    return reply;
  });

  app.post<{ Params: { threadId: string } }>('/threads/:threadId/runs', async (request, reply) => {
    const body = parseRequest(runBody, request.body);
    return startRun(request, reply, body, streamModes(body.stream_mode, []), true);
  });

  /** Follow a run's events onto an SSE response; the run may execute on any replica. */
  const streamRun = async (reply: FastifyReply, run: RunRecord, modes: StreamMode[], after = 0) => {
    const path = `/threads/${run.thread_id}/runs/${run.run_id}`;
    const writer = new SseWriter(reply);
    // Location: a client whose connection is cut resumes here, on any replica, after its Last-Event-ID.
    writer.open({ 'content-location': path, location: `${path}/stream`, 'x-request-id': reply.request.id });
    let sawMetadata = after > 0;
    let sawError = false;
    try {
      for await (const event of executor.events(run.thread_id, run.run_id, clientGone(reply))) {
        if (isEnd(event)) {
          // What the executing replica did not send (it died, there is no relay, or the run
          // streamed other modes) comes from the record and the stored state.
          const end = event.data;
          if (!sawMetadata) writer.send('metadata', { run_id: run.run_id, thread_id: run.thread_id, attempt: 1 });
          if (end.error && !sawError) writer.send('error', { error: end.error.code, message: end.error.message, ...(end.error.retryAfterMs === undefined ? {} : { retry_after_ms: end.error.retryAfterMs }) });
          else if (!end.error && !end.finalValues && modes.includes('values')) {
            const answer = await executor.answer(run.thread_id, run.run_id);
            writer.send('values', { ...answer.values, usage: answer.usage });
          }
          // The run is over (LangGraph's `end`): a client that resumes streams knows not to.
          writer.send('end', null);
          break;
        }
        if (event.event === 'error') sawError = true;
        if (event.event === 'metadata') sawMetadata = true;
        if (event.id !== undefined && event.id <= after) continue;
        writer.send(event.event, event.data, event.id);
      }
    } catch (error) {
      // Anything but a run failure (those are events), after the headers went out.
      reply.log.error({ err: error }, 'stream failed');
      const internal = new ConciergeError('INTERNAL', 'internal server error');
      writer.send('error', { error: internal.code, message: internal.message });
    } finally {
      writer.end();
    }
  };

  app.get<{ Params: { threadId: string }; Querystring: { limit?: string; offset?: string } }>('/threads/:threadId/runs', async (request) => {
    const thread = await ownedThread(request, request.params.threadId);
    const { limit = 10, offset = 0 } = parseRequest(runsQuery, request.query);
    return store.listRuns(thread.thread_id, limit, offset);
  });

  // An interrupted run answers 200 with its record (status `interrupted`, error RUN_INTERRUPTED):
  // this is where a client looks at what happened, and the SDK retries any 5xx of a GET.
  app.get<{ Params: { threadId: string; runId: string } }>('/threads/:threadId/runs/:runId', async (request) => ownedRun(request));

  app.get<{ Params: { threadId: string; runId: string } }>('/threads/:threadId/runs/:runId/join', async (request, reply) => {
    const run = await ownedRun(request);
    const answer = await executor.answer(run.thread_id, run.run_id, clientGone(reply));
    return { ...answer.values, usage: answer.usage };
  });

  app.get<{ Params: { threadId: string; runId: string }; Querystring: { stream_mode?: string | string[] } }>('/threads/:threadId/runs/:runId/stream', async (request, reply) => {
    const run = await ownedRun(request);
    // A run that already failed answers with its error, as join does (503 RUN_INTERRUPTED, ...).
    if (run.error && run.status !== 'pending' && run.status !== 'running') throw ConciergeError.fromRecord(run.error);
    const lastEventId = Number(request.headers['last-event-id']);
    await streamRun(reply, run, streamModes(request.query.stream_mode, ['values']), Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0);
    return reply;
  });

  app.post<{ Params: { threadId: string; runId: string }; Querystring: { wait?: string } }>('/threads/:threadId/runs/:runId/cancel', async (request, reply) => {
    const owned = await ownedRun(request);
    const run = await executor.cancel(owned.thread_id, owned.run_id);
    if (!run) throw notFound(`run ${owned.run_id}`);
    if (request.query.wait === '1' || request.query.wait === 'true') {
      for await (const event of executor.events(run.thread_id, run.run_id, clientGone(reply))) if (isEnd(event)) break;
      return (await store.getRun(run.thread_id, run.run_id)) ?? run;
    }
    return run;
  });
}

/** Aborts when the client goes away before its answer was sent. */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new ConciergeError('CLIENT_CLOSED', 'the client went away'));
  });
  return controller.signal;
}

/** `stream_mode` as a list of known modes; a default when absent. */
function streamModes(given: string | string[] | undefined, fallback: StreamMode[]): StreamMode[] {
  const requested = given === undefined ? fallback : Array.isArray(given) ? given : [given];
  const unknown = requested.filter((m) => !(STREAM_MODES as readonly string[]).includes(m));
  if (unknown.length > 0) throw validationFailed(`stream_mode ${unknown.join(', ')} is not supported; use ${STREAM_MODES.join(', ')}`);
  return [...new Set(requested)] as StreamMode[];
}

function messageIdTaken(id: string, holder: string): ConciergeError {
  return new ConciergeError('MESSAGE_ID_TAKEN', `message id ${JSON.stringify(id)} is already used by ${holder}; leave id out to have one assigned`);
}
