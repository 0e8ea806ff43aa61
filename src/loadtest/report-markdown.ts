import { reportPlanSection } from '../plan/report-plan.js';
import { labSection } from './lab-markdown.js';
import { FAILURE_CAUSE_MEANINGS, FIXED_FAILURE_CAUSES } from './failure-cause.js';
import { fmtCheckValue, fmtInt, fmtMs, fmtNum, fmtPct, fmtUsd } from './format.js';
import type { LatencySummaryMs } from './latency-histogram.js';
import type { PrometheusFigures } from './prometheus-figures.js';
import type { LoadTestReport, StageReport } from './report-types.js';

/**
 * report.md: the sections of the earlier system's capacity report, each claim carrying the
 * figure of this run it rests on. Durations, latencies and rates are real-time equivalents.
 */
export function renderMarkdown(report: LoadTestReport): string {
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines);
  const c = report.config;
  const scaled = report.timeScale !== 1;
  const stages = report.stages;

  push('# Load test report', '');
  push(`**Run:** \`${report.runId}\` · ${report.startedAt} → ${report.finishedAt}${report.partial ? ` · **partial (stopped by ${report.stoppedBy})**` : ''}`);
  push(
    `**Test:** ${c.model === 'closed' ? `progressive, ${c.stages.join(' → ')} concurrent users` : `open model, ${c.arrivalRates.join(' → ')} conversations/s for ${c.durationSec} s each`} · ${c.mode} mode (${c.messages} messages per conversation) · think time ${fmtMs(c.thinkTimeMs)} · per-message timeout ${fmtMs(c.timeoutSec * 1000)}${c.preset ? ` · preset \`${c.preset}\`` : ''}`,
  );
  push(`**Target:** ${c.localStack ? `local server and simulator started by the load tester${c.simPreset ? ` (simulator limits \`${c.simPreset}\`)` : ''}` : c.targets.join(', ')} · model priced as ${report.pricing.model}`);
  if (scaled) push(`**Time scale:** ${report.timeScale}. The simulator and server ran with every duration multiplied by ${report.timeScale}; all durations, latencies and rates below are real-time equivalents (measured ÷ ${report.timeScale}, rates × ${report.timeScale}). Measured figures are in report.json.`);
  push('');

  // Executive summary
  push('## Executive summary', '');
  push(`**Verdict:** ${report.verdict.pass ? '✅ every stage passes' : `❌ ${report.verdict.failedStages.length ? `fails at ${report.verdict.failedStages.join(', ')}` : 'incomplete'}`} against ${c.thresholds.map((t) => `\`${t}\``).join(', ')}.`, '');
  push('**Key findings:**');
  for (const s of stages) {
    push(`- ${s.verdict.pass ? '✅' : '❌'} **${s.label}:** ${fmtPct(s.successRate)} of ${fmtInt(s.messages.total)} messages answered, p95 ${fmtMs(s.realTime.latencyMs.p95)}, ${fmtNum(s.realTime.throughput.messagesPerSec)} messages/s${topFailure(s)}.`);
  }
  if (stages.length === 0) push('- No stage ran.');
  push('');
  push(`**Capacity:** ${report.analysis.capacity.statement}`, '');
  const key = keyDiagnosis(report);
  if (key) push(`**Bottleneck (${key.stage}):** ${key.statement}`, '');
  const cost = report.analysis.cost;
  push(`**Cost:** ${fmtUsd(cost.totalUsd)} for this run; ${fmtUsd(cost.perSuccessfulConversationUsd)} per successful conversation at ${report.pricing.model} prices.`, '');

  // Summary table
  push('## Progressive load test results', '');
  push('| Stage | Users | Success | Failed | Duration | Messages/s | Conversations/s | Mean | Median | P95 | P99 | Max | Verdict |');
  push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const s of withBaseline(report)) {
    const l = s.realTime.latencyMs;
    push(
      `| ${s.label} | ${fmtInt(s.users)} | ${fmtPct(s.successRate)} | ${fmtInt(s.messages.failed)} | ${fmtNum(s.realTime.durationSec, 1)} s | ${fmtNum(s.realTime.throughput.messagesPerSec)} | ${fmtNum(s.realTime.throughput.conversationsPerSec)} | ${fmtMs(l.mean)} | ${fmtMs(l.p50)} | ${fmtMs(l.p95)} | ${fmtMs(l.p99)} | ${fmtMs(l.max)} | ${s.kind === 'baseline' ? 'baseline' : s.verdict.pass ? 'PASS' : 'FAIL'} |`,
    );
  }
  push('', 'Latency is per message, from its intended start to its answer, successful messages only. Throughput counts successful messages (and conversations) per second of stage duration.', '');

  for (const s of stages) push(...stageSection(s));

  // Progression
  push('## Latency and success progression', '', '```');
  const width = Math.max(...withBaseline(report).map((s) => s.label.length), 8);
  push('Mean latency per message (real time):');
  for (const s of withBaseline(report)) push(`${s.label.padEnd(width)}  ${fmtMs(s.realTime.latencyMs.mean).padStart(10)}${multipleText(report, s)}`);
  push('', 'Success rate:');
  for (const s of withBaseline(report)) push(`${s.label.padEnd(width)}  ${fmtPct(s.successRate).padStart(7)}  ${bar(s.successRate)}${s.messages.failed ? `  (${topFailureWords(s)})` : ''}`);
  push('```', '');

  // Bottleneck
  push('## Bottleneck identification', '');
  push('Named from evidence only: the split of users\' waiting time from each answer\'s `usage.run` (queued / LLM / tools / elsewhere), failures by cause, provider 429s (the server\'s usage and the simulator\'s counters) and the server\'s event-loop lag from `GET /stats`.', '');
  for (const d of report.analysis.diagnoses) {
    push(`### ${d.stage}: ${d.bottleneck}`, '', d.statement, '');
    for (const e of d.evidence) push(`- ${e}`);
    push('');
  }

  // Cost
  push('## Cost analysis', '');
  push(`Prices (${report.pricing.model}, per 1M tokens): input ${fmtUsd(report.pricing.inputPerMTok)}, cached input ${fmtUsd(report.pricing.cachedInputPerMTok)}, output ${fmtUsd(report.pricing.outputPerMTok)}. Tokens from each answer's \`usage.run\`; cached tokens are part of prompt tokens.`, '');
  push('| Stage | Prompt tokens | Cached | Completion | Cost | Server-reported cost | Per conversation | Per successful conversation | LLM calls/message | Tool calls/message |');
  push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of withBaseline(report)) {
    push(
      `| ${s.label} | ${fmtInt(s.tokens.prompt)} | ${fmtInt(s.tokens.cached)} | ${fmtInt(s.tokens.completion)} | ${fmtUsd(s.costUsd)} | ${fmtUsd(s.cost.serverReportedUsd)} | ${fmtUsd(s.cost.perConversationUsd)} | ${fmtUsd(s.cost.perSuccessfulConversationUsd)} | ${fmtNum(s.usage.llmCallsPerMessage)} | ${fmtNum(s.usage.toolCallsPerMessage)} |`,
    );
  }
  push('', `**Total:** ${fmtUsd(cost.totalUsd)} (server-reported ${fmtUsd(cost.serverReportedUsd)}); ${cost.tokensPerSuccessfulConversation === null ? 'no successful conversation' : `${fmtInt(cost.tokensPerSuccessfulConversation)} tokens per successful conversation`}.`, '');
  if (cost.projections.length > 0) {
    push('**Production cost projection:**', '');
    push('| Users per day | Per day | Per 30 days |', '|---:|---:|---:|');
    for (const p of cost.projections) push(`| ${fmtInt(p.usersPerDay)} | ${fmtUsd(p.usdPerDay)} | ${fmtUsd(p.usdPerMonth)} |`);
    push('', `Assumption: ${cost.assumption}`, '');
  }

  // Capacity
  push('## System capacity assessment', '', report.analysis.capacity.statement, '');
  push('| Stage | Check | Measured | Result |', '|---|---|---:|---|');
  for (const s of stages) for (const check of s.verdict.checks) push(`| ${s.label} | \`${check.expression}\` | ${fmtCheckValue(check.actual, check.unit)} | ${check.pass ? 'pass' : '**fail**'} |`);
  push('', 'Latency thresholds read real-time-equivalent milliseconds; `success` is the share of messages answered.', '');

  // Recommendations
  push('## Recommendations', '');
  report.analysis.recommendations.forEach((r, i) => push(`${i + 1}. **${r.title}.** ${r.evidence}`));
  push('');

  // Baseline
  push('## Comparison with a single-user baseline', '');
  if (!report.baseline) push('No baseline was run (`--no-baseline`).', '');
  else {
    push('| Metric | ' + withBaseline(report).map((s) => s.label).join(' | ') + ' |');
    push('|---|' + withBaseline(report).map(() => '---:').join('|') + '|');
    const row = (name: string, f: (s: StageReport) => string) => push(`| ${name} | ${withBaseline(report).map(f).join(' | ')} |`);
    row('Success rate', (s) => fmtPct(s.successRate));
    row('Mean latency', (s) => fmtMs(s.realTime.latencyMs.mean));
    row('P95 latency', (s) => fmtMs(s.realTime.latencyMs.p95));
    row('Latency vs baseline', (s) => (s.kind === 'baseline' ? '1.0x' : multiple(report, s)));
    row('Conversation latency (mean)', (s) => fmtMs(s.realTime.conversationLatencyMs.mean));
    row('LLM calls per message', (s) => fmtNum(s.usage.llmCallsPerMessage));
    row('Tokens per successful conversation', (s) => fmtInt(s.tokens.perSuccessfulConversation));
    row('Cost per successful conversation', (s) => fmtUsd(s.cost.perSuccessfulConversationUsd));
    push('');
  }

  push(...labSection(report));
  push('## Notes', '');
  for (const n of report.notes) push(`- ${n}`);
  push(`- Failure causes: ${FIXED_FAILURE_CAUSES.map((k) => `\`${k}\` = ${FAILURE_CAUSE_MEANINGS[k]}`).join('; ')}; \`http_NNN\` = any other HTTP status.`);
  push('- Every latency distribution is stored in report.json as an HdrHistogram (microseconds, compressed base64), so any percentile can be recomputed.');
  push(`- Environment: Node ${report.environment.node}, ${report.environment.platform}/${report.environment.arch}, ${report.environment.cpus} × ${report.environment.cpuModel}, ${fmtInt(report.environment.totalMemoryMb)} MB; load generator, server and simulator on this one machine${c.localStack ? '' : ' (unless the target is remote)'}.`);
  push('');
  push(...reportPlanSection(report));
  return out.join('\n');
}

