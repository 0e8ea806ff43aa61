import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { registerCommands } from '../src/cli/commands.js';
import { clusterSettingSources, clusterSettingsSchema } from '../src/config/cluster-settings.js';
import { serveSettingSources, serveSettingsSchema } from '../src/config/serve-settings.js';
import { resolveSettings, type SettingSources } from '../src/config/settings.js';
import { admissionSettingSources, admissionSettingsSchema } from '../src/llm/admission-settings.js';
import { simSettingSources, simSettingsSchema } from '../src/sim/sim-settings.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * The Dockerfile, Compose file, HAProxy configuration and Kubernetes manifests are parsed and
 * checked against the server itself: every flag against the CLI's own options, every
 * variable against the settings' sources (and its value against their schemas), every port
 * against the others that must match it, every probe path against a running server.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Json = Record<string, unknown>;
const envsOf = (...sources: Array<SettingSources<Record<string, unknown>>>) =>
  new Set(sources.flatMap((s) => Object.values(s).map((source) => source?.env)).filter((e): e is string => e !== undefined));
const SERVE_ENVS = envsOf(serveSettingSources as never, admissionSettingSources as never, clusterSettingSources as never);
const SIM_ENVS = envsOf(simSettingSources as never);

/** The flags each subcommand really accepts, read from the CLI program itself. */
function cliFlags(): Map<string, Set<string>> {
  const program = new Command();
  registerCommands(program);
  return new Map(program.commands.map((c) => [c.name(), new Set(c.options.map((o) => o.long).filter((l): l is string => l !== undefined))]));
}
const FLAGS = cliFlags();

/** A command line (`serve --port 1 ...`): its subcommand exists and each `--flag` is one of its options. */
function checkCommandLine(args: string[], where: string): void {
  const [subcommand, ...rest] = args;
  expect(FLAGS.has(subcommand!), `${where}: unknown subcommand ${subcommand}`).toBe(true);
  for (const arg of rest.filter((a) => a.startsWith('--'))) expect(FLAGS.get(subcommand!)!.has(arg.split('=')[0]!), `${where}: ${subcommand} has no ${arg}`).toBe(true);
}

/** Variables for a subcommand: each one exists, and together they are valid settings. */
function checkEnvironment(subcommand: string, env: Record<string, string>, where: string): void {
  const known = subcommand === 'sim' ? SIM_ENVS : SERVE_ENVS;
  for (const name of Object.keys(env)) expect(known.has(name), `${where}: ${subcommand} reads no variable ${name}`).toBe(true);
  if (subcommand === 'sim') {
    resolveSettings(simSettingsSchema, simSettingSources, { flags: {}, env });
  } else {
    resolveSettings(serveSettingsSchema, serveSettingSources, { flags: {}, env });
    resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags: {}, env });
    resolveSettings(clusterSettingsSchema, clusterSettingSources, { flags: {}, env });
  }
}

function flagValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

const compose = parse(read('deploy/compose.yaml')) as { services: Record<string, Json> };
const haproxyCfg = read('deploy/haproxy/haproxy.cfg');
const dockerfile = read('Dockerfile');
const k8sFiles = readdirSync(join(ROOT, 'deploy/k8s')).filter((f) => f.endsWith('.yaml'));
const k8s = k8sFiles.flatMap((f) => parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => ({ file: f, doc: d.toJS() as Json })));
const byKind = (kind: string) => k8s.filter((d) => d.doc.kind === kind).map((d) => d.doc as Json & { spec: Json; metadata: Json; data?: Record<string, string>; stringData?: Record<string, string> });

/** Paths a probe or health check asks, with where they come from. */
const probes: Array<{ path: string; where: string }> = [];

