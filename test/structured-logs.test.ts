import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@langchain/langgraph-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerHash } from '../src/observability/customer-hash.js';
import { BIN, spawnCliServer } from './helpers/spawn-cli.js';
import { findOpenDate, startTestServer, type TestServer } from './helpers/test-server.js';

/** Everything the server logs, line by line, as a log shipper reading its stderr would see it. */
class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  lines(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

const ALICE_KEY = 'sk-alice-0f3c9a1e7b2d';
const OWNER_KEY = 'sk-owner-9d8e7f6a5b4c';
/** Words only the customer wrote: they must reach the model, never the logs. */
const SECRET_WORDS = 'Tangerine-Okapi-4471';

describe('structured logs', () => {
  let server: TestServer;
  const capture = new LogCapture();

  beforeAll(async () => {
    server = await startTestServer({ apiKeys: `${ALICE_KEY}=alice@example.com`, adminKeys: OWNER_KEY }, {}, { logLevel: 'info', logDestination: capture });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('writes one JSON line per request and per run, with ids, customer hash, usage and timing, and never a key or message text', async () => {
    const client = new Client({ apiUrl: server.url, defaultHeaders: { 'x-api-key': ALICE_KEY } });
    const date = await findOpenDate(server.url, 'beard-trim', '11:00');
    const thread = await client.threads.create();
    const said = `Please book a Beard trim on ${date} at 11:00. My name is ${SECRET_WORDS}.`;
    await client.runs.wait(thread.thread_id, 'concierge', { input: { messages: [{ role: 'user', content: said }] } });
    for await (const _ of client.runs.stream(thread.thread_id, 'concierge', { input: { messages: [{ role: 'user', content: `Thanks ${SECRET_WORDS}!` }] } })) {
      // drain
    }
    // Refused requests: a message too long, a body that is not valid, a wrong key.
    const refused = [
      await fetch(`${server.url}/threads/${thread.thread_id}/runs/wait`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': ALICE_KEY },
        body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: `${SECRET_WORDS} `.repeat(400) }] } }),
      }),
      await fetch(`${server.url}/threads/${thread.thread_id}/runs/wait`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': ALICE_KEY },
        body: `{"assistant_id": "concierge", "input": {"messages": "${SECRET_WORDS}"`,
      }),
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ALICE_KEY}` } }),
    ];
    expect(refused.map((r) => r.status)).toEqual([413, 400, 403]);
    expect(refused.every((r) => /^[0-9a-f-]{36}$/.test(r.headers.get('x-request-id') ?? ''))).toBe(true);
    const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${OWNER_KEY}`, 'x-request-id': 'scrape-42' } });
    expect(ok.headers.get('x-request-id')).toBe('scrape-42');
    await server.close();

    expect(capture.text).not.toContain(SECRET_WORDS);
    expect(capture.text).not.toContain(ALICE_KEY);
    expect(capture.text).not.toContain(OWNER_KEY);
    expect(capture.text).not.toContain('alice@example.com');

    const lines = capture.lines();
    const requests = lines.filter((l) => l.msg === 'request');
    const runs = lines.filter((l) => l.msg === 'run finished');
    // create thread, runs/wait, runs/stream, 413, 400, 403, 200 (the SDK's calls, plus ours; the
    // availability lookup before is public and logged too).
    expect(requests.map((l) => `${l.method} ${l.route} ${l.status}`)).toEqual([
      'GET /v1/availability 200',
      'POST /threads 200',
      'POST /threads/:threadId/runs/wait 200',
      'POST /threads/:threadId/runs/stream 200',
      'POST /threads/:threadId/runs/wait 413',
      'POST /threads/:threadId/runs/wait 400',
      'GET /metrics 403',
      'GET /metrics 200',
    ]);
    const alice = customerHash('alice@example.com');
    for (const line of requests) {
      expect(line).toMatchObject({ level: 30, reqId: expect.any(String), durationMs: expect.any(Number), time: expect.any(Number) });
      expect(line).not.toHaveProperty('req');
    }
    expect(requests.filter((l) => String(l.route).startsWith('/threads/')).every((l) => l.threadId === thread.thread_id && l.customer === alice)).toBe(true);
    expect(requests.at(-1)).toMatchObject({ reqId: 'scrape-42', customer: customerHash(`admin:${sha256Prefix(OWNER_KEY)}`) });

    expect(runs).toHaveLength(2);
    const [waited, streamed] = runs;
    const waitRequest = requests[2]!;
    expect(waited).toMatchObject({
      reqId: waitRequest.reqId,
      runId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      threadId: thread.thread_id,
      customer: alice,
      status: 'success',
      llmCalls: expect.any(Number),
      toolCalls: 1,
      promptTokens: expect.any(Number),
      completionTokens: expect.any(Number),
      cachedTokens: expect.any(Number),
      queueWaitMs: expect.any(Number),
      durationMs: expect.any(Number),
    });
    expect(waited!.llmCalls).toBeGreaterThanOrEqual(1);
    expect(waited!.promptTokens).toBeGreaterThan(0);
    expect(streamed).toMatchObject({ reqId: requests[3]!.reqId, status: 'success', threadId: thread.thread_id });
  });
});

/** How the server names an admin key's customer (src/server/auth.ts). */
function sha256Prefix(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

describe('concierge serve --log-level', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-logs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes JSON lines on stderr (stdout keeps its one line), one per request at info, none at warn', async () => {
    for (const level of ['info', 'warn']) {
      const server = await spawnCliServer(['serve', '--port', '0', '--db', join(dir, `${level}.db`), '--log-level', level], { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
      try {
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        await waitFor(() => level === 'warn' || server.stderr().includes('"msg":"request"'));
        const json = server.stderr().split('\n').filter((l) => l.startsWith('{'));
        const requests = json.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
        expect(requests.map((l) => `${l.route} ${l.status}`)).toEqual(level === 'info' ? ['/healthz 200'] : []);
        expect(server.stdout().trim().split('\n')).toHaveLength(1);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    }
  });

  it('refuses an unknown level with exit 2, naming the flag and the variable', () => {
    const result = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'loud'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--log-level (CONCIERGE_LOG_LEVEL)');
    expect(result.stderr).toContain('fatal, error, warn, info, debug, trace, silent');
  });

  it('pretty-prints on a terminal', { timeout: 120_000 }, async () => {
    const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
    if (!hasScript) return void console.warn('skipped: util-linux `script` (to give the server a terminal) is not installed');
    const db = join(dir, 'tty.db');
    const command = `${process.execPath} ${BIN} serve --port 0 --db ${db}`;
    const { spawn } = await import('node:child_process');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      // Starting under a terminal, with pino-pretty's worker, takes a while on a busy machine.
      await waitFor(() => /listening on http:\/\/\S+/.test(out), 60_000);
      const url = /listening on (http:\/\/[^\s]+)/.exec(out)![1]!;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const requestLine = () => out.split(/\r?\n/).find((l) => l.includes('INFO') && l.includes('request'));
      await waitFor(() => requestLine() !== undefined, 30_000);
      // pino-pretty's shape: "[12:11:31.819] INFO (pid): request" with colours, then the fields indented.
      expect(requestLine()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] \u001b\[32mINFO\u001b\[39m \(\d+\): \u001b\[36mrequest/);
      await waitFor(() => /route\u001b\[39m: "\/healthz"/.test(out), 30_000);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting for the log line');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
