import { describe, expect, it } from 'vitest';
import { batchSlowdown, sampleTiming, totalMs } from './latency-model.js';
import { LATENCY_PROFILES } from './latency-profiles.js';
import { createRng } from './seeded-random.js';

describe('latency model', () => {
  it('gpt-4o-mini: 0.3-0.6 s to first token and 50-100 tokens/s for most responses', () => {
    const rng = createRng(5);
    const samples = Array.from({ length: 2000 }, () => sampleTiming(LATENCY_PROFILES['gpt-4o-mini'], { promptTokens: 1500, cachedTokens: 1024 }, rng));
    const ttft = samples.map((s) => s.firstTokenMs).sort((a, b) => a - b);
    const tps = samples.map((s) => 1000 / s.perTokenMs).sort((a, b) => a - b);
    expect(ttft[1000]).toBeGreaterThan(300);
    expect(ttft[1000]).toBeLessThan(600);
    expect(tps[1000]).toBeGreaterThan(50);
    expect(tps[1000]).toBeLessThan(100);
    expect(ttft[100]).toBeGreaterThan(250);
  });

  it('adds prefill for uncached tokens only, and is zero when off', () => {
    const profile = { ...LATENCY_PROFILES['gpt-4o-mini'], ttftSigma: 0, outputTpsSigma: 0 };
    const a = sampleTiming(profile, { promptTokens: 2000, cachedTokens: 0 }, createRng(1));
    const b = sampleTiming(profile, { promptTokens: 2000, cachedTokens: 2000 }, createRng(1));
    expect(a.firstTokenMs - b.firstTokenMs).toBeCloseTo(80);
    const off = sampleTiming(LATENCY_PROFILES.off, { promptTokens: 2000, cachedTokens: 0 }, createRng(1));
    expect(totalMs(off, 100)).toBe(0);
    expect(totalMs({ firstTokenMs: 400, perTokenMs: 10 }, 51)).toBe(900);
  });

  it('slows decoding as a self-hosted batch fills', () => {
    expect(batchSlowdown(1, 8, 1)).toBe(1);
    expect(batchSlowdown(8, 8, 1)).toBe(2);
    expect(batchSlowdown(20, 8, 1)).toBe(2);
    expect(batchSlowdown(3, 0, 1)).toBe(1);
  });
});