describe('deploy manifests', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('Dockerfile: multi-stage, production dependencies only, non-root, the port and entry the server has', () => {
    const stages = dockerfile.match(/^FROM /gm) ?? [];
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(final).toMatch(/^USER (?!root)\S+/m);
    // The runtime's node_modules come from a stage that installed without dev dependencies.
    const from = /COPY --from=(\S+) \/app\/node_modules/.exec(final)?.[1];
    const depsStage = dockerfile.slice(dockerfile.indexOf(`AS ${from}`), dockerfile.indexOf('FROM', dockerfile.indexOf(`AS ${from}`)));
    expect(depsStage).toMatch(/npm ci --omit=dev/);
    const env = Object.fromEntries([...final.matchAll(/(CONCIERGE_[A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    checkEnvironment('serve', env, 'Dockerfile ENV');
    expect(final).toContain(`EXPOSE ${env.CONCIERGE_PORT}`);
    const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(final)![1]!) as string[];
    expect(existsSync(join(ROOT, entry[1]!))).toBe(true);
    checkCommandLine(JSON.parse(/^CMD (\[.*\])$/m.exec(final)![1]!) as string[], 'Dockerfile CMD');
    const health = /HEALTHCHECK .*http:\/\/127\.0\.0\.1:(\d+)(\/\w+)/.exec(final)!;
    expect(health[1]).toBe(env.CONCIERGE_PORT);
    probes.push({ path: health[2]!, where: 'Dockerfile HEALTHCHECK' });
  });

  it('compose: three replicas, a balancer, Postgres, Redis and the simulator, wired with real flags and variables', () => {
    const services = compose.services;
    expect(Object.keys(services).sort()).toEqual(['concierge', 'haproxy', 'postgres', 'redis', 'sim']);
    const ours = Object.entries(services).filter(([, s]) => s.image === 'concierge:local');
    expect(ours.map(([name]) => name).sort()).toEqual(['concierge', 'sim']);
    for (const [name, service] of ours) {
      const command = service.command as string[];
      checkCommandLine(command, `compose ${name}`);
      checkEnvironment(command[0]!, (service.environment ?? {}) as Record<string, string>, `compose ${name}`);
    }
    const concierge = services.concierge!;
    expect((concierge.deploy as Json).replicas).toBe(3);
    const env = concierge.environment as Record<string, string>;
    // The replicas reach the other services by their names and ports.
    const sim = services.sim!.command as string[];
    expect(new URL(env.OPENAI_BASE_URL!).host).toBe(`sim:${flagValue(sim, '--port')}`);
    expect(new URL(env.CONCIERGE_DATABASE_URL!).hostname).toBe('postgres');
    expect(new URL(env.CONCIERGE_REDIS_URL!).hostname).toBe('redis');
    expect(new URL(env.CONCIERGE_DATABASE_URL!).pathname).toBe(`/${(services.postgres!.environment as Json).POSTGRES_DB}`);
    // Docker's SIGKILL comes after the shutdown grace.
    expect(Number.parseInt(String(concierge.stop_grace_period), 10) * 1000).toBeGreaterThan(Number(env.CONCIERGE_SHUTDOWN_GRACE_MS));
    // HAProxy: its config is the one mounted, it finds the replicas on their port, and publishes its own.
    const mount = ((services.haproxy!.volumes as string[])[0] ?? '').split(':');
    expect(existsSync(join(ROOT, 'deploy', mount[0]!))).toBe(true);
    expect(mount[1]).toBe('/usr/local/etc/haproxy/haproxy.cfg');
    expect(haproxyCfg).toMatch(new RegExp(`server-template concierge ${(concierge.deploy as Json).replicas} concierge:${env.CONCIERGE_PORT} check`));
    const bind = /^\s*bind :(\d+)$/m.exec(haproxyCfg)![1];
    expect(services.haproxy!.ports).toEqual([`${bind}:${bind}`]);
    expect(haproxyCfg).not.toMatch(/\b(cookie|stick|balance source)\b/);
    probes.push({ path: /option httpchk GET (\S+)/.exec(haproxyCfg)![1]!, where: 'haproxy.cfg httpchk' });
  });

  it('kubernetes: a kustomize base whose Deployment uses real flags, variables, ports and a preStop within the grace', () => {
    const kustomization = parse(read('deploy/k8s/kustomization.yaml')) as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(k8sFiles.filter((f) => f !== 'kustomization.yaml').sort());
    expect(new Set(k8s.map((d) => d.doc.kind))).toEqual(new Set(['Kustomization', 'ConfigMap', 'Secret', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']));
    const [deployment] = byKind('Deployment');
    const [configMap] = byKind('ConfigMap');
    const [secret] = byKind('Secret');
    const pod = (deployment!.spec.template as Json).spec as Json & { containers: Array<Json & { env: Array<{ name: string }>; ports: Array<{ name: string; containerPort: number }> }> };
    const container = pod.containers[0]!;
    checkCommandLine(container.args as string[], 'Deployment args');
    const env: Record<string, string> = { ...configMap!.data, ...secret!.stringData };
    for (const e of container.env) env[e.name] = 'from-the-pod';
    checkEnvironment('serve', env, 'Deployment environment');
    // Every envFrom names an object of the base.
    for (const from of container.envFrom as Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>) {
      if (from.configMapRef) expect(from.configMapRef.name).toBe(configMap!.metadata.name);
      if (from.secretRef) expect(from.secretRef.name).toBe(secret!.metadata.name);
    }
    expect(container.ports.map((p) => p.containerPort)).toEqual([Number(env.CONCIERGE_PORT)]);
    for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const probe = (container[kind] as { httpGet: { path: string; port: string } }).httpGet;
      expect(container.ports.map((p) => p.name)).toContain(probe.port);
      probes.push({ path: probe.path, where: `Deployment ${kind}` });
    }
    expect((container.readinessProbe as { httpGet: { path: string } }).httpGet.path).toBe('/readyz');
    // SIGTERM comes after preStop; the pod is killed after the grace period: both must fit.
    const preStop = ((container.lifecycle as Json).preStop as { exec: { command: string[] } }).exec.command;
    expect(preStop[0]).toBe('sleep');
    expect(Number(pod.terminationGracePeriodSeconds) * 1000).toBeGreaterThan(Number(preStop[1]) * 1000 + Number(env.CONCIERGE_SHUTDOWN_GRACE_MS));
    expect((pod.securityContext as Json).runAsNonRoot).toBe(true);
    // The Service, the autoscaler and the disruption budget point at the Deployment's pods.
    const labels = ((deployment!.spec.template as Json).metadata as { labels: Record<string, string> }).labels;
    const [service] = byKind('Service');
    expect((service!.spec.ports as Array<{ targetPort: string }>)[0]!.targetPort).toBe(container.ports[0]!.name);
    expect(service!.spec.selector).toEqual(labels);
    expect(((byKind('PodDisruptionBudget')[0]!.spec.selector as Json).matchLabels as Json)).toEqual(labels);
    const hpa = byKind('HorizontalPodAutoscaler')[0]!;
    expect((hpa.spec.scaleTargetRef as Json).name).toBe(deployment!.metadata.name);
    expect(Number(hpa.spec.minReplicas)).toBeGreaterThan(Number(byKind('PodDisruptionBudget')[0]!.spec.minAvailable));
  });

  it('every probe and health check asks a path the server answers', async () => {
    expect(probes.length).toBeGreaterThanOrEqual(5);
    for (const { path, where } of probes) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, `${where}: GET ${path}`).toBe(200);
    }
  });
});
