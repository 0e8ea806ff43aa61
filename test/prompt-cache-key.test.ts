import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';
import { newThread, say } from './helpers/conversation.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** Forwards every call to the simulator and keeps the `prompt_cache_key` each one carried. */
async function recordingProxy(sim: SimServer): Promise<{ url: string; keys: Array<string | undefined>; close(): Promise<void> }> {
  const keys: Array<string | undefined> = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    keys.push((JSON.parse(body) as { prompt_cache_key?: string }).prompt_cache_key);
    const reply = await fetch(`${sim.url}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-sim' }, body });
    res.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await reply.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, keys, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.each(['legacy', 'lean'])('the %s agent', (agentProfile) => {
  let sim: SimServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let server: TestServer;
  beforeAll(async () => {
    sim = await startSimServer({ port: 0, latency: 'off' });
    proxy = await recordingProxy(sim);
    server = await startTestServer({ agentProfile, answerCache: 'off', openaiBaseUrl: proxy.url, openaiApiKey: 'sk-sim' });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await sim?.close();
  });

  async function keysOf(customer: string, messages: string[]): Promise<Array<string | undefined>> {
    const from = proxy.keys.length;
    const thread = await newThread(server.url, customer);
    for (const message of messages) expect((await say(server.url, thread, message, customer)).status).toBe(200);
    return proxy.keys.slice(from);
  }

  it('sends one prompt_cache_key for all of a customer’s calls, another for another customer, never the id itself', async () => {
    const ada = await keysOf('ada@example.com', ['Hi! What services do you offer?', 'Is a Classic haircut free tomorrow at 10:00?']);
    const adaAgain = await keysOf('ada@example.com', ['What does a beard trim cost?']);
    const bob = await keysOf('bob@example.com', ['Hi! What services do you offer?']);
    expect(ada.length).toBeGreaterThanOrEqual(2);
    const [key] = ada;
    expect(key).toMatch(/^customer-[A-Za-z0-9_-]{22}$/);
    expect(new Set([...ada, ...adaAgain])).toEqual(new Set([key]));
    expect(bob.length).toBeGreaterThanOrEqual(1);
    expect(new Set(bob).has(key)).toBe(false);
    expect(JSON.stringify([...ada, ...bob])).not.toMatch(/ada|bob|example/);
  });
});
