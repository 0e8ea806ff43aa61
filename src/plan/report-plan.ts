import { hitRate } from '../agent/agent-counters.js';
import type { LoadTestReport } from '../loadtest/report-types.js';
import { planCapacity, predictReportStage } from './capacity-plan.js';
import { figuresFromReport, stageOf } from './plan-figures.js';
import { renderPlan, renderPrediction } from './plan-table.js';

interface AgentStats {
  agent?: {
    profile?: string;
    templatedAnswers?: number;
    answerCache?: { hits: number; misses: number; stores: number; invalidations: number };
    availabilityCache?: { hits: number; misses: number; stores: number; invalidations: number };
  };
}

const pct = (rate: number | null) => (rate === null ? 'no lookups' : `${(rate * 100).toFixed(1)}%`);

/**
 * The closing section of report.md: the caches' hit rates per stage, then the capacity plan
 * `concierge plan --from report.json` prints for this run's own figures, and how well the
 * plan's model predicts the largest stage. Empty when the run has no stage with messages.
 */
export function reportPlanSection(report: LoadTestReport): string[] {
  const stage = stageOf(report);
  if (!stage) return [];
  const out: string[] = ['## Caches and capacity plan', ''];
  out.push('| Stage | Answer cache hits | Availability cache hits | Templated answers |', '|---|---:|---:|---:|');
  for (const s of [...(report.baseline ? [report.baseline] : []), ...report.stages]) {
    const agent = (s.server.last as AgentStats | null)?.agent;
    if (!agent) continue;
    const a = agent.answerCache;
    const v = agent.availabilityCache;
    out.push(`| ${s.label} | ${a ? `${pct(hitRate(a))} (${a.hits} of ${a.hits + a.misses})` : 'n/a'} | ${v ? `${pct(hitRate(v))} (${v.hits} of ${v.hits + v.misses})` : 'n/a'} | ${agent.templatedAnswers ?? 'n/a'} |`);
  }
  out.push('', 'Counted by the server over each stage (`/stats` `agent`, reset before the stage).', '');
  const p95 = report.config.thresholds.map((t) => /^\s*p\(95\)\s*<\s*([\d.]+)\s*(ms|s)?\s*$/i.exec(t)).find(Boolean);
  const p95Ms = p95 ? Number(p95[1]) * (p95[2]?.toLowerCase() === 's' ? 1000 : 1) : 10_000;
  const figures = { ...figuresFromReport(report, 'report.json'), source: `this run's ${stage.label} stage` };
  const plan = planCapacity({ users: stage.users, messages: report.config.messages, p95Ms, thinkTimeMs: report.config.thinkTimeMs, activeHours: 8, figures, model: report.pricing.model });
  out.push(renderPlan(plan), '');
  const prediction = predictReportStage(report, figures);
  if (prediction) out.push('```', renderPrediction(prediction), '```', '');
  return out;
}
