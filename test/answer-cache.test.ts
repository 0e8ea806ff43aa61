import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';
import { newThread, say } from './helpers/conversation.js';
import { dropKeys, freshPrefix, REDIS_URL } from './helpers/redis.js';
import { spawnCliServer, type CliProcess } from './helpers/spawn-cli.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const QUESTION = 'Hi! What services do you offer?';

interface RunValues {
  messages: Array<{ content: string }>;
  usage: { run: { llmCalls: number } };
}

/** One message on a new thread (or `thread`); the answer and the LLM calls it took. */
async function ask(url: string, content = QUESTION, thread?: string): Promise<{ answer: string; llmCalls: number; thread: string }> {
  const id = thread ?? (await newThread(url, 'cache-user'));
  const response = await say(url, id, content, 'cache-user');
  expect(response.status).toBe(200);
  const values = (await response.json()) as RunValues;
  return { answer: values.messages.at(-1)!.content, llmCalls: values.usage.run.llmCalls, thread: id };
}

async function cacheStats(url: string): Promise<{ hits: number; misses: number; stores: number }> {
  return ((await (await fetch(`${url}/stats`)).json()) as { agent: { answerCache: { hits: number; misses: number; stores: number } } }).agent.answerCache;
}

describe('answer cache, in one process', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  }, 60_000);
  afterAll(async () => server?.stop());

  it('answers a repeated first message without the model, and never a later turn', async () => {
    const first = await ask(server.url);
    expect(first.llmCalls).toBe(1);
    const second = await ask(server.url, '  hi!   what SERVICES do you offer? ');
    expect(second.llmCalls).toBe(0);
    expect(second.answer).toBe(first.answer);
    expect(await cacheStats(server.url)).toMatchObject({ hits: 1, stores: 1 });
    // The same words later in a conversation depend on it: the model answers.
    const again = await ask(server.url, QUESTION, first.thread);
    expect(again.llmCalls).toBe(1);
  });
});

describe('answer cache, off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ answerCache: 'off' });
  }, 60_000);
  afterAll(async () => server?.stop());

  it('sends every first message to the model', async () => {
    expect((await ask(server.url)).llmCalls).toBe(1);
    expect((await ask(server.url)).llmCalls).toBe(1);
    expect(await cacheStats(server.url)).toMatchObject({ hits: 0, misses: 0 });
  });
});

describe('answer cache in Redis', () => {
  const prefix = `${freshPrefix()}:`;
  const dir = mkdtempSync(join(tmpdir(), 'concierge-answer-cache-'));
  const businessFile = join(dir, 'business.yaml');
  let sim: SimServer;
  beforeAll(async () => {
    writeFileSync(businessFile, readFileSync(fileURLToPath(new URL('../examples/business.yaml', import.meta.url)), 'utf8'));
    sim = await startSimServer({ port: 0, latency: 'off' });
  }, 60_000);
  afterAll(async () => {
    await sim?.close();
    await dropKeys(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is shared by two server processes', async () => {
    const env = { OPENAI_BASE_URL: `${sim.url}/v1`, OPENAI_API_KEY: 'sim-key', CONCIERGE_REDIS_URL: REDIS_URL, CONCIERGE_REDIS_PREFIX: prefix };
    const servers: CliProcess[] = [];
    try {
      for (const name of ['a', 'b']) servers.push(await spawnCliServer(['serve', '--port', '0', '--db', join(dir, `${name}.db`), '--business', businessFile, '--sim-latency', 'off'], env, 120_000));
      const [a, b] = servers as [CliProcess, CliProcess];
      const onA = await ask(a.url);
      expect(onA.llmCalls).toBe(1);
      const onB = await ask(b.url);
      expect(onB.llmCalls).toBe(0);
      expect(onB.answer).toBe(onA.answer);
      expect(await cacheStats(b.url)).toMatchObject({ hits: 1, misses: 0 });
    } finally {
      for (const server of servers) server.child.kill('SIGTERM');
      await Promise.all(servers.map((s) => s.exited));
    }
  }, 300_000);

  it('misses after the business file changes, and across models and system prompts', async () => {
    const shared = { openaiBaseUrl: `${sim.url}/v1`, openaiApiKey: 'sim-key', redisUrl: REDIS_URL, redisPrefix: prefix };
    const run = async (flags: Record<string, unknown>): Promise<number> => {
      const server = await startTestServer({ ...shared, ...flags });
      try {
        return (await ask(server.url)).llmCalls;
      } finally {
        await server.stop();
      }
    };
    // Stored by one process, answered by the next with the same file.
    const other = `${prefix}changes:`;
    const again = async (flags: Record<string, unknown>) => run({ ...flags, redisPrefix: other });
    expect(await again({ business: businessFile })).toBe(1);
    expect(await again({ business: businessFile })).toBe(0);
    // Another model: a different key.
    expect(await again({ business: businessFile, model: 'gpt-4o-mini-2024-07-18' })).toBe(1);
    // Another business (another system prompt): the demo business.
    expect(await again({})).toBe(1);
    // The owner changes a price: the catalogue version and the prompt change, so it misses.
    writeFileSync(businessFile, readFileSync(businessFile, 'utf8').replace(/priceUsd: (\d+)/, (_, p: string) => `priceUsd: ${Number(p) + 1}`));
    expect(await again({ business: businessFile })).toBe(1);
    expect(await again({ business: businessFile })).toBe(0);
  }, 120_000);
});
