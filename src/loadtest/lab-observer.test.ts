import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient } from './agent-client.js';
import { judgeCpuBound, LabObserver } from './lab-observer.js';

/**
 * A stand-in server in its own process that answers `/stats` as the real one does (its own
 * CPU counters and event-loop lag) and, when told, keeps its event loop busy on purpose:
 * 80 ms of work out of every 100.
 */
const STATS_SERVER = `
const { createServer } = require('node:http');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
if (process.argv[1] === 'busy') setInterval(() => { const until = Date.now() + 80; while (Date.now() < until); }, 100);
const server = createServer((req, res) => {
  if (req.url === '/stats/reset') lag.reset();
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ cpu: process.cpuUsage(), eventLoopLag: { p99Ms: lag.percentile(99) / 1e6 } }));
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

async function statsServer(mode: 'busy' | 'idle'): Promise<AgentClient> {
  const child = spawn(process.execPath, ['-e', STATS_SERVER, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return new AgentClient({ baseUrl: `http://127.0.0.1:${line.trim()}`, apiKey: undefined, customerId: 'lab-test', now: () => performance.now() });
}

describe('the lab marks a stage CPU-bound', () => {
  it('when the server was made busy on purpose', async () => {
    const server = await statsServer('busy');
    await server.post('/stats/reset');
    const lab = new LabObserver([server], undefined);
    await lab.begin();
    // A stage of about a second; the busy loop blocks 80 ms at a time however loaded the machine is.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const figures = await lab.end(() => 400, () => null, 1);
    expect(figures.cpuBound).toBe(true);
    expect(figures.cpuBoundReasons.join('; ')).toMatch(/server/);
    expect(figures.cpuCores.server).toBeGreaterThan(0);
    expect(figures.eventLoopLagP99Ms).toBeGreaterThan(20);
    expect(figures.minimum).toBeNull();
  }, 60_000);

  it('by either rule, and not when every process stayed under both', () => {
    const quiet = { cpuCores: { server: 0.2, simulator: 0.05, loadGenerator: 0.1 }, eventLoopLagP99Ms: 3 };
    expect(judgeCpuBound(quiet, 1000)).toEqual({ cpuBound: false, cpuBoundReasons: [] });
    expect(judgeCpuBound({ ...quiet, cpuCores: { ...quiet.cpuCores, simulator: 0.6 } }, 1000).cpuBoundReasons).toEqual(['simulator used 0.60 cores (over 0.5)']);
    // 5% of a 1 s median is 50 ms.
    expect(judgeCpuBound({ ...quiet, eventLoopLagP99Ms: 51 }, 1000).cpuBound).toBe(true);
    expect(judgeCpuBound({ ...quiet, cpuCores: { server: null, simulator: null, loadGenerator: 0.1 }, eventLoopLagP99Ms: null }, 1000).cpuBound).toBe(false);
  });
});
