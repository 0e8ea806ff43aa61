import { fmtInt, fmtMs, fmtNum, fmtPct, fmtUsd } from './format.js';
import type { LoadTestReport, StageReport } from './report-types.js';
import { barChart, escapeXml, lineChart } from './svg-charts.js';

/** Short axis ticks: `850 ms`, `4.5 s`, `75 s`. */
function axisMs(v: number): string {
  if (v === 0) return '0';
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${fmtNum(v / 1000, v < 10_000 && v % 1000 !== 0 ? 1 : 0)} s`;
}

/** Success bars are green when the stage's rate checks (success, rate_failed...) pass. */
function successPasses(s: StageReport): boolean {
  const rateChecks = s.verdict.checks.filter((c) => c.unit === 'ratio');
  return rateChecks.length > 0 ? rateChecks.every((c) => c.pass) : s.verdict.pass;
}

const COLORS = { p50: '#2563eb', p95: '#f59e0b', p99: '#dc2626', max: '#7c3aed', messages: '#059669', conversations: '#0ea5e9' };

/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) with the
 * charts a capacity review needs. Figures are real-time equivalents, like report.md.
 */
export function renderHtml(report: LoadTestReport): string {
  const stages = report.stages;
  const all = report.baseline ? [report.baseline, ...stages] : stages;
  const labels = all.map((s) => s.label);
  const e = escapeXml;

  const percentiles = lineChart({
    id: 'latency-percentiles',
    title: 'Latency percentiles per stage (per message)',
    xLabel: 'stage',
    yLabel: 'latency',
    xCategories: labels,
    series: (['p50', 'p95', 'p99'] as const).map((k) => ({ name: k, color: COLORS[k], points: all.map((s, i) => ({ x: i, y: s.latencyMs.count > 0 ? s.realTime.latencyMs[k] : null })) })),
    formatY: axisMs,
  });
  const success = barChart({
    id: 'success-rate',
    title: 'Success rate per stage',
    yLabel: 'messages answered',
    categories: labels,
    values: all.map((s) => s.successRate),
    colors: all.map((s) => (s.kind === 'baseline' ? '#94a3b8' : successPasses(s) ? '#16a34a' : '#dc2626')),
    yMax: 1,
    formatY: (v) => fmtPct(v, 0),
  });
  const closedLike = all.filter((s) => s.kind !== 'open');
  const throughputPoints = (pick: (s: StageReport) => number) => all.map((s) => ({ x: s.users, y: pick(s) })).sort((a, b) => a.x - b.x);
  const throughput = lineChart({
    id: 'throughput-users',
    title: closedLike.length === all.length ? 'Throughput against concurrent users' : 'Throughput against users in flight',
    xLabel: 'concurrent users',
    yLabel: 'per second',
    series: [
      { name: 'messages/s', color: COLORS.messages, points: throughputPoints((s) => s.realTime.throughput.messagesPerSec) },
      { name: 'conversations/s', color: COLORS.conversations, points: throughputPoints((s) => s.realTime.throughput.conversationsPerSec) },
    ],
    formatY: (v) => fmtNum(v, v < 10 ? 2 : 0),
    formatX: (v) => fmtInt(v),
  });
  const f = report.timeScale;
  const buckets = all.flatMap((s) => s.timeline);
  const overTime = lineChart({
    id: 'latency-over-time',
    title: 'Latency over time (by intended send time)',
    xLabel: 'seconds since the run started',
    yLabel: 'latency',
    series: (['p50', 'p95', 'max'] as const).map((k) => ({
      name: k,
      color: COLORS[k],
      points: buckets.map((b) => ({ x: (b.startSec + b.widthSec / 2) / f, y: b[`${k}Ms`] === null ? null : (b[`${k}Ms`] as number) / f })),
    })),
    markers: all.map((s) => ({ x: s.startOffsetSec / f, label: s.label })),
    formatY: axisMs,
    formatX: (v) => fmtNum(v, v < 10 ? 1 : 0),
  });

  const verdict = report.verdict.pass ? '<span class="pass">PASS</span>' : '<span class="fail">FAIL</span>';
  const rows = all
    .map((s) => {
      const l = s.realTime.latencyMs;
      return `<tr><td>${e(s.label)}</td><td>${fmtInt(s.users)}</td><td>${fmtPct(s.successRate)}</td><td>${fmtInt(s.messages.total)}</td><td>${e(failureText(s))}</td><td>${fmtNum(s.realTime.durationSec, 1)} s</td><td>${fmtNum(s.realTime.throughput.messagesPerSec)}</td><td>${fmtNum(s.realTime.throughput.conversationsPerSec)}</td><td>${fmtMs(l.mean)}</td><td>${fmtMs(l.p50)}</td><td>${fmtMs(l.p95)}</td><td>${fmtMs(l.p99)}</td><td>${fmtMs(l.max)}</td><td>${fmtMs(s.realTime.conversationLatencyMs.p95)}</td><td>${fmtUsd(s.cost.perSuccessfulConversationUsd)}</td><td>${s.kind === 'baseline' ? 'baseline' : s.verdict.pass ? '<span class="pass">pass</span>' : '<span class="fail">fail</span>'}</td></tr>`;
    })
    .join('\n');
  const diagnoses = report.analysis.diagnoses
    .map((d) => `<section class="diagnosis"><h3>${e(d.stage)}: <code>${e(d.bottleneck)}</code></h3><p>${e(d.statement)}</p><ul>${d.evidence.map((x) => `<li>${e(x)}</li>`).join('')}</ul></section>`)
    .join('\n');
  const recommendations = report.analysis.recommendations.map((r) => `<li><strong>${e(r.title)}.</strong> ${e(r.evidence)}</li>`).join('\n');
  const projections = report.analysis.cost.projections.map((p) => `<tr><td>${fmtInt(p.usersPerDay)}</td><td>${fmtUsd(p.usdPerDay)}</td><td>${fmtUsd(p.usdPerMonth)}</td></tr>`).join('');
  const c = report.config;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Load test report ${e(report.runId)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f8fafc;color:#0f172a}
main{max-width:1360px;margin:0 auto;padding:24px}
h1{margin:0 0 4px;font-size:24px}h2{margin-top:32px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}
.meta{color:#475569}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px 16px;min-width:180px}
.card b{display:block;font-size:20px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
.chart-box{background:#fff;border:1px solid #e2e8f0;border-radius:8px;margin:0;padding:8px}
.chart-box figcaption{font-weight:600;padding:4px 8px}
svg.chart{width:100%;height:auto}
svg .grid{stroke:#e2e8f0}svg .axis{stroke:#64748b}svg .tick,svg .legend,svg .value,svg .marker-label{font-size:11px;fill:#334155}
svg .axis-label{font-size:12px;fill:#475569}svg .marker{stroke:#94a3b8;stroke-dasharray:4 3}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}
th,td{border:1px solid #e2e8f0;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f1f5f9}
.pass{color:#15803d;font-weight:600}.fail{color:#b91c1c;font-weight:600}
.diagnosis{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:4px 16px;margin:8px 0}
.note{color:#475569}
</style>
</head>
<body>
<main>
<h1>Load test report ${verdict}</h1>
<div class="meta">Run <code>${e(report.runId)}</code> · ${e(report.startedAt)} · ${e(c.model === 'closed' ? `${c.stages.join(' → ')} concurrent users` : `${c.arrivalRates.join(' → ')} conversations/s`)} · ${e(c.mode)} mode, ${c.messages} messages · ${e(c.localStack ? 'local server + simulator' : c.targets.join(', '))}${report.partial ? ` · <span class="fail">partial (${e(report.stoppedBy)})</span>` : ''}</div>
${f !== 1 ? `<p class="note">Time scale ${f}: every duration, latency and rate on this page is a real-time equivalent (measured ÷ ${f}).</p>` : ''}
<div class="cards">
<div class="card">Capacity<b>${report.analysis.capacity.maxPassingUsers === null ? 'none passing' : `${fmtInt(report.analysis.capacity.maxPassingUsers)} users`}</b></div>
<div class="card">Cost per successful conversation<b>${fmtUsd(report.analysis.cost.perSuccessfulConversationUsd)}</b></div>
<div class="card">Run cost<b>${fmtUsd(report.analysis.cost.totalUsd)}</b></div>
<div class="card">Thresholds<b>${e(c.thresholds.join(', '))}</b></div>
</div>
<p>${e(report.analysis.capacity.statement)}</p>
<h2>Charts</h2>
<div class="charts">
${percentiles}
${success}
${throughput}
${overTime}
</div>
<h2>Stages</h2>
<table>
<thead><tr><th>Stage</th><th>Users</th><th>Success</th><th>Messages</th><th>Failures</th><th>Duration</th><th>Messages/s</th><th>Conversations/s</th><th>Mean</th><th>Median</th><th>P95</th><th>P99</th><th>Max</th><th>Conversation p95</th><th>Cost / successful conv.</th><th>Verdict</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Bottleneck identification</h2>
${diagnoses || '<p>No stage ran.</p>'}
<h2>Cost</h2>
<p>${fmtUsd(report.analysis.cost.totalUsd)} for this run at ${e(report.pricing.model)} prices (server-reported ${fmtUsd(report.analysis.cost.serverReportedUsd)}). ${e(report.analysis.cost.assumption)}</p>
${projections ? `<table style="max-width:480px"><thead><tr><th>Users per day</th><th>Per day</th><th>Per 30 days</th></tr></thead><tbody>${projections}</tbody></table>` : ''}
<h2>Recommendations</h2>
<ol>
${recommendations}
</ol>
<h2>Notes</h2>
<ul class="note">${report.notes.map((n) => `<li>${e(n)}</li>`).join('')}<li>Raw HdrHistograms, configuration and environment are in report.json.</li></ul>
</main>
</body>
</html>
`;
}

function failureText(s: StageReport): string {
  const parts = Object.entries(s.failures)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  return parts.length ? parts.join(', ') : 'none';
}
