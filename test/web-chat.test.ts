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

/** First-token-to-DOM figures of every watched answer, printed at the end (a figure, not an assertion). */
const firstTokenToDomMs: number[] = [];

async function say(page: Page, text: string): Promise<Watch> {
  await page.evaluate('window.__startWatch()');
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  return readWatch(page);
}

/** Wait for the answer to be complete (Send enabled again), then read what the watcher saw. */
async function readWatch(page: Page): Promise<Watch> {
  await expect.poll(() => page.getByRole('button', { name: 'Send' }).isEnabled(), { timeout: 30_000 }).toBe(true);
  await page.waitForFunction(() => !document.querySelector('[role="log"]')?.getAttribute('aria-busy')?.includes('true'));
  const watch = await page.evaluate(() => {
    const w = (window as unknown as { __watch: Watch; __stopWatch(): void }).__watch;
    (window as unknown as { __stopWatch(): void }).__stopWatch();
    const mark = performance.getEntriesByName('concierge:first-token')[0];
    return { ...w, firstTokenAt: mark?.startTime };
  });
  if (watch.firstTextAt !== undefined && watch.firstTokenAt !== undefined) firstTokenToDomMs.push(watch.firstTextAt - watch.firstTokenAt);
  return watch;
}

describe.skipIf(!HAVE_CHROMIUM)('the customer chat at / in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let foreign: string[];
  let date: string;

  beforeAll(async () => {
    // A realistic token rate (the simulator's "fast" profile), so the answer really streams.
    // The legacy agent writes the booking answer with the model, token by token; the lean one
    // writes it from the tool result at once, which would leave nothing to watch stream.
    server = await startTestServer({ simLatency: 'fast', agentProfile: 'legacy' });
    date = await findOpenDate(server.url, 'beard-trim', '11:00');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    await context.addInitScript(WATCH_SCRIPT);
    foreign = await guardOrigins(context, [server.url]);
  });

  afterAll(async () => {
    if (firstTokenToDomMs.length) {
      const sorted = [...firstTokenToDomMs].sort((a, b) => a - b);
      console.log(
        `first answer token, SDK stream event to text in the DOM: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms over ${sorted.length} answers (${firstTokenToDomMs.map((ms) => ms.toFixed(1)).join(', ')})`,
      );
    }
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
    expect(booked.firstTextAt).toBeDefined();

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
    await readWatch(page);
    await expect.poll(() => page.getByRole('article', { name: /Beard trim \(cancelled\)/ }).count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByRole('log').textContent()).toContain(`Please cancel my booking ${code}.`);
    expect((await server.bookings.getBooking(code))?.status).toBe('cancelled');

    for (const question of ['What services do you offer?', 'Do you have a Kids cut free tomorrow?']) expect((await say(page, question)).texts.length).toBeGreaterThan(1);

    // A new conversation starts empty, and stays the current one after a reload.
    await page.getByRole('button', { name: 'New conversation' }).click();
    await expect.poll(() => page.locator('.bubble').count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByRole('textbox', { name: 'Message' }).isVisible()).toBe(true);
    expect(await page.locator('.bubble').count()).toBe(0);

    // Dev mode: the visitor picks the name they chat as (their customer id); each name has its own thread.
    await page.getByRole('button', { name: 'Change name' }).click();
    await page.getByRole('textbox', { name: 'Your name' }).fill('ada.l');
    await page.getByRole('button', { name: 'Switch' }).click();
    await expect.poll(() => page.locator('.name-form').textContent()).toContain('You are ada.l');
    await say(page, 'What services do you offer?');
    const threadId = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.endsWith(':thread:name:ada.l'))?.[1]);
    const asAda = await fetch(`${server.url}/threads/${threadId}/state`, { headers: { 'x-customer-id': 'ada.l' } });
    expect(asAda.status).toBe(200);
    expect((await fetch(`${server.url}/threads/${threadId}/state`, { headers: { 'x-customer-id': 'someone-else' } })).status).toBe(404);

    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it('works by keyboard alone on a 375x812 phone screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const foreignHere = await guardOrigins(phone, [server.url]);
    const page = await phone.newPage();
    const errors = collectErrors(page);
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.getByRole('textbox', { name: 'Message' }).isVisible()).toBe(true);
    const focusedName = () => page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement | null;
      return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent ?? el.textContent ?? ''}` : '';
    });
    // Tab from the top of the page to the message box, type, Enter.
    const tabTo = async (pattern: RegExp, limit = 30) => {
      for (let i = 0; i < limit && !pattern.test(await focusedName()); i++) await page.keyboard.press('Tab');
      expect(await focusedName()).toMatch(pattern);
    };
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await tabTo(/^textarea:Message$/);
    const phoneDate = await findOpenDate(server.url, 'kids-cut', '10:00');
    await page.keyboard.type(`Please book a Kids cut on ${phoneDate} at 10:00.`);
    await page.keyboard.press('Enter');
    const card = page.getByRole('article', { name: /Kids cut/ });
    await expect.poll(() => card.count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);
    const code = (await card.locator('.booking-code').textContent())!;

    // Nothing wider than the screen; the card and the box fit.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    for (const box of [await card.boundingBox(), await page.getByRole('button', { name: 'Send' }).boundingBox()]) expect(box!.x + box!.width).toBeLessThanOrEqual(375);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await maybeScreenshot(page, 'chat-phone');

    // Tab to the card's Move, open the form, pick a time with the keyboard, send; then cancel by Tab/Enter.
    await page.getByRole('textbox', { name: 'Message' }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await tabTo(/^button:Move$/);
    await page.keyboard.press('Enter');
    await tabTo(/^select:New time$/);
    await expect.poll(() => page.getByRole('combobox', { name: 'New time' }).isEnabled()).toBe(true);
    await page.keyboard.press('ArrowDown');
    const chosen = await page.getByRole('combobox', { name: 'New time' }).inputValue();
    await tabTo(/^button:Ask to move$/);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await server.bookings.getBooking(code))?.time, { timeout: 30_000 }).toBe(chosen);
    await expect.poll(() => page.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);
    await page.getByRole('textbox', { name: 'Message' }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await tabTo(/^button:Cancel$/);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await server.bookings.getBooking(code))?.status, { timeout: 30_000 }).toBe('cancelled');

    expect(errors).toEqual([]);
    expect(foreignHere).toEqual([]);
    await phone.close();
  });

  it('says when a busy server can be tried again and retries once by itself; reconnects after a lost connection', async () => {
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.getByRole('textbox', { name: 'Message' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'New conversation' }).click();
    await expect.poll(() => page.locator('.bubble').count()).toBe(0);
    const statusTexts: string[] = [];
    await page.exposeFunction('__status', (text: string) => statusTexts.push(text));
    await page.evaluate(() => {
      const status = document.querySelector('.chat-status')!;
      new MutationObserver(() => (window as unknown as { __status(t: string): void }).__status(status.textContent ?? '')).observe(status, { subtree: true, childList: true, characterData: true });
    });

    // The server's own 503 shape (docs/agent-api.md), answered once in place of the real server.
    let streams = 0;
    await page.route('**/runs/stream', async (route) => {
      streams += 1;
      if (streams === 1) {
        return route.fulfill({
          status: 503,
          headers: { 'content-type': 'application/json', 'retry-after': '1', 'retry-after-ms': '1000' },
          body: JSON.stringify({ code: 'OVERLOADED', message: 'the agent is at capacity; retry after 1000 ms' }),
        });
      }
      // The second message's first attempt: the connection drops before the server sees it.
      if (streams === 3) return route.abort('connectionreset');
      return route.fallback();
    });
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('What services do you offer?');
    await box.press('Enter');
    await expect.poll(() => statusTexts.some((t) => /very busy.*Trying again in 1 second/.test(t))).toBe(true);
    await expect.poll(() => page.locator('.bubble.assistant').count(), { timeout: 30_000 }).toBe(1);
    expect(streams).toBe(2);

    await expect.poll(() => page.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);
    await box.fill('Do you have a Classic haircut free tomorrow?');
    await box.press('Enter');
    await expect.poll(() => statusTexts.some((t) => t.includes('Connection lost. Reconnecting'))).toBe(true);
    await expect.poll(() => page.locator('.bubble.assistant').count(), { timeout: 30_000 }).toBe(2);
    expect(streams).toBe(4);
    // Sent again after the reconnect, and shown once.
    expect(await page.locator('.bubble.user', { hasText: 'Do you have a Classic haircut free tomorrow?' }).count()).toBe(1);
    const { name, threadId } = await page.evaluate(() => {
      const saved = Object.entries(localStorage);
      const visitor = saved.find(([k]) => k.endsWith(':name'))?.[1] ?? '';
      return { name: visitor, threadId: saved.find(([k]) => k.endsWith(`:thread:name:${visitor}`))?.[1] };
    });
    const state = (await (await fetch(`${server.url}/threads/${threadId}/state`, { headers: { 'x-customer-id': name } })).json()) as { values: { messages: Array<{ type: string }> } };
    expect(state.values.messages.filter((m) => m.type === 'human')).toHaveLength(2);

    expect(errors.filter((e) => !/Failed to load resource|ERR_CONNECTION_RESET/.test(e))).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });
});
