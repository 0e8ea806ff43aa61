import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadTest } from '../src/loadtest/run-load-test.js';
import { collectErrors, guardOrigins, HAVE_CHROMIUM, launchChromium, maybeScreenshot, seriousAxeViolations } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const TIME_SCALE = 0.05;

async function figure(page: Page, id: string): Promise<string> {
  return (await page.locator(`[data-figure="${id}"] .value`).textContent()) ?? '';
}

/** "1,234 of 200,000" -> 1234; "3" -> 3; "–" -> NaN */
const firstNumber = (text: string) => Number(text.split(' ')[0]!.replace(/[^0-9.]/g, '') || NaN);

describe.skipIf(!HAVE_CHROMIUM)('the live view at /ops in Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    // The simulator at gpt-4o-mini speed and Tier-1 limits, twenty times faster than real time.
    // The gate is told of a tenth of the tokens: its budget refills at a tenth of the speed, so
    // a dip lasts long enough for a page polling five times a second to see it, however
    // slowly a busy machine runs the page.
    server = await startTestServer({ timeScale: TIME_SCALE, simLatency: 'gpt-4o-mini', simPreset: 'tier1', llmTier: 'tier1', llmTpm: 20_000 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows runs, budget, latency and cost moving while a time-scaled load test runs', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const foreign = await guardOrigins(context, [server.url]);
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${server.url}/ops?every=200`);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Updated');
    expect(await figure(page, 'answered')).toBe('0 / 0');
    const tokenLimit = Number((await figure(page, 'tokens-budget')).split(' of ')[1]!.replace(/,/g, ''));
    expect(tokenLimit).toBeGreaterThan(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Watch the page while the load runs: the most runs it showed, the fewest tokens left.
    let maxRuns = 0;
    let minTokens = Number.POSITIVE_INFINITY;
    let done = false;
    const load = runLoadTest({ targets: [server.url], stages: [20], mode: 'full', baseline: false, timeScale: TIME_SCALE, cooldownSec: 0, thinkTimeMs: 500, seed: 3 }).finally(() => {
      done = true;
    });
    let pictured = false;
    while (!done) {
      const runs = firstNumber(await figure(page, 'runs-in-progress')) || 0;
      maxRuns = Math.max(maxRuns, runs);
      if (!pictured && runs > 0 && firstNumber(await figure(page, 'answered')) >= 20) {
        await maybeScreenshot(page, 'ops');
        pictured = true;
      }
      const tokens = firstNumber(await figure(page, 'tokens-budget'));
      if (Number.isFinite(tokens)) minTokens = Math.min(minTokens, tokens);
      await page.waitForTimeout(50);
    }
    const report = await load;
    const sent = report.stages.reduce((sum, s) => sum + s.messages.total, 0);
    expect(sent).toBeGreaterThan(20);

    expect(maxRuns).toBeGreaterThan(0);
    expect(minTokens).toBeLessThan(tokenLimit);
    // Every answered message is counted once the page has polled after the load.
    await expect.poll(async () => firstNumber(await figure(page, 'answered')), { timeout: 10_000 }).toBeGreaterThanOrEqual(report.stages.reduce((sum, s) => sum + s.messages.succeeded, 0));
    expect(await figure(page, 'latency')).toMatch(/^\d+ ms \/ \d+ ms$/);
    expect(firstNumber((await figure(page, 'cost')).replace('$', ''))).toBeGreaterThan(0);
    // The charts drew the history: the runs line rose above zero somewhere.
    const runsLine = await page.locator('figure', { hasText: 'Runs in progress and queued' }).locator('polyline').first().getAttribute('points');
    expect(runsLine!.split(' ').some((p) => Number(p.split(',')[1]) < 110)).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);

    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  });
});
