import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, guardOrigins, HAVE_CHROMIUM, launchChromium } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

describe.skipIf(!HAVE_CHROMIUM)('the pages on a server with API keys', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer({ apiKeys: 'carol-key=carol', adminKeys: 'owner-key' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('asks a customer for the key once, says when it is refused, and remembers a good one', async () => {
    const context = await browser.newContext();
    const foreign = await guardOrigins(context, [server.url]);
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${server.url}/`);
    const key = page.getByLabel('Access key');
    await key.fill('wrong-key');
    await key.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted');
    await page.getByLabel('Access key').fill('carol-key');
    await page.getByRole('button', { name: 'Continue' }).click();
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('What services do you offer?');
    await box.press('Enter');
    await expect.poll(() => page.locator('.bubble.assistant').count(), { timeout: 30_000 }).toBe(1);
    // No display name on a server with keys: the key says who the customer is.
    expect(await page.getByLabel('Your name').count()).toBe(0);

    await page.reload();
    await expect.poll(() => page.locator('.bubble.assistant').count()).toBe(1);
    expect(await page.getByLabel('Access key').count()).toBe(0);

    // A customer's key is not an admin key: the console says so and asks again.
    await page.goto(`${server.url}/owner`);
    await page.getByLabel('Admin key').fill('carol-key');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted as an admin key');
    await page.getByLabel('Admin key').fill('owner-key');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Capacity left today' }).isVisible()).toBe(true);
    await page.goto(`${server.url}/ops`);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Updated');

    // The refused keys' 401 and 403 answers are logged by the browser itself; nothing else is.
    expect(errors.filter((e) => !/Failed to load resource: the server responded with a status of 40[13]/.test(e))).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  });
});
