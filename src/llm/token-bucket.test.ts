import { describe, expect, it } from 'vitest';
import { freshBudget, reserve, settle, view, type BudgetConfig, type BudgetState } from './token-bucket.js';

const T0 = 1_000_000;

function config(overrides: Partial<BudgetConfig> & { rpm?: number; tpm?: number } = {}): BudgetConfig {
  const { rpm = 60, tpm = 6000, ...rest } = overrides;
  return { requests: { configured: rpm }, tokens: { configured: tpm }, safety: 1, share: 1, periodMs: 60_000, depthMs: 60_000, ...rest };
}

function take(state: BudgetState, cfg: BudgetConfig, tokens: number, now: number): BudgetState {
  const decision = reserve(state, cfg, { requests: 1, tokens }, now);
  if (!decision.ok) throw new Error(`denied: ${decision.reason}`);
  return decision.state;
}

describe('token bucket budget', () => {
  it('starts full and takes requests and tokens together', () => {
    const cfg = config();
    const s = take(freshBudget(T0), cfg, 100, T0);
    const v = view(s, cfg, T0);
    expect(v.requests.remaining).toBe(59);
    expect(v.tokens.remaining).toBe(5900);
    expect(s.tokens.charged).toBe(100);
  });

  it('refills continuously at limit per minute', () => {
    const cfg = config();
    let s = take(freshBudget(T0), cfg, 6000, T0);
    expect(view(s, cfg, T0).tokens.remaining).toBe(0);
    expect(view(s, cfg, T0 + 1000).tokens.remaining).toBeCloseTo(100, 6);
    s = take(s, cfg, 100, T0 + 1000);
    expect(view(s, cfg, T0 + 1000).tokens.remaining).toBeCloseTo(0, 6);
    // Never above capacity however long it idles.
    expect(view(s, cfg, T0 + 10 * 60_000).tokens.remaining).toBe(6000);
  });

  it('denies atomically, naming the bucket and the exact wait', () => {
    const cfg = config();
    const s = take(freshBudget(T0), cfg, 5950, T0);
    const denied = reserve(s, cfg, { requests: 1, tokens: 250 }, T0);
    expect(denied).toMatchObject({ ok: false, reason: 'tokens' });
    if (denied.ok || denied.reason !== 'tokens') throw new Error('expected a token denial');
    expect(denied.waitMs).toBeCloseTo(2000, 6); // 200 missing at 0.1 per ms
    expect(view(denied.state, cfg, T0).requests.remaining).toBe(59); // the request was not taken
  });

  it('waits on requests when the RPM bucket is the one that is empty', () => {
    const cfg = config({ rpm: 2 });
    let s = take(freshBudget(T0), cfg, 1, T0);
    s = take(s, cfg, 1, T0);
    const denied = reserve(s, cfg, { requests: 1, tokens: 1 }, T0);
    expect(denied).toMatchObject({ ok: false, reason: 'requests', waitMs: 30_000 });
  });

  it('refuses a call larger than the provider limit and lets a full bucket admit one above the safety capacity', () => {
    const cfg = config({ safety: 0.5 });
    expect(reserve(freshBudget(T0), cfg, { requests: 1, tokens: 6001 }, T0)).toMatchObject({ ok: false, reason: 'too-large', bucket: 'tokens', limit: 6000 });
    const s = take(freshBudget(T0), cfg, 4000, T0); // capacity 3000, but the bucket was full
    expect(view(s, cfg, T0).tokens.remaining).toBe(-1000);
    const denied = reserve(s, cfg, { requests: 1, tokens: 4000 }, T0);
    expect(denied.ok).toBe(false);
    if (denied.ok || denied.reason !== 'tokens') throw new Error('expected a token denial');
    expect(denied.waitMs).toBeCloseTo(4000 / 0.05, 6); // back to full (3000) from -1000 at 0.05/ms
  });

  it('scales with safety, share and the time scale', () => {
    const cfg = config({ safety: 0.9, share: 0.5, periodMs: 3000, depthMs: 3000 });
    const v = view(freshBudget(T0), cfg, T0);
    expect(v.tokens.allowedPerMinute).toBeCloseTo(2700, 6);
    expect(v.tokens.capacity).toBeCloseTo(2700, 6);
    expect(v.tokens.ratePerMs).toBeCloseTo(0.9, 6); // a nominal minute lasts 3 real seconds
    const shallow = view(freshBudget(T0), config({ depthMs: 10_000 }), T0);
    expect(shallow.tokens.capacity).toBeCloseTo(1000, 6);
  });

  it('returns unused tokens on settle, up to capacity, and charges overruns', () => {
    const cfg = config();
    let s = take(freshBudget(T0), cfg, 3000, T0);
    s = settle(s, cfg, { delta: { requests: 0, tokens: -2000 } }, T0);
    expect(view(s, cfg, T0).tokens.remaining).toBe(5000);
    expect(s.tokens.charged).toBe(1000);
    s = settle(s, cfg, { delta: { requests: 0, tokens: -9000 } }, T0);
    expect(view(s, cfg, T0).tokens.remaining).toBe(6000);
    s = settle(s, cfg, { delta: { requests: 0, tokens: 7000 } }, T0);
    expect(view(s, cfg, T0).tokens.remaining).toBe(-1000);
  });

  it('lets headers lower the limit but never raise it above configuration', () => {
    const cfg = config({ rpm: 500, tpm: 200_000 });
    let s = settle(freshBudget(T0), cfg, { observed: { limits: { limitRequests: 100, limitTokens: 1_000_000 }, mark: { at: T0, requests: 0, tokens: 0 }, ageMs: 0 } }, T0);
    const v = view(s, cfg, T0);
    expect(v.requests.limit).toBe(100);
    expect(v.tokens.limit).toBe(200_000);
    s = settle(s, cfg, { observed: { limits: { limitRequests: 400 }, mark: { at: T0, requests: 0, tokens: 0 }, ageMs: 0 } }, T0);
    expect(view(s, cfg, T0).requests.limit).toBe(400);
  });

  it('lowers the level to what the provider has left, aged by refill and later charges', () => {
    const cfg = config({ safety: 0.9 }); // capacity 5400 of the provider's 6000
    let s = take(freshBudget(T0), cfg, 100, T0);
    const mark = { at: T0, requests: s.requests.charged, tokens: s.tokens.charged };
    s = take(s, cfg, 500, T0 + 500); // reserved after the observed call
    // The provider had 3000 left when it admitted the first call (someone else spends from it too); its answer came 1 s ago.
    s = settle(s, cfg, { observed: { limits: { remainingTokens: 3000 }, mark, ageMs: 1000 } }, T0 + 1000);
    // 3000 + 1000 ms x 0.1 refill - 500 charged since = 2600 at the provider; keep 600 headroom.
    expect(view(s, cfg, T0 + 1000).tokens.remaining).toBeCloseTo(2000, 6);
    // A header saying more than we have never raises the level.
    const before = view(s, cfg, T0 + 1000).tokens.remaining;
    s = settle(s, cfg, { observed: { limits: { remainingTokens: 6000 }, mark: { at: T0 + 1000, requests: s.requests.charged, tokens: s.tokens.charged }, ageMs: 0 } }, T0 + 1000);
    expect(view(s, cfg, T0 + 1000).tokens.remaining).toBeCloseTo(before, 6);
  });

  it('pauses everyone until the pause ends, optionally draining both buckets', () => {
    const cfg = config();
    let s = settle(freshBudget(T0), cfg, { pauseForMs: 450, drain: true }, T0);
    expect(reserve(s, cfg, { requests: 1, tokens: 10 }, T0 + 100)).toMatchObject({ ok: false, reason: 'paused', waitMs: 350 });
    // A shorter pause never shortens a longer one.
    s = settle(s, cfg, { pauseForMs: 100 }, T0 + 100);
    expect(view(s, cfg, T0 + 100).pausedForMs).toBe(350);
    // After the pause: drained at T0, refilled for 450 ms.
    expect(view(s, cfg, T0 + 450).tokens.remaining).toBeCloseTo(45, 6);
    expect(reserve(s, cfg, { requests: 1, tokens: 40 }, T0 + 450)).toMatchObject({ ok: false, reason: 'requests' });
    expect(reserve(s, cfg, { requests: 1, tokens: 40 }, T0 + 1000).ok).toBe(true);
  });

  it('is unlimited until limits are learned, then starts from what the provider reports', () => {
    const cfg: BudgetConfig = { ...config(), requests: { configured: undefined }, tokens: { configured: undefined } };
    let s = take(freshBudget(T0), cfg, 1_000_000, T0);
    expect(view(s, cfg, T0).tokens.limit).toBeUndefined();
    const mark = { at: T0, requests: s.requests.charged, tokens: s.tokens.charged };
    s = settle(s, cfg, { observed: { limits: { limitRequests: 60, limitTokens: 6000, remainingRequests: 50, remainingTokens: 4000 }, mark, ageMs: 0 } }, T0);
    const v = view(s, cfg, T0);
    expect(v.tokens.limit).toBe(6000);
    expect(v.tokens.remaining).toBe(4000);
    expect(v.requests.remaining).toBe(50);
  });
});
