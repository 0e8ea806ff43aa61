import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, spawnCliServer } from './helpers/spawn-cli.js';

describe('concierge serve (the command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one listening line, says the simulator answers, and finishes a run in progress on SIGTERM', async () => {
    const server = await spawnCliServer(['serve', '--port', '0', '--db', join(dir, 'a.db')], { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
    expect(server.stdout().trim().split('\n')).toEqual([expect.stringMatching(/^concierge listening on http:\/\/127\.0\.0\.1:\d+$/)]);
    expect(server.stderr()).toContain('built-in simulator');
    expect(server.stderr()).toContain('dev mode');

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);

    const thread = (await (await fetch(`${server.url}/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { thread_id: string };
    // With the default latency profile a two-call run takes about a second or more.
    const run = fetch(`${server.url}/threads/${thread.thread_id}/runs/wait`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'What services do you offer?' }] } }),
    });
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill('SIGTERM');
    const response = await run;
    expect(response.status).toBe(200);
    const values = (await response.json()) as { messages: Array<{ type: string; content: unknown }> };
    expect(values.messages.at(-1)).toMatchObject({ type: 'ai', content: expect.stringContaining('Classic haircut') });
    expect(await server.exited).toBe(0);
  });

  it('chats in the terminal with an embedded server, streaming the answer', () => {
    const result = spawnSync(process.execPath, [BIN, 'chat'], {
      encoding: 'utf8',
      cwd: dir,
      input: 'What services do you offer?\nexit\n',
      env: { ...process.env, CONCIERGE_DB: join(dir, 'chat.db'), CONCIERGE_SIM_LATENCY: 'off', OPENAI_API_KEY: '', OPENAI_BASE_URL: '' },
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('concierge> ');
    expect(result.stdout).toMatch(/Classic haircut \(30 min, \$35\)/);
  });

  it('runs as `npx concierge` from the repository, as the README says', () => {
    const root = join(BIN, '..', '..');
    const result = spawnSync('npx', ['--no-install', 'concierge', '--help'], { encoding: 'utf8', cwd: root });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: concierge');
    expect(result.stdout).toMatch(/serve \[options\]/);
  });

  it('rejects a bad setting with its name and exit code 2', () => {
    const result = spawnSync(process.execPath, [BIN, 'serve', '--port', 'abc'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--port (CONCIERGE_PORT)');
    const env = spawnSync(process.execPath, [BIN, 'serve'], { encoding: 'utf8', env: { ...process.env, CONCIERGE_MAX_COMPLETION_TOKENS: '-5' } });
    expect(env.status).toBe(2);
    expect(env.stderr).toContain('CONCIERGE_MAX_COMPLETION_TOKENS');
  });

  it('refuses a malformed key list, an unknown simulator preset and an unknown flag with exit 2, saying what is expected', () => {
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--db', join(dir, 'refused.db'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    const admin = run([], { CONCIERGE_ADMIN_KEYS: 'adm=owner' });
    expect(admin.status).toBe(2);
    expect(admin.stderr).toContain('--admin-keys (CONCIERGE_ADMIN_KEYS): entry 1 is not a bare key');
    expect(admin.stderr).toContain('a comma-separated list of keys such as adminkey1,adminkey2');
    // Keys are secrets: a refusal never prints them back.
    expect(admin.stderr).not.toContain('adm=owner');
    const customers = run([], { CONCIERGE_API_KEYS: 'key1=alice,key2' });
    expect(customers.status).toBe(2);
    expect(customers.stderr).toContain('--api-keys (CONCIERGE_API_KEYS): entry 2 is not KEY=CUSTOMER_ID; expected a comma-separated list such as key1=customer-1');
    const preset = run(['--sim-preset', 'bogus']);
    expect(preset.status).toBe(2);
    expect(preset.stderr).toContain('--sim-preset (CONCIERGE_SIM_PRESET): must be one of free, tier1');
    const unknown = run(['--bogus']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
  });

  it('prints one line naming an unreachable Postgres, its password masked, and exits 1', () => {
    const result = spawnSync(process.execPath, [BIN, 'bench', 'booking', '--database', 'postgres://concierge:s3cret@127.0.0.1:1/nowhere', '--bookings', '10'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error DEPENDENCY_UNREACHABLE: cannot reach Postgres at postgres:\/\/concierge:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/)]);
    expect(result.stderr).not.toContain('s3cret');
  });

  it('refuses to serve without keys on a public interface', () => {
    const result = spawnSync(process.execPath, [BIN, 'serve', '--host', '0.0.0.0', '--port', '0', '--db', join(dir, 'b.db')], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('AUTH_REQUIRED');
  });
});