function withBaseline(report: LoadTestReport): StageReport[] {
  return report.baseline ? [report.baseline, ...report.stages] : report.stages;
}

function topFailure(s: StageReport): string {
  return s.messages.failed > 0 ? `; failures: ${topFailureWords(s)}` : '';
}

function topFailureWords(s: StageReport): string {
  return Object.entries(s.failures)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([k, n]) => `${fmtInt(n)} ${k}`)
    .join(', ');
}

function keyDiagnosis(report: LoadTestReport) {
  const failing = report.analysis.diagnoses.find((d, i) => !report.stages[i]?.verdict.pass);
  return failing ?? report.analysis.diagnoses[report.analysis.diagnoses.length - 1];
}

function multiple(report: LoadTestReport, s: StageReport): string {
  const b = report.baseline;
  if (!b || b.latencyMs.count === 0 || s.latencyMs.count === 0) return 'n/a';
  return `${fmtNum(s.latencyMs.mean / b.latencyMs.mean, 1)}x`;
}

function multipleText(report: LoadTestReport, s: StageReport): string {
  if (s.kind === 'baseline' || !report.baseline) return '';
  const m = multiple(report, s);
  return m === 'n/a' ? '' : `  (${m} the baseline)`;
}

function bar(fraction: number): string {
  const n = Math.round(Math.max(0, Math.min(1, fraction)) * 20);
  return `${'█'.repeat(n)}${'░'.repeat(20 - n)}`;
}

