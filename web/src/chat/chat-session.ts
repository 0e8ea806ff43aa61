import { apiErrorFrom, isNetworkFailure } from '../shared/api-error.js';
import type { Saved } from '../shared/saved.js';
import { DEFAULT_BUSY_WAIT_MS, isBusy, type Failure } from './error-words.js';
import { textOf, type WireMessage } from './transcript.js';

/** The part of `@langchain/langgraph-sdk`'s Client the chat uses, so tests can hand in a fake. */
export interface AgentClient {
  threads: {
    create(): Promise<{ thread_id: string }>;
    getState(threadId: string): Promise<{ values: unknown }>;
  };
  runs: {
    stream(threadId: string, assistantId: string, payload: Record<string, unknown>): AsyncIterable<{ event: string; data: unknown }>;
    join(threadId: string, runId: string): Promise<unknown>;
    list(threadId: string, options: { limit: number }): Promise<Array<{ run_id: string; status: string }>>;
  };
}

export type Notice =
  | { kind: 'busy'; retryAt: number }
  | { kind: 'reconnecting' }
  | { kind: 'failed'; failure: Failure };

export interface ChatState {
  threadId: string | undefined;
  /** The thread's messages as last reported by the server. */
  messages: WireMessage[];
  /** Messages streamed since then (answers being written, tool results). */
  live: WireMessage[];
  /** The visitor's message until the server's state includes it. */
  pending: { id: string; text: string } | undefined;
  busy: boolean;
  notice: Notice | undefined;
  /** Text to put back in the message box because it could not be sent. */
  unsent: string | undefined;
  /** The server refused the key: the page must ask for one. */
  needsKey: boolean;
}

export interface ChatSessionOptions {
  client: AgentClient;
  saved: Saved;
  /** Where this visitor's thread id is kept (one per customer). */
  threadKey: string;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  newId?: () => string;
  /** Reconnect backoff: first wait and cap, ms. */
  reconnect?: { firstMs: number; maxMs: number };
  /** Resolves early when the browser says it is back online. */
  online?: () => Promise<void>;
}

const ASSISTANT = 'concierge';

class RunFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

