import { fmtInt, fmtMs, fmtNum, fmtPct, fmtUsd } from './format.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { LoadTestReport, StageReport } from './report-types.js';

export type Better = 'higher' | 'lower' | 'neither';

export interface ComparisonRow {
  stage: string;
  metric: string;
  a: number | null;
  b: number | null;
  /** b - a */
  change: number | null;
  /** (b - a) / a */
  relativeChange: number | null;
  better: Better;
  /** 'better' | 'worse' | 'same' when the direction means something. */
  verdict: 'better' | 'worse' | 'same' | null;
  format: 'ms' | 'pct' | 'usd' | 'rate' | 'int' | 'num';
}

interface Metric {
  name: string;
  better: Better;
  format: ComparisonRow['format'];
  read: (s: StageReport, timeScale: number) => number | null;
}

/** Percentile of a stored histogram, real-time equivalent: recomputed, not copied. */
function fromHistogram(encoded: string | null, sumMs: number | undefined, percentile: number | 'mean', timeScale: number): number | null {
  if (!encoded) return null;
  const h = LatencyHistogram.decode(encoded, sumMs);
  if (h.count === 0) return null;
  return (percentile === 'mean' ? h.sumMs / h.count : h.percentileMs(percentile)) / timeScale;
}

const METRICS: Metric[] = [
  { name: 'users', better: 'neither', format: 'int', read: (s) => s.users },
  { name: 'messages sent', better: 'neither', format: 'int', read: (s) => s.messages.total },
  { name: 'success rate', better: 'higher', format: 'pct', read: (s) => (s.messages.total > 0 ? s.successRate : null) },
  { name: 'conversation success rate', better: 'higher', format: 'pct', read: (s) => (s.conversations.total > 0 ? s.conversationSuccessRate : null) },
  { name: 'duration (s)', better: 'neither', format: 'num', read: (s) => s.realTime.durationSec },
  { name: 'messages/s', better: 'higher', format: 'rate', read: (s) => s.realTime.throughput.messagesPerSec },
  { name: 'conversations/s', better: 'higher', format: 'rate', read: (s) => s.realTime.throughput.conversationsPerSec },
  { name: 'latency mean', better: 'lower', format: 'ms', read: (s, f) => fromHistogram(s.histograms.messageLatency, s.histograms.sumsMs.messageLatency, 'mean', f) },
  { name: 'latency p50', better: 'lower', format: 'ms', read: (s, f) => fromHistogram(s.histograms.messageLatency, undefined, 50, f) },
  { name: 'latency p95', better: 'lower', format: 'ms', read: (s, f) => fromHistogram(s.histograms.messageLatency, undefined, 95, f) },
  { name: 'latency p99', better: 'lower', format: 'ms', read: (s, f) => fromHistogram(s.histograms.messageLatency, undefined, 99, f) },
  { name: 'latency p99.9', better: 'lower', format: 'ms', read: (s, f) => fromHistogram(s.histograms.messageLatency, undefined, 99.9, f) },
  { name: 'latency max', better: 'lower', format: 'ms', read: (s, f) => fromHistogram(s.histograms.messageLatency, undefined, 100, f) },
  { name: 'conversation latency p95', better: 'lower', format: 'ms', read: (s, f) => fromHistogram(s.histograms.conversationLatency, undefined, 95, f) },
  { name: 'time to first token p95', better: 'lower', format: 'ms', read: (s, f) => fromHistogram(s.histograms.ttft, undefined, 95, f) },
  { name: 'LLM calls per message', better: 'lower', format: 'num', read: (s) => (s.usage.answersWithUsage > 0 ? s.usage.llmCallsPerMessage : null) },
  { name: 'tokens per successful conversation', better: 'lower', format: 'int', read: (s) => (s.conversations.succeeded > 0 ? s.tokens.perSuccessfulConversation : null) },
  { name: 'cost', better: 'lower', format: 'usd', read: (s) => s.costUsd },
  { name: 'cost per successful conversation', better: 'lower', format: 'usd', read: (s) => s.cost.perSuccessfulConversationUsd },
];

