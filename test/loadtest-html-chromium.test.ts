import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from '../src/loadtest/report-writers.js';
import { runLoadTest } from '../src/loadtest/run-load-test.js';
import { startFakeAgent } from './loadtest-fake-agent.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`report.html browser test skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

describe.skipIf(!haveChromium)('report.html in headless Chromium', () => {
  let dir: string;
  let htmlPath: string;

  beforeAll(async () => {
    const fake = await startFakeAgent({ runDelayMs: 10, failRun: (n) => (n % 5 === 0 ? { status: 429, code: 'PROVIDER_RATE_LIMITED' } : undefined) });
    try {
      const report = await runLoadTest({ targets: [fake.url], stages: [2, 6], thinkTimeMs: 10, cooldownSec: 0.05 });
      dir = await mkdtemp(join(tmpdir(), 'lt-html-'));
      htmlPath = (await writeReports(report, dir)).html;
    } finally {
      await fake.close();
    }
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders its four charts with data points, offline, without console errors', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const network: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      // Any request other than the file itself would mean the page is not self-contained.
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        network.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });

      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return { id: svg.id, width: box.width, height: box.height, points: svg.querySelectorAll('.point').length, bars: svg.querySelectorAll('.bar').length };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual(['latency-percentiles', 'success-rate', 'throughput-users', 'latency-over-time']);
      for (const c of charts) {
        expect(c.width).toBeGreaterThan(100);
        expect(c.height).toBeGreaterThan(50);
        expect(c.points + c.bars).toBeGreaterThan(0);
      }
      // 3 percentiles x (baseline + 2 stages); one bar per stage; 2 series x 3 stages.
      expect(charts[0]!.points).toBe(9);
      expect(charts[1]!.bars).toBe(3);
      expect(charts[2]!.points).toBe(6);
      // Points are inside the drawing, not NaN or off-canvas.
      const inside = await page.$$eval('svg.chart .point', (points) => points.every((p) => Number.isFinite(Number(p.getAttribute('cx'))) && Number(p.getAttribute('cy')) >= 0 && Number(p.getAttribute('cy')) <= 300));
      expect(inside).toBe(true);
      expect(await page.title()).toContain('Load test report');
      expect(errors).toEqual([]);
      expect(network).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
