import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@langchain/langgraph-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCliServer } from './helpers/spawn-cli.js';

/**
 * The embedded default after a crash: `kill -9` of `concierge serve` with runs in flight, then
 * a restart on the same SQLite file. Every interrupted run says so (503 RUN_INTERRUPTED, its
 * error recorded) instead of answering 200 with half a conversation, and its thread takes new
 * runs at once.
 */
describe('concierge serve after kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers join, the run and its stream with RUN_INTERRUPTED, and the threads stay usable', async () => {
    const db = join(dir, 'crash.db');
    const env = { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' };
    const first = await spawnCliServer(['serve', '--port', '0', '--db', db], env);
    const client = (url: string) => new Client({ apiUrl: url, defaultHeaders: { 'x-customer-id': 'crash' }, callerOptions: { maxRetries: 0 } });
    const threads = await Promise.all(Array.from({ length: 5 }, () => client(first.url).threads.create()));
    // With the default latency profile each run takes about a second: still going when killed.
    const runs = await Promise.all(threads.map((t) => client(first.url).runs.create(t.thread_id, 'concierge', { input: { messages: [{ role: 'user', content: 'What services do you offer?' }] } })));
    for (let i = 0; i < 200; i += 1) {
      const stats = (await (await fetch(`${first.url}/stats`)).json()) as { runsInProgress: number };
      if (stats.runsInProgress === runs.length) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnCliServer(['serve', '--port', '0', '--db', db], env);
    try {
      expect(second.stderr()).toContain(`${runs.length} run(s) left unfinished by an earlier stop were marked interrupted`);
      await Promise.all(runs.map(async (run, i) => {
        const path = `${second.url}/threads/${threads[i]!.thread_id}/runs/${run.run_id}`;
        const join = await fetch(`${path}/join`, { headers: { 'x-customer-id': 'crash' } });
        expect(join.status).toBe(503);
        expect(await join.json()).toMatchObject({ code: 'RUN_INTERRUPTED' });
        const stream = await fetch(`${path}/stream`, { headers: { 'x-customer-id': 'crash' } });
        expect(stream.status).toBe(503);
        expect(await client(second.url).runs.get(threads[i]!.thread_id, run.run_id)).toMatchObject({ status: 'interrupted', error: { code: 'RUN_INTERRUPTED', status: 503 } });
        const again = (await client(second.url).runs.wait(threads[i]!.thread_id, 'concierge', { input: { messages: [{ role: 'user', content: 'What services do you offer?' }] } })) as { messages: Array<{ type: string }> };
        expect(again.messages.at(-1)?.type).toBe('ai');
      }));
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
