import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for the agent server: the few paths the load tester calls, with knobs to
 * stall, fail or shed. Answers carry `usage.run` like the real server's.
 */
export interface FakeAgentOptions {
  /** Delay of every run, ms. */
  runDelayMs?: number;
  /** Decide per run (1-based count) to fail: return status, code and optional Retry-After. */
  failRun?: (n: number) => { status: number; code: string; retryAfter?: string } | undefined;
  /** Hold every answer until `until()` resolves, for runs that arrive while `active()` is true. */
  stall?: { active: () => boolean; until: Promise<void> };
  /** Serve GET /stats (default true). */
  stats?: boolean;
  /** Serve GET /v1/services (default true). */
  services?: boolean;
  /** Extra fields of GET /stats. */
  statsExtra?: Record<string, unknown>;
}

export const FAKE_USAGE = { llmCalls: 2, toolCalls: 1, promptTokens: 1000, cachedTokens: 200, completionTokens: 50, queueWaitMs: 5, llmMs: 20, toolMs: 2, retries: 0, providerRateLimited: 0, model: 'gpt-4o-mini' };
// (800 x 0.15 + 200 x 0.075 + 50 x 0.6) / 1e6
export const FAKE_RUN_COST = (800 * 0.15 + 200 * 0.075 + 50 * 0.6) / 1e6;

export interface FakeAgent {
  url: string;
  runs: number;
  customers: Set<string>;
  messages: string[];
  close(): Promise<void>;
}

function answerFor(content: string): string {
  if (/book .* instead/i.test(content) || /please book/i.test(content)) return 'Booked! Your confirmation code is BK-ABC123.';
  if (/services/i.test(content)) return 'We offer a Classic haircut and a Beard trim.';
  return 'Done.';
}

export async function startFakeAgent(options: FakeAgentOptions = {}): Promise<FakeAgent> {
  let threads = 0;
  const state: FakeAgent = { url: '', runs: 0, customers: new Set(), messages: [], close: async () => undefined };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? '/';
      const customer = req.headers['x-customer-id'];
      if (typeof customer === 'string') state.customers.add(customer);
      if (req.method === 'GET' && url === '/v1/services') {
        if (options.services === false) return json(res, 404, { code: 'NOT_FOUND', message: 'no' });
        return json(res, 200, { business: { name: 'Fake', timeZone: 'UTC' }, services: [{ id: 'classic-haircut', name: 'Classic haircut' }, { id: 'beard-trim', name: 'Beard trim' }] });
      }
      if (req.method === 'GET' && url === '/stats') {
        if (options.stats === false) return json(res, 404, { code: 'NOT_FOUND', message: 'no' });
        return json(res, 200, { runsInProgress: 0, eventLoopLag: { meanMs: 1, p50Ms: 1, p99Ms: 3, maxMs: 5 }, ...options.statsExtra });
      }
      if (req.method === 'POST' && url === '/threads') {
        await readBody(req);
        return json(res, 200, { thread_id: `t${++threads}`, status: 'idle', metadata: {}, values: {} });
      }
      const run = /^\/threads\/([^/]+)\/runs\/(wait|stream)$/.exec(url);
      if (req.method === 'POST' && run) {
        const body = await readBody(req);
        const n = ++state.runs;
        const stalled = options.stall?.active() ?? false;
        const content = String(((body.input as { messages: { content: string }[] }).messages[0] ?? { content: '' }).content);
        state.messages.push(content);
        if (stalled) await options.stall!.until;
        if (options.runDelayMs) await new Promise((r) => setTimeout(r, options.runDelayMs));
        const failure = options.failRun?.(n);
        if (failure) return json(res, failure.status, { code: failure.code, message: `fake ${failure.code}` }, failure.retryAfter ? { 'retry-after': failure.retryAfter } : {});
        const text = answerFor(content);
        const values = {
          messages: [
            { type: 'human', content },
            { type: 'ai', content: text },
          ],
          usage: { run: { ...FAKE_USAGE, costUsd: FAKE_RUN_COST }, thread: { ...FAKE_USAGE, costUsd: FAKE_RUN_COST } },
        };
        if (run[2] === 'wait') return json(res, 200, values);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`event: metadata\ndata: {"run_id":"r${n}"}\n\n`);
        res.write(`event: messages\ndata: ${JSON.stringify([{ type: 'AIMessageChunk', content: '' }, {}])}\n\n`);
        for (const word of text.split(' ')) res.write(`event: messages\ndata: ${JSON.stringify([{ type: 'AIMessageChunk', content: `${word} ` }, {}])}\n\n`);
        res.write(`event: values\ndata: ${JSON.stringify(values)}\n\n`);
        res.end('event: end\ndata: null\n\n');
        return;
      }
      json(res, 404, { code: 'NOT_FOUND', message: url });
    })().catch((error: unknown) => json(res, 500, { code: 'AGENT_ERROR', message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
