import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newThread, say } from './helpers/conversation.js';
import { findOpenDate, startTestServer, type TestServer } from './helpers/test-server.js';

interface RunValues {
  messages: Array<{ type?: string; content: string }>;
  usage: { run: { llmCalls: number } };
}

interface AgentStats {
  agent: { profile: string; templatedAnswers: number; truncationRetries: number; answerCache: { hits: number; misses: number } };
}

async function ask(server: TestServer, content: string, customer = 'ada'): Promise<{ answer: string; llmCalls: number }> {
  const thread = await newThread(server.url, customer);
  const response = await say(server.url, thread, content, customer);
  expect(response.status).toBe(200);
  const values = (await response.json()) as RunValues;
  return { answer: values.messages.at(-1)!.content, llmCalls: values.usage.run.llmCalls };
}

async function agentStats(server: TestServer): Promise<AgentStats['agent']> {
  return ((await (await fetch(`${server.url}/stats`)).json()) as AgentStats).agent;
}

/** The lean agent end to end, against the embedded simulator through the real OpenAI SDK. */
describe('lean agent', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ answerCache: 'off' });
  }, 60_000);
  afterAll(async () => server?.stop());

  it('answers a booking from the tool result in one LLM call, with its facts', async () => {
    const date = await findOpenDate(server.url, 'classic-haircut', '10:00');
    const before = await agentStats(server);
    const { answer, llmCalls } = await ask(server, `Please book a Classic haircut on ${date} at 10:00.`, 'lean-booker');
    expect(answer).toMatch(/BK-[A-Z0-9]{6}/);
    for (const fact of ['Classic haircut', '10:00', '$35']) expect(answer).toContain(fact);
    expect(llmCalls).toBe(1);
    expect((await agentStats(server)).templatedAnswers).toBe(before.templatedAnswers + 1);
  });

  it('leaves open-ended questions to the model', async () => {
    const before = await agentStats(server);
    const { answer, llmCalls } = await ask(server, 'Can you tell me something about the weather and good restaurants nearby?', 'lean-chatter');
    expect(llmCalls).toBe(1);
    expect(answer.length).toBeGreaterThan(0);
    expect(answer).not.toMatch(/BK-|open times/);
    expect((await agentStats(server)).templatedAnswers).toBe(before.templatedAnswers);
  });
});

describe('a step cut off by its small completion limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ answerCache: 'off', stepMaxTokens: 32 });
  }, 60_000);
  afterAll(async () => server?.stop());

  it('is asked again once with the full limit, and the retry is counted', async () => {
    // Listing eight services takes far more than 32 tokens.
    const { answer, llmCalls } = await ask(server, 'Hi! What services do you offer?', 'lean-truncated');
    expect(llmCalls).toBe(2);
    for (const service of ['Classic haircut', 'Express facial']) expect(answer).toContain(service);
    expect((await agentStats(server)).truncationRetries).toBe(1);
  });
});
