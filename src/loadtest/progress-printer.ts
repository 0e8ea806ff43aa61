import { fmtInt, fmtMs, fmtNum, fmtPct } from './format.js';
import type { LoadTestEvent } from './load-test-plan.js';

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** `tty`: one live line per stage, rewritten in place; `plain`: a line every `intervalMs`. */
  mode: 'tty' | 'plain' | 'off';
  /** The time scale until a stage announces its own (one printer may follow runs at different scales). */
  timeScale: number;
  intervalMs?: number;
  now?: () => number;
}

/**
 * Live progress of a load test. On a terminal each stage has one line updated in place
 * (users active, messages done of planned, successes, failures, p95 so far); otherwise plain
 * lines every few seconds, so CI logs stay readable.
 */
export function createProgressPrinter(output: ProgressOutput, options: ProgressOptions): (event: LoadTestEvent) => void {
  const now = options.now ?? (() => performance.now());
  const interval = options.mode === 'tty' ? 200 : (options.intervalMs ?? 5000);
  let f = options.timeScale;
  let planned = 0;
  let last = -Infinity;
  const line = (label: string, elapsedMs: number, s: { usersActive: number; messagesDone: number; succeeded: number; failed: number; p95Ms: number }) =>
    `[${label}] users active ${fmtInt(s.usersActive)} | messages ${fmtInt(s.messagesDone)} of ${fmtInt(planned)} planned | ok ${fmtInt(s.succeeded)} | failed ${fmtInt(s.failed)} | p95 ${s.succeeded > 0 ? fmtMs(s.p95Ms / f) : '-'} | ${fmtNum(elapsedMs / 1000 / f, 1)} s`;
  return (event) => {
    if (options.mode === 'off') return;
    switch (event.type) {
      case 'info':
        output.write(`${event.message}\n`);
        return;
      case 'stage-start':
        planned = event.plannedMessages;
        f = event.timeScale;
        last = -Infinity;
        if (options.mode === 'plain') output.write(`[${event.label}] started: ${fmtInt(planned)} messages planned\n`);
        return;
      case 'stage-progress': {
        const t = now();
        if (t - last < interval) return;
        last = t;
        const text = line(event.label, event.elapsedMs, event.snapshot);
        output.write(options.mode === 'tty' ? `\r\x1b[2K${text}` : `${text}\n`);
        return;
      }
      case 'stage-end': {
        const s = event.stage;
        const lab = s.cpuBound ? ` [cpuBound: ${s.lab?.cpuBoundReasons.join('; ')}]` : '';
        const text = `[${s.label}] done: ${fmtPct(s.successRate)} of ${fmtInt(s.messages.total)} messages answered, p95 ${fmtMs(s.realTime.latencyMs.p95)}, ${fmtNum(s.realTime.throughput.messagesPerSec)} messages/s, ${fmtNum(s.realTime.durationSec, 1)} s${s.boundedBy ? ` (stopped by the ${s.boundedBy})` : ''} -> ${s.kind === 'baseline' ? 'baseline' : s.verdict.pass ? 'PASS' : 'FAIL'}${lab}`;
        output.write(options.mode === 'tty' ? `\r\x1b[2K${text}\n` : `${text}\n`);
        return;
      }
    }
  };
}
