import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`web browser tests skipped: ${CHROMIUM} not found (apt-get install -y chromium; .ci/run installs it)`);

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Every request whose origin is not one of `allowed` is blocked and recorded, so a test can
 * assert that a page loads nothing from elsewhere (no CDN, no fonts, no analytics).
 */
export async function guardOrigins(context: BrowserContext, allowed: readonly string[]): Promise<string[]> {
  const foreign: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || allowed.some((origin) => url.startsWith(`${origin}/`) || url === origin)) return route.fallback();
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  return foreign;
}

/** Page errors and console errors, which a healthy page has none of. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Run axe-core (from node_modules) in the page and return serious and critical violations.
 * It is evaluated rather than added as a script tag: the pages' CSP forbids inline scripts.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(readFileSync(AXE_PATH, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Screenshots for the README are rewritten only when UPDATE_SCREENSHOTS=1, so an ordinary
 * test run (and CI) leaves the committed PNGs alone.
 */
export async function maybeScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const path = `${DOCS}screenshots/${name}.png`;
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: false });
}
