import { describe, expect, it } from 'vitest';
import { savedFor } from '../shared/saved.js';
import { ChatSession, type AgentClient } from './chat-session.js';
import type { WireMessage } from './transcript.js';

type Step = (input: { id: string; content: string }) => AsyncGenerator<{ event: string; data: unknown }>;

/** A fake agent: the thread's messages, and one scripted behaviour per stream call. */
function fakeClient(steps: Step[]) {
  const messages: WireMessage[] = [];
  const calls = { stream: 0, join: 0, list: 0 };
  const answer = (input: { id: string; content: string }) => {
    messages.push({ type: 'human', id: input.id, content: input.content }, { type: 'ai', id: `ai-${messages.length}`, content: `Answer to ${input.content}` });
  };
  const client: AgentClient = {
    threads: {
      create: async () => ({ thread_id: 't1' }),
      getState: async () => ({ values: { messages: [...messages] } }),
    },
    runs: {
      stream: (_thread, _assistant, payload) => {
        const input = (payload.input as { messages: Array<{ id: string; content: string }> }).messages[0]!;
        return steps[calls.stream++]!(input);
      },
      join: async () => {
        calls.join += 1;
        return {};
      },
      list: async () => {
        calls.list += 1;
        return [{ run_id: 'r1', status: 'success' }];
      },
    },
  };
  return { client, calls, messages, answer };
}

const busy = (retryAfterMs?: number) => Object.assign(new Error('HTTP 503'), { status: 503, text: JSON.stringify({ code: 'OVERLOADED', message: 'busy' }), response: { headers: new Headers(retryAfterMs === undefined ? {} : { 'retry-after-ms': String(retryAfterMs) }) } });

function session(client: AgentClient, slept: number[] = []) {
  return new ChatSession({
    client,
    saved: savedFor('http://test', undefined),
    threadKey: 'thread',
    sleep: async (ms) => {
      slept.push(ms);
    },
    now: () => 0,
  });
}

describe('ChatSession', () => {
  it('streams an answer: tokens first, then the values that replace them', async () => {
    const fake = fakeClient([]);
    const seen: string[] = [];
    fake.client.runs.stream = (_t, _a, payload) =>
      (async function* () {
        const input = (payload.input as { messages: Array<{ id: string; content: string }> }).messages[0]!;
        yield { event: 'metadata', data: { run_id: 'r1' } };
        for (const token of ['Hel', 'lo']) yield { event: 'messages', data: [{ type: 'AIMessageChunk', id: 'a', content: token }, {}] };
        fake.answer(input);
        yield { event: 'values', data: { messages: fake.messages } };
      })();
    const chat = session(fake.client);
    chat.subscribe((s) => seen.push(s.live.map((m) => m.content).join('|')));
    await chat.open();
    await chat.send('Hi');
    expect(seen).toContain('Hel');
    expect(seen).toContain('Hello');
    expect(chat.state).toMatchObject({ busy: false, live: [], pending: undefined, notice: undefined });
    expect(chat.state.messages.map((m) => m.type)).toEqual(['human', 'ai']);
  });

  it('waits as long as Retry-After says and tries a busy server once more, then gives the text back', async () => {
    const slept: number[] = [];
    const fake = fakeClient([
      async function* () {
        throw busy(1500);
      },
      async function* () {
        throw busy(2500);
      },
    ]);
    const chat = session(fake.client, slept);
    await chat.open();
    await chat.send('Book me in');
    expect(fake.calls.stream).toBe(2);
    expect(slept).toEqual([1500]);
    expect(chat.state.notice).toMatchObject({ kind: 'failed', failure: { code: 'OVERLOADED', retryAfterMs: 2500 } });
    expect(chat.state.unsent).toBe('Book me in');
  });

  it('after a connection lost mid-answer, joins the run instead of sending the message again', async () => {
    const fake = fakeClient([
      async function* (input) {
        yield { event: 'metadata', data: { run_id: 'r1' } };
        // The server has the message and answers it; this client never hears the end.
        fake.answer(input);
        throw new TypeError('network error');
      },
    ]);
    const chat = session(fake.client);
    await chat.open();
    await chat.send('Move my booking');
    expect(fake.calls).toEqual({ stream: 1, join: 1, list: 0 });
    expect(chat.state.notice).toBeUndefined();
    expect(chat.state.messages.filter((m) => m.type === 'human')).toHaveLength(1);
    expect(chat.state.messages.at(-1)?.content).toBe('Answer to Move my booking');
  });

  it('sends again, once, a message the server never received', async () => {
    const fake = fakeClient([
      async function* () {
        throw new TypeError('Failed to fetch');
      },
      async function* (input) {
        fake.answer(input);
        yield { event: 'values', data: { messages: fake.messages } };
      },
    ]);
    const chat = session(fake.client);
    await chat.open();
    await chat.send('Hello?');
    expect(fake.calls.stream).toBe(2);
    expect(fake.messages.filter((m) => m.type === 'human')).toHaveLength(1);
    expect(chat.state.pending).toBeUndefined();
  });

  it('treats a failed run the server reports in the stream like a refusal, with its retry hint', async () => {
    const slept: number[] = [];
    const fake = fakeClient([
      async function* () {
        yield { event: 'error', data: { error: 'OVERLOADED', message: 'shed', retry_after_ms: 700 } };
      },
      async function* () {
        yield { event: 'error', data: { error: 'RUN_TIMEOUT', message: 'too slow' } };
      },
    ]);
    const chat = session(fake.client, slept);
    await chat.open();
    await chat.send('Anything free?');
    expect(slept).toEqual([700]);
    expect(chat.state.notice).toMatchObject({ kind: 'failed', failure: { code: 'RUN_TIMEOUT' } });
  });
});
