import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';
import { freePort } from './helpers/free-port.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * A real Prometheus (Debian's `prometheus`) scrapes a real server and the simulator, with
 * the alert rules of deploy/prometheus/alerts.yml loaded, while a short load spends the
 * provider's token budget; its HTTP API must show ProviderRateLimitApproaching quiet at idle
 * and firing under the load.
 *
 * Time: the lab runs at time scale F (a provider minute lasts 60·F real seconds: the
 * simulator's buckets, the gate's budget and the deadlines all follow it). The rules file
 * Prometheus loads is derived from the real one by scaling every `for:` by the same F, so
 * "under 15% for 2 minutes" means two provider minutes here too (6 s at F = 0.05). The
 * expressions are unchanged: ProviderRateLimitApproaching reads an instantaneous gauge, so
 * its `for:` is its only duration. (Rules with range windows, such as the burn-rate alerts,
 * keep their windows and are not what this test evaluates; promtool's unit tests cover them.)
 */
const F = 0.05;
const TPM = 20_000;
const ADMIN_KEY = 'prom-admin-key';
const USER_KEY = 'prom-user-key';

const hasPrometheus = spawnSync('prometheus', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasPrometheus) console.warn('prometheus-scrape: skipped, `prometheus` is not installed (Debian package `prometheus`; .ci/run installs it)');

describe.skipIf(!hasPrometheus)('a real Prometheus scraping a server and the simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-prom-'));
  let sim: SimServer;
  let server: TestServer;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let api: string;

  beforeAll(async () => {
    sim = await startSimServer({ port: 0, latency: 'off', rpm: 500, tpm: TPM, timeScale: F });
    server = await startTestServer({
      openaiBaseUrl: `${sim.url}/v1`,
      apiKeys: `${USER_KEY}=load`,
      adminKeys: ADMIN_KEY,
      llmRpm: 500,
      llmTpm: TPM,
      timeScale: F,
      // The load below is sized in the legacy agent's tokens per message.
      agentProfile: 'legacy',
    });
    writeFileSync(join(dir, 'alerts.yml'), scaledRules(readFileSync(new URL('../deploy/prometheus/alerts.yml', import.meta.url), 'utf8'), F));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      toYaml({
        global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
        rule_files: ['alerts.yml'],
        scrape_configs: [
          // The server wants its admin key; Prometheus's own `authorization` setting sends it as a bearer token.
          { job_name: 'concierge', authorization: { credentials: ADMIN_KEY }, static_configs: [{ targets: [new URL(server.url).host] }] },
          { job_name: 'concierge-sim', static_configs: [{ targets: [new URL(sim.url).host] }] },
        ],
      }),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prometheus.stdout!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
    prometheus.stderr!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
    await until(async () => (await fetch(`${api}/-/ready`).catch(() => undefined))?.status === 200, 30_000, () => `Prometheus did not start: ${prometheusLog}`);
    await until(
      async () => {
        const targets = await query<{ activeTargets: Array<{ health: string }> }>(`${api}/api/v1/targets`);
        return targets.activeTargets.length === 2 && targets.activeTargets.every((t) => t.health === 'up');
      },
      30_000,
      () => `targets not up: ${prometheusLog}`,
    );
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await server?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ProviderRateLimitApproaching is quiet at idle and fires when a load spends more than 85% of the token budget', { timeout: 120_000 }, async () => {
    // Idle: the rule has been evaluated on scraped data, the budget reads full, nothing pending or firing.
    await until(async () => (await instant(`concierge_budget_remaining_ratio{job="concierge",resource="tokens"}`)).length === 1, 20_000, () => 'no budget series scraped');
    await until(async () => (await ruleState('ProviderRateLimitApproaching')).evaluated, 20_000, () => 'rule never evaluated');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await instant(`concierge_budget_remaining_ratio{job="concierge",resource="tokens"}`))[0]!.value[1]).toBe('1');
    expect(await ruleState('ProviderRateLimitApproaching')).toMatchObject({ state: 'inactive', alerts: 0, health: 'ok' });
    expect(await instant('ALERTS{alertname="ProviderRateLimitApproaching"}')).toEqual([]);

    // Load: 24 users sending messages back to back (a shed one is sent again after its
    // Retry-After) until the alert fires, at most 60 s.
    let stop = false;
    const answered: number[] = [];
    const requestsBefore = sim.stats().requests;
    const users = Array.from({ length: 24 }, async () => {
      const thread = ((await (await post(`${server.url}/threads`, {})).json()) as { thread_id: string }).thread_id;
      while (!stop) {
        const response = await post(`${server.url}/threads/${thread}/runs/wait`, { assistant_id: 'concierge', input: { messages: [{ role: 'user', content: 'What services do you offer?' }] } });
        answered.push(response.status);
        await response.arrayBuffer();
        if (response.status === 503) await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after-ms') ?? 100)));
      }
    });
    let loadSeconds = 0;
    let charged = 0;
    let firedAt = 0;
    try {
      // The spend is counted from the first call the provider receives (creating threads on a
      // busy machine takes a moment) to the moment the alert is seen firing.
      await until(async () => sim.stats().requests > requestsBefore, 20_000, () => 'no call reached the provider');
      const chargedBefore = sim.stats().tokens.charged;
      const loadStarted = performance.now();
      await until(
        async () => {
          if ((await ruleState('ProviderRateLimitApproaching')).state !== 'firing') return false;
          loadSeconds = (performance.now() - loadStarted) / 1000;
          firedAt = Date.now() / 1000;
          charged = sim.stats().tokens.charged - chargedBefore;
          return true;
        },
        60_000,
        () => `never fired; answers ${summary(answered)}`,
      );
    } finally {
      stop = true;
      await Promise.all(users);
    }

    const firing = await query<{ alerts: Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }> }>(`${api}/api/v1/alerts`);
    const alert = firing.alerts.find((a) => a.labels.alertname === 'ProviderRateLimitApproaching' && a.state === 'firing');
    expect(alert?.labels).toMatchObject({ resource: 'tokens', job: 'concierge', severity: 'warning' });
    expect(alert?.annotations.description).toMatch(/^Only \d+(\.\d+)?% of the provider's tokens-per-minute limit is left/);
    expect(answered.filter((s) => s === 200).length).toBeGreaterThan(20);
    // As Prometheus recorded it: more than 85% of the token budget spent for two whole
    // provider minutes before the alert fired (the highest share left over that window is
    // under 15%).
    const forWindow = `${Math.round(2 * 60 * F * 1000)}ms`;
    const left = await instant(`max_over_time(concierge_budget_remaining_ratio{job="concierge",resource="tokens"}[${forWindow}] @ ${firedAt})`);
    expect(Number(left[0]!.value[1])).toBeLessThan(0.15);
    // The provider's side, as a check that the load was real: what it charged from the first
    // call to the alert, against what it could have (a full bucket plus its refill, TPM per
    // provider minute of 60·F real seconds). The gate's estimate of the provider's bucket
    // errs low while many calls are in flight, and on a busy machine the server's CPU slows
    // it too, so this is under 100% and can never exceed it. Using the whole budget (no
    // safety margin), a rare call may meet a 429 on the way, at most 1% of the calls (the
    // simulator's counters, as Prometheus scraped them).
    const budget = TPM + (TPM * loadSeconds) / (60 * F);
    expect(charged / budget).toBeGreaterThan(0.6);
    expect(charged / budget).toBeLessThanOrEqual(1);
    const rateLimited = await instant(`sum(concierge_sim_rate_limited_total)`);
    const calls = await instant(`sum(concierge_sim_requests_total)`);
    expect(Number(rateLimited[0]!.value[1])).toBeLessThanOrEqual(0.01 * Number(calls[0]!.value[1]));
    console.log(`prometheus-scrape: ${answered.filter((s) => s === 200).length} messages answered in ${loadSeconds.toFixed(1)} s; provider charged ${charged} of ${Math.round(budget)} tokens (${((100 * charged) / budget).toFixed(1)}%); ProviderRateLimitApproaching firing`);
  });

  async function ruleState(name: string): Promise<{ state: string; alerts: number; health: string; evaluated: boolean }> {
    const rules = await query<{ groups: Array<{ rules: Array<{ name: string; type: string; state?: string; alerts?: unknown[]; health: string; lastEvaluation: string }> }> }>(`${api}/api/v1/rules`);
    const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.type === 'alerting' && r.name === name);
    if (!rule) throw new Error(`rule ${name} not loaded`);
    return { state: rule.state ?? 'unknown', alerts: rule.alerts?.length ?? 0, health: rule.health, evaluated: !rule.lastEvaluation.startsWith('0001') };
  }

  async function instant(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    return (await query<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`)).result;
  }
});

/** The real rules with every `for:` multiplied by the time scale, in whole milliseconds. */
export function scaledRules(text: string, scale: number): string {
  const rules = parseYaml(text) as { groups: Array<{ rules: Array<Record<string, unknown>> }> };
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      if (typeof rule.for === 'string') rule.for = `${Math.max(1, Math.round(durationMs(rule.for) * scale))}ms`;
    }
  }
  return toYaml(rules);
}

/** A Prometheus duration (`2m`, `1h30m`, `15s`) in milliseconds. */
function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
  let total = 0;
  for (const [, value, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(value) * units[unit!]!;
  if (total === 0 && text !== '0s') throw new Error(`not a duration: ${text}`);
  return total;
}

async function query<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${url}: ${body.error}`);
  return body.data;
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': USER_KEY }, body: JSON.stringify(body) });
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > end) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function summary(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${s}: ${n}`).join(', ');
}
