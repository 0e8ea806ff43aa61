import { Client } from '@langchain/langgraph-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpenDate, startTestServer, type TestServer } from './helpers/test-server.js';

interface WireMessage {
  type: string;
  content: unknown;
  tool_calls?: Array<{ name: string; args: Record<string, unknown> }>;
}
interface RunValues {
  messages: WireMessage[];
  usage: { run: { llmCalls: number; toolCalls: number; promptTokens: number; completionTokens: number; costUsd: number }; thread: { llmCalls: number } };
}

const lastText = (values: RunValues) => String(values.messages.at(-1)?.content ?? '');
const toolNames = (messages: WireMessage[]) => messages.flatMap((m) => m.tool_calls ?? []).map((c) => c.name);

describe('agent server with the official LangGraph SDK client', () => {
  let server: TestServer;
  let client: Client;

  beforeAll(async () => {
    server = await startTestServer();
    client = new Client({ apiUrl: server.url, defaultHeaders: { 'x-customer-id': 'alice' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('finds the concierge assistant', async () => {
    const assistants = await client.assistants.search({ graphId: 'concierge' });
    expect(assistants.map((a) => a.assistant_id)).toEqual(['concierge']);
  });

  it('books an appointment through runs.wait, streams a turn, reads the state back, and the owner sees the booking', async () => {
    const date = await findOpenDate(server.url, 'classic-haircut', '10:00');
    const thread = await client.threads.create({ metadata: { purpose: 'test' } });
    expect(thread.thread_id).toMatch(/^[0-9a-f-]{36}$/);

    const first = (await client.runs.wait(thread.thread_id, 'concierge', { input: { messages: [{ role: 'user', content: 'Hi! What services do you offer?' }] } })) as unknown as RunValues;
    // The catalogue is in the system prompt, so the services answer needs no tool call.
    expect(toolNames(first.messages)).not.toContain('list_services');
    expect(lastText(first)).toMatch(/Classic haircut/);
    expect(first.usage.run.llmCalls).toBe(1);
    expect(first.usage.run.toolCalls).toBe(0);
    expect(first.usage.run.promptTokens).toBeGreaterThan(0);
    expect(first.usage.run.costUsd).toBeGreaterThan(0);

    const second = (await client.runs.wait(thread.thread_id, 'concierge', {
      input: { messages: [{ role: 'user', content: `Is a Classic haircut free on ${date} at 10:00?` }] },
    })) as unknown as RunValues;
    // The lean agent looks up the slot a message names before the model's step, so the model
    // answers from it at once (no check_availability call in the thread).
    expect(lastText(second)).toMatch(/10:00/);
    expect(second.usage.run.llmCalls).toBe(1);

    const events: Array<{ event: string; data: unknown }> = [];
    for await (const event of client.runs.stream(thread.thread_id, 'concierge', {
      input: { messages: [{ role: 'user', content: `Please book a Classic haircut on ${date} at 10:00.` }] },
      streamMode: ['values', 'updates', 'messages-tuple'],
    })) {
      events.push(event as { event: string; data: unknown });
    }
    const kinds = new Set(events.map((e) => e.event));
    expect(events[0]?.event).toBe('metadata');
    expect(kinds).toContain('values');
    expect(kinds).toContain('updates');
    expect(kinds).toContain('messages');
    const finalValues = events.filter((e) => e.event === 'values').at(-1)!.data as RunValues;
    expect(finalValues.usage.thread.llmCalls).toBeGreaterThan(first.usage.run.llmCalls);
    const confirmation = lastText(finalValues).match(/BK-[A-Z0-9]{6}/)?.[0];
    expect(confirmation, lastText(finalValues)).toBeDefined();

    const state = await client.threads.getState<{ messages: WireMessage[] }>(thread.thread_id);
    expect(state.values.messages.length).toBe(finalValues.messages.length);
    expect(toolNames(state.values.messages)).toContain('book_appointment');

    const owner = (await (await fetch(`${server.url}/v1/bookings`)).json()) as { bookings: Array<{ code: string; customerId: string; date: string; time: string }> };
    const booking = owner.bookings.find((b) => b.code === confirmation);
    expect(booking).toMatchObject({ customerId: 'alice', date, time: '10:00' });
  });

  it('runs in the background and joins', async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, 'concierge', { input: { messages: [{ role: 'user', content: 'What are my bookings?' }] } });
    expect(run.run_id).toBeTruthy();
    const joined = (await client.runs.join(thread.thread_id, run.run_id)) as unknown as RunValues;
    expect(toolNames(joined.messages)).toContain('list_my_bookings');
    const record = await client.runs.get(thread.thread_id, run.run_id);
    expect(record.status).toBe('success');
  });

  it('rejects a second run on a busy thread with 409 and enqueues when asked', async () => {
    const thread = await client.threads.create();
    const raw = (body: Record<string, unknown>) =>
      fetch(`${server.url}/threads/${thread.thread_id}/runs/wait`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-customer-id': 'alice' },
        body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'What services do you offer?' }] }, ...body }),
      });
    const [a, b] = await Promise.all([raw({}), raw({})]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const busy = a.status === 409 ? a : b;
    expect(await busy.json()).toMatchObject({ code: 'THREAD_BUSY' });

    const both = await Promise.all([raw({ multitask_strategy: 'enqueue' }), raw({ multitask_strategy: 'enqueue' })]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    const state = await client.threads.getState<{ messages: WireMessage[] }>(thread.thread_id);
    // One rejected run added nothing; three served runs each added a human message.
    expect(state.values.messages.filter((m) => m.type === 'human')).toHaveLength(3);
  });
});
