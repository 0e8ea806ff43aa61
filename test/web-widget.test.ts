import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, guardOrigins, HAVE_CHROMIUM, launchChromium, maybeScreenshot, seriousAxeViolations } from './helpers/browser.js';
import { findOpenDate, startTestServer, type TestServer } from './helpers/test-server.js';

/** A shop's own site on another origin, embedding the widget with the README's one tag. */
function startShop(conciergeUrl: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    if (request.url !== '/') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Northside Studio</title><link rel="icon" href="data:,"></head>
  <body>
    <main><h1>Northside Studio</h1><p>Haircuts, shaves and massages in the heart of town.</p></main>
    <script src="${conciergeUrl()}/widget.js" data-concierge-url="${conciergeUrl()}" defer></script>
  </body>
</html>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe.skipIf(!HAVE_CHROMIUM)('the chat widget embedded on another origin', () => {
  let shop: { server: Server; origin: string };
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    shop = await startShop(() => server.url);
    server = await startTestServer({ corsOrigin: shop.origin, simLatency: 'fast' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((resolve) => shop?.server.close(resolve));
  });

  it('books through the widget on the shop page, while the owner routes stay closed to that origin', async () => {
    const date = await findOpenDate(server.url, 'classic-haircut', '14:00');
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const foreign = await guardOrigins(context, [shop.origin, server.url]);
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${shop.origin}/`);

    // Nothing is fetched from the server until the visitor opens the chat.
    await page.getByRole('button', { name: 'Chat with us' }).click();
    const panel = page.getByRole('dialog', { name: 'Chat' });
    const box = panel.getByRole('textbox', { name: 'Message' });
    await expect.poll(() => box.isVisible()).toBe(true);
    await box.fill(`Please book a Classic haircut on ${date} at 14:00.`);
    await box.press('Enter');
    const card = panel.getByRole('article', { name: /Classic haircut/ });
    await expect.poll(() => card.count(), { timeout: 30_000 }).toBe(1);
    const code = (await card.locator('.booking-code').textContent())!;
    expect(await server.bookings.getBooking(code)).toMatchObject({ date, time: '14:00', status: 'confirmed' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await maybeScreenshot(page, 'widget');

    // Up to here the page logged no error; the refused calls below log theirs, as browsers do.
    expect(errors).toEqual([]);

    // The same page may not use the owner's routes, even on a dev-mode server where everyone is an admin.
    const ownerCalls = await page.evaluate(async (url) => {
      const attempt = (path: string, init?: RequestInit) =>
        fetch(url + path, init).then(
          (r) => `answered ${r.status}`,
          () => 'blocked',
        );
      return {
        list: await attempt('/v1/bookings'),
        cancel: await attempt(`/v1/bookings/BK-AAAAAA/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
        stats: await attempt('/stats'),
      };
    }, server.url);
    expect(ownerCalls).toEqual({ list: 'blocked', cancel: 'blocked', stats: 'blocked' });
    expect((await server.bookings.getBooking(code))?.status).toBe('confirmed');

    // Escape closes the chat and gives the focus back to its button.
    await box.press('Escape');
    await expect.poll(() => panel.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.textContent)).toBe('Chat with us');

    expect(foreign).toEqual([]);
    await context.close();
  });
});
