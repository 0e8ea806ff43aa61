import { describe, expect, it } from 'vitest';
import { createProgressPrinter } from './progress-printer.js';

describe('createProgressPrinter', () => {
  const snapshot = { usersActive: 7, messagesDone: 12, succeeded: 11, failed: 1, p95Ms: 420 };

  it('rewrites one line per stage on a terminal', () => {
    let out = '';
    let t = 0;
    const print = createProgressPrinter({ write: (s: string) => (out += s) }, { mode: 'tty', timeScale: 0.1, now: () => t });
    print({ type: 'stage-start', label: '10 users', kind: 'closed', users: 10, arrivalRatePerSec: null, plannedMessages: 20, timeScale: 0.1 });
    print({ type: 'stage-progress', label: '10 users', elapsedMs: 1000, snapshot });
    t += 50;
    print({ type: 'stage-progress', label: '10 users', elapsedMs: 1050, snapshot });
    expect(out).toBe('\r\x1b[2K[10 users] users active 7 | messages 12 of 20 planned | ok 11 | failed 1 | p95 4,200 ms | 10.0 s');
  });

  it('prints plain lines at most every interval elsewhere', () => {
    const lines: string[] = [];
    let t = 0;
    const print = createProgressPrinter({ write: (s: string) => lines.push(s) }, { mode: 'plain', timeScale: 1, intervalMs: 5000, now: () => t });
    print({ type: 'stage-start', label: '10 users', kind: 'closed', users: 10, arrivalRatePerSec: null, plannedMessages: 20, timeScale: 1 });
    for (t = 0; t <= 10_000; t += 1000) print({ type: 'stage-progress', label: '10 users', elapsedMs: t, snapshot });
    expect(lines).toHaveLength(1 + 3);
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
  });

  it("divides by each run's own time scale, not the printer's first one", () => {
    const lines: string[] = [];
    const print = createProgressPrinter({ write: (s: string) => lines.push(s) }, { mode: 'plain', timeScale: 0.05, intervalMs: 0, now: () => 0 });
    // A real-time run (a latency check) after a scaled one.
    print({ type: 'stage-start', label: '10 users', kind: 'closed', users: 10, arrivalRatePerSec: null, plannedMessages: 20, timeScale: 1 });
    print({ type: 'stage-progress', label: '10 users', elapsedMs: 3000, snapshot });
    expect(lines[1]).toContain('p95 420 ms | 3.0 s');
  });
});
