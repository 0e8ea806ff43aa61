import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateInWords } from '../web/src/shared/words.js';
import { collectErrors, guardOrigins, HAVE_CHROMIUM, launchChromium, maybeScreenshot, seriousAxeViolations } from './helpers/browser.js';
import { findOpenDate, startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * Watches the conversation for the test: every distinct text of the newest assistant bubble
 * (to see tokens arrive one by one), whether the typing indicator showed, and when the first
 * answer text reached the DOM, to compare with the SDK event's `concierge:first-token` mark.
 */
const WATCH_SCRIPT = `
  window.__watch = { texts: [], typing: false, firstTextAt: undefined };
  window.__startWatch = () => {
    const log = document.querySelector('[role="log"]');
    const before = log.querySelectorAll('.bubble.assistant').length;
    window.__watch = { texts: [], typing: false, firstTextAt: undefined };
    performance.clearMarks('concierge:first-token');
    const observer = new MutationObserver(() => {
      const at = performance.now();
      const w = window.__watch;
      if (document.querySelector('.typing')) w.typing = true;
      const bubbles = log.querySelectorAll('.bubble.assistant');
      if (bubbles.length > before) {
        const text = bubbles[bubbles.length - 1].textContent;
        if (w.firstTextAt === undefined) w.firstTextAt = at;
        if (w.texts[w.texts.length - 1] !== text) w.texts.push(text);
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    window.__stopWatch = () => observer.disconnect();
  };
`;

interface Watch {
  texts: string[];
  typing: boolean;
  firstTextAt: number | undefined;
  firstTokenAt: number | undefined;
}

async function say(page: Page, text: string): Promise<Watch> {
  await page.evaluate('window.__startWatch()');
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  // The answer is complete when Send is enabled again.
  await expect.poll(() => page.getByRole('button', { name: 'Send' }).isEnabled(), { timeout: 30_000 }).toBe(true);
  await page.waitForFunction(() => !document.querySelector('[role="log"]')?.getAttribute('aria-busy')?.includes('true'));
  return page.evaluate(() => {
    const w = (window as unknown as { __watch: Watch; __stopWatch(): void }).__watch;
    (window as unknown as { __stopWatch(): void }).__stopWatch();
    const mark = performance.getEntriesByName('concierge:first-token')[0];
    return { ...w, firstTokenAt: mark?.startTime };
  });
}

describe.skipIf(!HAVE_CHROMIUM)('the customer chat at / in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let foreign: string[];
  let date: string;
  const firstTokenToDomMs: number[] = [];

  beforeAll(async () => {
    // A realistic token rate (the simulator's "fast" profile), so the answer really streams.
    server = await startTestServer({ simLatency: 'fast' });
    date = await findOpenDate(server.url, 'beard-trim', '11:00');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    await context.addInitScript(WATCH_SCRIPT);
    foreign = await guardOrigins(context, [server.url]);
  });

  afterAll(async () => {
    if (firstTokenToDomMs.length) console.log(`first answer token: SDK stream event to DOM text ${firstTokenToDomMs.map((ms) => `${ms.toFixed(1)} ms`).join(', ')}`);
    await browser?.close();
    await server?.stop();
  });

  it('books by typing, streams the answer, shows the card, keeps the thread over a reload, and cancels through the card', async () => {
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.getByRole('textbox', { name: 'Message' }).isVisible()).toBe(true);
    expect(await page.getByRole('log').count()).toBe(1);
    expect(await seriousAxeViolations(page)).toEqual([]);

    const booked = await say(page, `Please book a Beard trim on ${date} at 11:00.`);
    // Streamed: the answer grew over several renders, behind a typing indicator.
    expect(booked.typing).toBe(true);
    expect(booked.texts.length).toBeGreaterThan(2);
    expect(booked.texts.at(-1)).toMatch(/BK-[A-Z0-9]{6}/);
    expect(booked.firstTokenAt).toBeDefined();
    firstTokenToDomMs.push(booked.firstTextAt! - booked.firstTokenAt!);

    const card = page.getByRole('article', { name: /Beard trim/ });
    await expect.poll(() => card.count()).toBe(1);
    const code = (await card.locator('.booking-code').textContent())!;
    expect(code).toMatch(/^BK-[A-Z0-9]{6}$/);
    const cardText = (await card.textContent())!;
    expect(cardText).toContain(dateInWords(date));
    expect(cardText).toContain('11:00');
    expect(cardText).toContain('$');
    expect((await server.bookings.getBooking(code))?.status).toBe('confirmed');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await maybeScreenshot(page, 'chat');

    // The thread id is in local storage: a reload shows the same conversation.
    await page.reload();
    await expect.poll(() => page.getByRole('article', { name: /Beard trim/ }).count()).toBe(1);
    expect(await page.getByRole('log').textContent()).toContain(`Please book a Beard trim on ${date} at 11:00.`);
    expect(await page.locator('.booking-code').textContent()).toBe(code);

    await page.evaluate('window.__startWatch()');
    await page.getByRole('article', { name: /Beard trim/ }).getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByRole('article', { name: /Beard trim \(cancelled\)/ }).count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByRole('log').textContent()).toContain(`Please cancel my booking ${code}.`);
    expect((await server.bookings.getBooking(code))?.status).toBe('cancelled');

    // A new conversation starts empty, and stays the current one after a reload.
    await page.getByRole('button', { name: 'New conversation' }).click();
    await expect.poll(() => page.locator('.bubble').count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByRole('textbox', { name: 'Message' }).isVisible()).toBe(true);
    expect(await page.locator('.bubble').count()).toBe(0);

    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });
});
