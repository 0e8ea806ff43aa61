import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { Redis } from 'ioredis';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetKeys } from '../src/llm/redis-budget.js';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';
import { newThread, say } from './helpers/conversation.js';
import { scrape, type Exposition } from './helpers/scrape.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

interface RuleFile {
  groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}
interface Dashboard {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; definition?: string }> };
}

/** The metric names a PromQL expression selects, found by Prometheus's own grammar (lezer-promql). */
function selectedMetrics(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  let broken: string | undefined;
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) broken ??= expr.slice(Math.max(0, node.from - 20), node.to + 20);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to));
    },
  });
  if (broken !== undefined) throw new Error(`not PromQL near "${broken}" in: ${expr}`);
  return names;
}

/** A Grafana expression as Prometheus receives it: its variables replaced by values. */
function grafanaToPromQL(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$sim_job', '.*').replaceAll('$job', '.*');
}

/** The family a sample name belongs to: a histogram's `_bucket`, `_sum` and `_count` are its parts. */
function familyOf(name: string, exposition: Exposition): string | undefined {
  if (exposition.types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && ['histogram', 'summary'].includes(exposition.types.get(base) ?? '') ? base : undefined;
}

describe('every metric the alerts and the dashboard use is exported', () => {
  const rules = parseYaml(read('deploy/prometheus/alerts.yml')) as RuleFile;
  const dashboard = JSON.parse(read('deploy/grafana/concierge-dashboard.json')) as Dashboard;
  const recorded = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.record).filter((r): r is string => r !== undefined)));

  const ruleMetrics = new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => selectedMetrics(r.expr))));
  const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => grafanaToPromQL(t.expr)));
  const variableMetrics = dashboard.templating.list.flatMap((v) => [...(v.definition ?? '').matchAll(/label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)/g)].map((m) => m[1]!));
  const dashboardMetrics = new Set([...dashboardExprs.flatMap(selectedMetrics), ...variableMetrics]);

  let redisKey: string;
  let server: TestServer;
  let sim: SimServer;
  let exposition: Exposition;

  beforeAll(async () => {
    // With the shared budget in Redis, so that the dependency gauge is in use too.
    redisKey = `test-catalogue-${randomUUID()}`;
    sim = await startSimServer({ port: 0, latency: 'off', preset: 'tier1' });
    server = await startTestServer({ openaiBaseUrl: `${sim.url}/v1`, budgetBackend: 'redis', budgetKey: redisKey });
    const run = await say(server.url, await newThread(server.url), 'What services do you offer?');
    expect(run.status).toBe(200);
    const [own, provider] = await Promise.all([scrape(`${server.url}/metrics`), scrape(`${sim.url}/metrics`)]);
    exposition = { types: new Map([...own.types, ...provider.types]), samples: [...own.samples, ...provider.samples] };
  });
  afterAll(async () => {
    await server?.stop();
    await sim?.close();
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    await redis.connect();
    await redis.del(...budgetKeys(redisKey));
    redis.disconnect();
  });

  it('finds the names in the expressions (the parse is not vacuous)', () => {
    expect(ruleMetrics).toContain('concierge_budget_remaining_ratio');
    expect(ruleMetrics).toContain('concierge:run_slow_ratio:rate1h');
    expect(ruleMetrics).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(dashboardMetrics).toContain('gen_ai_client_token_usage_sum');
    expect(dashboardMetrics).toContain('http_server_request_duration_seconds_bucket');
    expect(dashboardMetrics).toContain('concierge_sim_bucket_remaining');
    expect(dashboardMetrics.size).toBeGreaterThan(25);
  });

  it('alert rules: each metric is a family the server or the simulator exports, or a rule records', () => {
    const missing = [...ruleMetrics].filter((name) => !recorded.has(name) && familyOf(name, exposition) === undefined);
    expect(missing).toEqual([]);
  });

  it('dashboard: each metric is a family the server or the simulator exports', () => {
    const missing = [...dashboardMetrics].filter((name) => familyOf(name, exposition) === undefined);
    expect(missing).toEqual([]);
  });

  it('the budget, the dependency and the run figures the alerts read have samples after one message', () => {
    const has = (name: string) => exposition.samples.some((s) => s.name === name);
    for (const name of ['concierge_budget_remaining_ratio', 'concierge_dependency_up', 'concierge_runs_total', 'concierge_run_duration_seconds_bucket', 'concierge_circuit_state', 'concierge_admission_shed_total', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(has(name), name).toBe(true);
    }
    expect(exposition.samples.find((s) => s.name === 'concierge_dependency_up')).toMatchObject({ labels: { dependency: 'redis' }, value: 1 });
  });

  it('docs/operations.md lists every metric the server and the simulator define', () => {
    const docs = read('docs/operations.md');
    const ours = [...exposition.types.keys()].filter((name) => /^(concierge_|gen_ai_|http_server_)/.test(name));
    expect(ours.length).toBeGreaterThan(25);
    expect(ours.filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
  });
});
