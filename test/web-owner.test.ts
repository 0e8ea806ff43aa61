import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateInWords, timeInWords } from '../web/src/shared/words.js';
import { collectErrors, guardOrigins, HAVE_CHROMIUM, launchChromium, maybeScreenshot, seriousAxeViolations } from './helpers/browser.js';
import { findOpenDate, startTestServer, type TestServer } from './helpers/test-server.js';

async function ask(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(async () => (await page.getByRole('log').textContent())?.includes(text), { timeout: 30_000 }).toBe(true);
  await expect.poll(() => page.getByRole('button', { name: 'Send' }).isEnabled(), { timeout: 30_000 }).toBe(true);
}

describe.skipIf(!HAVE_CHROMIUM)("the owner's console at /owner in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let foreign: string[];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    foreign = await guardOrigins(context, [server.url]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('finds a booking the customer made in the chat, moves it, and the customer then sees the new time', async () => {
    const date = await findOpenDate(server.url, 'beard-trim', '11:00');
    const customer = await context.newPage();
    const customerErrors = collectErrors(customer);
    await customer.goto(`${server.url}/`);
    await ask(customer, `Please book a Beard trim on ${date} at 11:00.`);
    const code = (await customer.locator('.booking-code').first().textContent())!;
    expect(code).toMatch(/^BK-/);
    // Other customers' bookings on the same day, so the calendar has something to lay out.
    await server.bookings.book({ customerId: 'grace', customerName: 'Grace', service: 'classic-haircut', date, time: '10:00' });
    await server.bookings.book({ customerId: 'linus', service: 'classic-haircut', date, time: '10:15' });
    const other = await server.bookings.book({ customerId: 'ada', customerName: 'Ada', service: 'hot-towel-shave', date, time: '13:00' });

    const owner = await context.newPage();
    const ownerErrors = collectErrors(owner);
    await owner.goto(`${server.url}/owner`);
    await expect.poll(() => owner.getByRole('heading', { name: 'Capacity left today' }).isVisible()).toBe(true);
    // Every service has a row, unless the whole business is closed today.
    await expect.poll(async () => (await owner.locator('table.capacity tbody tr').count()) === server.bookings.business.services.length || (await owner.getByText(/^Closed today/).count()) === 1).toBe(true);
    expect(await owner.getByRole('heading', { name: 'Opening hours' }).isVisible()).toBe(true);

    // Search by code opens the booking.
    await owner.getByRole('textbox', { name: 'Code or customer' }).fill(code);
    await owner.getByRole('button', { name: 'Search' }).click();
    const details = owner.getByRole('region', { name: `Booking ${code}` });
    await expect.poll(() => details.isVisible()).toBe(true);
    expect(await details.textContent()).toContain(dateInWords(date));

    // Search by customer finds all of theirs.
    await owner.getByRole('textbox', { name: 'Code or customer' }).fill('grace');
    await owner.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => owner.getByRole('button', { name: /Classic haircut.*Grace/ }).count()).toBe(1);

    // The day's calendar shows the bookings by service at their times.
    await owner.getByRole('button', { name: 'Next' }).click();
    await owner.getByRole('button', { name: 'Today' }).click();
    while (!((await owner.locator('#calendar-title').textContent()) ?? '').includes(dateInWords(date))) await owner.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => owner.getByRole('group', { name: /^Classic haircut: 2 bookings/ }).count()).toBe(1);
    await expect.poll(() => owner.getByRole('group', { name: /^Beard trim: 1 booking/ }).count()).toBe(1);
    expect(await seriousAxeViolations(owner)).toEqual([]);

    // The week holds the same four bookings in the day's column.
    await owner.getByRole('button', { name: 'Week' }).click();
    await expect.poll(() => owner.locator('#calendar-title').textContent()).toMatch(/^Week of .*: \d+ bookings?$/);
    await expect.poll(() => owner.getByRole('group', { name: /: 4 bookings$/ }).count()).toBe(1);
    expect(await seriousAxeViolations(owner)).toEqual([]);
    await owner.getByRole('button', { name: 'Day', exact: true }).click();
    await expect.poll(() => owner.getByRole('group', { name: /^Beard trim: 1 booking/ }).count()).toBe(1);

    // Move it through the details panel.
    await owner.getByRole('group', { name: /^Beard trim/ }).getByRole('button', { name: new RegExp(code) }).click();
    await details.getByRole('button', { name: 'Move booking' }).click();
    const newTime = details.getByRole('combobox', { name: 'New time' });
    await expect.poll(() => newTime.isEnabled()).toBe(true);
    await newTime.selectOption('15:00');
    await details.getByRole('button', { name: 'Move', exact: true }).click();
    await expect.poll(() => owner.getByRole('status').filter({ hasText: `Moved ${code}` }).count()).toBe(1);
    const moved = await server.bookings.getBooking(code);
    expect(moved).toMatchObject({ date, time: '15:00', status: 'confirmed' });
    expect(await details.textContent()).toContain(timeInWords('15:00'));
    await maybeScreenshot(owner, 'owner');

    // Cancelling asks first, then goes through.
    await owner.getByRole('textbox', { name: 'Code or customer' }).fill(other.booking.code);
    await owner.getByRole('button', { name: 'Search' }).click();
    const otherDetails = owner.getByRole('region', { name: `Booking ${other.booking.code}` });
    await otherDetails.getByRole('button', { name: 'Cancel booking' }).click();
    await otherDetails.getByRole('button', { name: 'Yes, cancel it' }).click();
    await expect.poll(async () => (await server.bookings.getBooking(other.booking.code))?.status).toBe('cancelled');
    await expect.poll(() => otherDetails.textContent()).toContain('Cancelled');

    // The customer's next question about their bookings shows the new time.
    await ask(customer, 'What are my bookings?');
    const answer = (await customer.locator('.bubble.assistant').last().textContent())!;
    expect(answer).toContain('15:00');
    expect(await customer.getByRole('article', { name: /Beard trim/ }).textContent()).toContain(timeInWords('15:00'));

    expect(customerErrors).toEqual([]);
    expect(ownerErrors).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