function failureOf(error: unknown): Failure | undefined {
  if (error instanceof RunFailure) return error.failure;
  // The SDK's HTTPError: status, body text, and the response for its headers.
  const e = error as { status?: unknown; text?: unknown; response?: { headers: Headers } };
  if (typeof e?.status === 'number' && e.status >= 400) {
    const api = apiErrorFrom(e.status, typeof e.text === 'string' ? e.text : '', e.response?.headers ?? new Headers());
    return { code: api.code, message: api.message, status: api.status, retryAfterMs: api.retryAfterMs };
  }
  return undefined;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * One visitor's conversation with the agent: the thread (kept across reloads), streaming a
 * message's answer token by token, and what to do when things go wrong. A busy server
 * (503 OVERLOADED, with Retry-After) is tried again once, by itself, when it said to; a lost
 * connection is retried until it comes back, without ever sending a message twice: the
 * message carries an id, and the thread's state says whether the server already has it.
 */
export class ChatSession {
  readonly #o: Required<Omit<ChatSessionOptions, 'online'>> & Pick<ChatSessionOptions, 'online'>;
  #state: ChatState = { threadId: undefined, messages: [], live: [], pending: undefined, busy: false, notice: undefined, unsent: undefined, needsKey: false };
  readonly #listeners = new Set<(state: ChatState) => void>();
  #firstTokenMarked = false;

  constructor(options: ChatSessionOptions) {
    this.#o = {
      sleep: defaultSleep,
      now: () => Date.now(),
      newId: () => crypto.randomUUID(),
      reconnect: { firstMs: 1000, maxMs: 10_000 },
      ...options,
    };
  }

  get state(): ChatState {
    return this.#state;
  }

  subscribe(listener: (state: ChatState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(patch: Partial<ChatState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const listener of this.#listeners) listener(this.#state);
  }

  /** Resume the saved thread, or start one. */
  async open(): Promise<void> {
    const saved = this.#o.saved.get(this.#o.threadKey);
    if (saved) {
      try {
        const state = await this.#o.client.threads.getState(saved);
        this.#set({ threadId: saved, messages: messagesOf(state.values), live: [] });
        return;
      } catch (error) {
        if (this.#handleAuth(error)) return;
        // Gone (another database, another customer): start afresh below. Anything else
        // (the server away or failing) is not a reason to drop the conversation.
        if (failureOf(error)?.status !== 404) throw error;
      }
    }
    await this.newConversation();
  }

  async newConversation(): Promise<void> {
    try {
      const thread = await this.#o.client.threads.create();
      this.#o.saved.set(this.#o.threadKey, thread.thread_id);
      this.#set({ threadId: thread.thread_id, messages: [], live: [], pending: undefined, notice: undefined });
    } catch (error) {
      if (!this.#handleAuth(error)) throw error;
    }
  }

  /** Send a message and stream its answer. Never throws: failures end up in `state.notice`. */
  async send(text: string): Promise<void> {
    const content = text.trim();
    if (!content || this.#state.busy) return;
    if (!this.#state.threadId) await this.open().catch(() => undefined);
    const threadId = this.#state.threadId;
    if (!threadId) {
      this.#set({ notice: { kind: 'reconnecting' }, unsent: content });
      return;
    }
    const id = this.#o.newId();
    this.#firstTokenMarked = false;
    this.#set({ pending: { id, text: content }, busy: true, notice: undefined, unsent: undefined });
    let busyRetried = false;
    try {
      for (;;) {
        try {
          await this.#streamOnce(threadId, id, content);
          this.#set({ notice: undefined });
          return;
        } catch (error) {
          const failure = failureOf(error);
          if (failure && isBusy(failure) && !busyRetried) {
            busyRetried = true;
            const waitMs = failure.retryAfterMs ?? DEFAULT_BUSY_WAIT_MS;
            this.#set({ notice: { kind: 'busy', retryAt: this.#o.now() + waitMs } });
            await this.#o.sleep(waitMs);
            continue;
          }
          if (!failure && isNetworkFailure(error)) {
            await this.#recover(threadId, id, content);
            return;
          }
          this.#fail(failure ?? { code: 'CLIENT_ERROR', message: error instanceof Error ? error.message : String(error) }, content);
          return;
        }
      }
    } finally {
      this.#set({ busy: false });
    }
  }

  #runId: string | undefined;

  async #streamOnce(threadId: string, messageId: string, content: string): Promise<void> {
    this.#runId = undefined;
    const events = this.#o.client.runs.stream(threadId, ASSISTANT, {
      input: { messages: [{ role: 'user', content, id: messageId }] },
      streamMode: ['messages-tuple', 'values'],
      // Wait behind a run still finishing (after a reload, say) instead of being refused.
      multitaskStrategy: 'enqueue',
      onRunCreated: (meta: { run_id: string }) => {
        this.#runId = meta.run_id;
      },
    });
    for await (const { event, data } of events) {
      if (event === 'metadata') this.#runId = (data as { run_id?: string }).run_id ?? this.#runId;
      else if (event === 'messages') this.#onMessageChunk((data as [WireMessage, unknown])[0]);
      else if (event === 'values') this.#onValues(data);
      else if (event === 'error') {
        const d = data as { error?: string; message?: string; retry_after_ms?: number };
        throw new RunFailure({ code: d.error ?? 'AGENT_ERROR', message: d.message ?? 'the run failed', retryAfterMs: d.retry_after_ms });
      }
    }
  }

  #onMessageChunk(chunk: WireMessage): void {
    if (!chunk || typeof chunk !== 'object') return;
    const live = [...this.#state.live];
    if (chunk.type === 'AIMessageChunk' || chunk.type === 'ai') {
      const delta = textOf(chunk.content);
      if (delta && !this.#firstTokenMarked) {
        this.#firstTokenMarked = true;
        // Read by the browser test: from here to the text appearing in the page.
        performance.mark('concierge:first-token');
      }
      const at = live.findIndex((m) => m.id !== undefined && m.id === chunk.id);
      if (at >= 0) live[at] = { ...live[at]!, content: textOf(live[at]!.content) + delta };
      else live.push({ type: 'ai', id: chunk.id, content: delta });
    } else if (chunk.type === 'tool') {
      live.push(chunk);
    }
    this.#set({ live });
  }

  #onValues(values: unknown): void {
    const messages = messagesOf(values);
    const pending = this.#state.pending;
    // Each values event follows a finished step: it holds everything streamed so far.
    this.#set({ messages, live: [], pending: pending && messages.some((m) => m.id === pending.id) ? undefined : pending });
  }

  /**
   * The connection dropped. Wait for the server to answer again, then find out what became of
   * the message: still running (join it), answered (show it), or never received (send again).
   */
  async #recover(threadId: string, messageId: string, content: string): Promise<void> {
    this.#set({ notice: { kind: 'reconnecting' } });
    let waitMs = this.#o.reconnect.firstMs;
    for (;;) {
      const online = this.#o.online?.();
      const abort = new AbortController();
      await Promise.race([this.#o.sleep(waitMs, abort.signal), online]);
      abort.abort();
      waitMs = Math.min(waitMs * 2, this.#o.reconnect.maxMs);
      try {
        const state = await this.#o.client.threads.getState(threadId);
        if (!messagesOf(state.values).some((m) => m.id === messageId)) {
          // The server never saw it: send it now, with the same id.
          this.#set({ notice: undefined });
          await this.#streamOnce(threadId, messageId, content);
          return;
        }
        const runId = this.#runId ?? (await this.#o.client.runs.list(threadId, { limit: 1 }))[0]?.run_id;
        if (runId) await this.#o.client.runs.join(threadId, runId);
        this.#onValues((await this.#o.client.threads.getState(threadId)).values);
        this.#set({ notice: undefined });
        return;
      } catch (error) {
        if (isNetworkFailure(error) && !failureOf(error)) continue;
        const failure = failureOf(error);
        this.#fail(failure ?? { code: 'CLIENT_ERROR', message: String(error) }, content);
        return;
      }
    }
  }

  #fail(failure: Failure, content: string): void {
    const pending = this.#state.pending;
    const accepted = pending !== undefined && this.#state.messages.some((m) => m.id === pending.id);
    // A message the server never took goes back into the box, so nothing typed is lost.
    this.#set({ notice: { kind: 'failed', failure }, pending: undefined, live: [], unsent: accepted ? undefined : content, needsKey: failure.code === 'UNAUTHENTICATED' });
  }

  #handleAuth(error: unknown): boolean {
    const failure = failureOf(error);
    if (failure?.code !== 'UNAUTHENTICATED') return false;
    this.#set({ needsKey: true, notice: { kind: 'failed', failure } });
    return true;
  }

  /** The message box took back the unsent text. */
  clearUnsent(): void {
    if (this.#state.unsent !== undefined) this.#set({ unsent: undefined });
  }

  dismissNotice(): void {
    this.#set({ notice: undefined });
  }
}

function messagesOf(values: unknown): WireMessage[] {
  const messages = (values as { messages?: unknown } | null)?.messages;
  return Array.isArray(messages) ? (messages as WireMessage[]) : [];
}