/** Failure counts by cause, one row per cause present in either run. */
function failureMetrics(a: StageReport | undefined, b: StageReport | undefined): Metric[] {
  const causes = new Set([...Object.keys(a?.failures ?? {}), ...Object.keys(b?.failures ?? {})]);
  return [...causes]
    .filter((cause) => (a?.failures[cause] ?? 0) > 0 || (b?.failures[cause] ?? 0) > 0)
    .map((cause) => ({ name: `failures: ${cause}`, better: 'lower' as const, format: 'int' as const, read: (s: StageReport) => s.failures[cause] ?? 0 }));
}

/** Stages are matched by label ("50 users"), the baseline with the baseline. */
export function compareReports(a: LoadTestReport, b: LoadTestReport): ComparisonRow[] {
  const stagesOf = (r: LoadTestReport) => (r.baseline ? [r.baseline, ...r.stages] : r.stages);
  const labels = [...new Set([...stagesOf(a).map((s) => s.label), ...stagesOf(b).map((s) => s.label)])];
  const rows: ComparisonRow[] = [];
  for (const label of labels) {
    const sa = stagesOf(a).find((s) => s.label === label);
    const sb = stagesOf(b).find((s) => s.label === label);
    for (const metric of [...METRICS, ...failureMetrics(sa, sb)]) {
      const va = sa ? metric.read(sa, a.timeScale) : null;
      const vb = sb ? metric.read(sb, b.timeScale) : null;
      const change = va !== null && vb !== null ? vb - va : null;
      const relativeChange = change !== null && va !== null && va !== 0 ? change / Math.abs(va) : null;
      let verdict: ComparisonRow['verdict'] = null;
      if (change !== null && metric.better !== 'neither') {
        const tolerance = Math.abs(va ?? 0) * 1e-9;
        verdict = Math.abs(change) <= tolerance ? 'same' : (change > 0) === (metric.better === 'higher') ? 'better' : 'worse';
      }
      rows.push({ stage: label, metric: metric.name, a: va, b: vb, change, relativeChange, better: metric.better, verdict, format: metric.format });
    }
  }
  return rows;
}

function fmt(value: number | null, format: ComparisonRow['format']): string {
  if (value === null) return '—';
  switch (format) {
    case 'ms':
      return fmtMs(value);
    case 'pct':
      return fmtPct(value);
    case 'usd':
      return fmtUsd(value);
    case 'rate':
      return `${fmtNum(value)}/s`;
    case 'int':
      return fmtInt(value);
    case 'num':
      return fmtNum(value);
  }
}

function fmtChange(row: ComparisonRow): string {
  if (row.change === null) return '—';
  const sign = row.change > 0 ? '+' : row.change < 0 ? '−' : '±';
  const abs = Math.abs(row.change);
  const absText = row.format === 'pct' ? `${fmtNum(abs * 100, 1)} pts` : fmt(abs, row.format);
  const rel = row.relativeChange === null || row.format === 'pct' ? '' : ` (${sign}${fmtNum(Math.abs(row.relativeChange) * 100, 1)}%)`;
  return `${sign}${absText}${rel}`;
}

/** A Markdown document: one table per stage, A and B side by side with the change. */
export function renderComparison(a: LoadTestReport, b: LoadTestReport, names: { a: string; b: string }): string {
  const rows = compareReports(a, b);
  const out: string[] = [`# Load test comparison`, '', `- **A:** ${names.a} (run \`${a.runId}\`, ${a.startedAt}, time scale ${a.timeScale})`, `- **B:** ${names.b} (run \`${b.runId}\`, ${b.startedAt}, time scale ${b.timeScale})`, ''];
  out.push('Latency figures are recomputed from the stored HdrHistograms, as real-time equivalents. Change = B − A.', '');
  out.push(`Verdict: A ${a.verdict.pass ? 'PASS' : 'FAIL'}, B ${b.verdict.pass ? 'PASS' : 'FAIL'}. Capacity: A ${a.analysis.capacity.maxPassingUsers ?? 'none'}, B ${b.analysis.capacity.maxPassingUsers ?? 'none'} users passing.`, '');
  for (const stage of [...new Set(rows.map((r) => r.stage))]) {
    out.push(`## ${stage}`, '', '| Metric | A | B | Change | |', '|---|---:|---:|---:|---|');
    for (const r of rows.filter((x) => x.stage === stage)) {
      out.push(`| ${r.metric} | ${fmt(r.a, r.format)} | ${fmt(r.b, r.format)} | ${fmtChange(r)} | ${r.verdict === 'better' ? '✅ better' : r.verdict === 'worse' ? '❌ worse' : ''} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
