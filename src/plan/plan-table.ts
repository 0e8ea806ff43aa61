import type { CapacityPlan, StagePrediction } from './capacity-plan.js';

const usd = (v: number) => (v >= 100 ? `$${Math.round(v).toLocaleString('en-US')}` : `$${v.toFixed(2)}`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** The plan as markdown table rows plus the lines under it (the same text in the terminal and in report.md). */
export function renderPlan(plan: CapacityPlan): string {
  const r = plan.request;
  const f = plan.figures;
  const lines = [
    `Capacity plan: ${count(r.users)} users, ${r.messages} messages per conversation, p95 < ${secs(r.p95Ms)}, think time ${secs(r.thinkTimeMs)}, ${r.model}`,
    `figures: ${f.source}: ${count(f.chargedPerMessage)} charged tokens and ${f.llmCallsPerMessage.toFixed(2)} LLM calls per message, call ${Math.round(f.callP50Ms)} ms median / ${Math.round(f.callP95Ms)} ms p95, ${f.cpuPerMessageMs.toFixed(1)} ms server CPU per message`,
    '',
    `| tier | RPM | TPM | most users at p95 < ${secs(r.p95Ms)} (sustained) | serves ${count(r.users)}? | ${count(r.users)} users at once from a full budget: makespan / p95 |`,
    '|---|---:|---:|---:|:---:|---:|',
    ...plan.rows.map((row) => `| ${row.tier} | ${count(row.rpm)} | ${count(row.tpm)} | ${count(row.maxUsers)} | ${row.meets ? 'yes' : 'no'} | ${secs(row.burst.makespanMs)} / ${secs(row.burst.p95Ms)} |`),
    '',
    `smallest tier for ${count(r.users)} users: ${plan.smallestTier ?? 'none of tier1-tier5'}`,
    `server replicas: ${plan.replicas} (${count(r.users)} users x one message per ${secs(plan.cycleMs)} x ${f.cpuPerMessageMs.toFixed(1)} ms CPU, at most 70% of a core each)`,
    `cost: ${usd(plan.costPerMessageUsd * 1000)} per 1,000 messages; ${usd(plan.costPerDayUsd)} per day and ${usd(plan.costPer30DaysUsd)} per 30 days with ${count(r.users)} users active ${r.activeHours} h a day`,
    `sustained means users chatting without pause, one message per answer plus think time; a lone user's p95 is ${secs(plan.singleUserP95Ms)}`,
  ];
  return lines.join('\n');
}

export function renderPrediction(p: StagePrediction): string {
  const pct = (x: number) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%`;
  return [
    `the report's ${p.stage} stage on ${p.tier}, predicted from its own figures (full budget at the start):`,
    `  makespan ${p.predicted.makespanSec.toFixed(1)} s predicted vs ${p.measured.makespanSec.toFixed(1)} s measured (${pct(p.ratio.makespan)})`,
    `  p95 ${secs(p.predicted.p95Ms)} predicted vs ${secs(p.measured.p95Ms)} measured (${pct(p.ratio.p95)})`,
  ].join('\n');
}