function latencyRow(name: string, l: LatencySummaryMs): string {
  return `| ${name} | ${fmtMs(l.mean)} | ${fmtMs(l.p50)} | ${fmtMs(l.p95)} | ${fmtMs(l.p99)} | ${fmtMs(l.max)} | ${fmtInt(l.count)} |`;
}

/** The server's own account of a stage, from its Prometheus metrics; latencies as real-time equivalents like the rest. */
function prometheusFigures(p: PrometheusFigures, timeScale: number): string {
  const real = (ms: number | null) => fmtMs(ms === null ? null : ms / timeScale);
  const left = (ratio: number | null) => (ratio === null ? 'n/a' : fmtPct(ratio, 0));
  return [
    `runs ${fmtInt(p.runs.success)} succeeded, ${fmtInt(p.runs.error)} failed, ${fmtInt(p.runs.timeout)} timed out; ${fmtInt(p.shed)} shed`,
    `message p95 ${real(p.runP95Ms)}`,
    `${fmtInt(p.llmCalls)} LLM calls (p95 ${real(p.llmCallP95Ms)}), ${fmtInt(p.providerRateLimited)} provider 429s, ${fmtInt(p.retries)} retries`,
    `tokens in / out / cached ${fmtInt(p.tokens.input)} / ${fmtInt(p.tokens.output)} / ${fmtInt(p.tokens.cached)}, ${fmtUsd(p.costUsd)}`,
    `admission wait mean ${real(p.queueWaitMeanMs)}`,
    `budget left at the end: tokens ${left(p.budgetLeftAtEnd.tokens)}, requests ${left(p.budgetLeftAtEnd.requests)}`,
  ].join('; ');
}

function stageSection(s: StageReport): string[] {
  const out: string[] = [];
  out.push(`### ${s.label}${s.kind === 'open' && s.arrivalRatePerSec !== null ? ` (arrivals ${fmtNum(s.arrivalRatePerSec)}/s, peak ${fmtInt(s.users)} in flight)` : ''}`, '');
  out.push('| Metric | Value |', '|---|---|');
  out.push(`| Success rate | ${fmtPct(s.successRate)} ${s.verdict.pass ? '✅' : '❌'} |`);
  out.push(`| Messages | ${fmtInt(s.messages.total)} sent (${fmtInt(s.messages.succeeded)} answered, ${fmtInt(s.messages.failed)} failed), ${fmtInt(s.messages.notSent)} of ${fmtInt(s.messages.planned)} planned never sent |`);
  out.push(`| Conversations | ${fmtInt(s.conversations.total)} (${fmtInt(s.conversations.succeeded)} complete, ${fmtPct(s.conversationSuccessRate)}); ${fmtInt(s.conversations.bookingsConfirmed)} bookings confirmed, ${fmtInt(s.conversations.takenSlotsRecovered)} after a taken slot |`);
  out.push(`| Failures by cause | ${s.messages.failed === 0 ? 'none' : topFailureWords(s)} |`);
  out.push(`| Duration | ${fmtNum(s.realTime.durationSec, 1)} s${s.boundedBy ? ` (stopped by the ${s.boundedBy})` : ''} |`);
  out.push(`| Throughput | ${fmtNum(s.realTime.throughput.messagesPerSec)} messages/s, ${fmtNum(s.realTime.throughput.conversationsPerSec)} conversations/s |`);
  out.push(`| LLM calls / tool calls per message | ${fmtNum(s.usage.llmCallsPerMessage)} / ${fmtNum(s.usage.toolCallsPerMessage)} |`);
  out.push(`| Tokens (prompt / cached / completion) | ${fmtInt(s.tokens.prompt)} / ${fmtInt(s.tokens.cached)} / ${fmtInt(s.tokens.completion)} |`);
  out.push(`| Cost | ${fmtUsd(s.costUsd)}; ${fmtUsd(s.cost.perConversationUsd)} per conversation, ${fmtUsd(s.cost.perSuccessfulConversationUsd)} per successful one |`);
  out.push(
    `| Provider (simulator) | ${s.provider.source === 'simulator' ? `${s.provider.requests === null ? '?' : fmtInt(s.provider.requests)} requests, ${s.provider.rateLimited === null ? '?' : fmtInt(s.provider.rateLimited)} rate-limited` : 'not available'}; server retries ${fmtInt(s.usage.retries)}, provider 429s seen by the server ${fmtInt(s.usage.providerRateLimited)} |`,
  );
  out.push(`| Server | ${s.server.statsAvailable ? `event-loop lag max ${fmtMs(s.server.maxEventLoopLagMs)}, ${s.server.queueDepthField ?? 'queue'} max ${s.server.maxQueueDepth ?? 'n/a'}` : 'GET /stats not available'} |`);
  if (s.server.prometheus) out.push(`| Server metrics (/metrics) | ${prometheusFigures(s.server.prometheus, s.realTime.timeScale)} |`);
  out.push('');
  out.push('| Latency | Mean | Median | P95 | P99 | Max | Count |', '|---|---:|---:|---:|---:|---:|---:|');
  out.push(latencyRow('Per message', s.realTime.latencyMs));
  out.push(latencyRow('Per conversation', s.realTime.conversationLatencyMs));
  if (s.realTime.ttftMs) out.push(latencyRow('Time to first token', s.realTime.ttftMs));
  out.push('');
  if (s.failureExamples.length > 0) {
    out.push('Failure examples:', '', '```');
    out.push(...s.failureExamples);
    out.push('```', '');
  }

  return out;
}
