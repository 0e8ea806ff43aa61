import { fmtCheckValue, fmtInt, fmtMs, fmtNum, fmtPct } from './format.js';
import type { BottleneckKind, ReportAnalysis, StageDiagnosis, StageReport } from './report-types.js';

/** Users a day for the cost projection. */
export const PROJECTION_USERS_PER_DAY: readonly number[] = [1_000, 10_000];

/** Event-loop lag (ms) from which the server process itself counts as saturated. */
const EVENT_LOOP_LAG_LIMIT_MS = 200;

/** Share of provider requests answered 429 from which the provider's limit counts as binding. */
const PROVIDER_REFUSAL_SHARE = 0.05;

/**
 * Read a run's stages and name, per stage, where the time went and what failed. Every
 * statement quotes the figure it rests on; without a figure, it says "not measured".
 */
export function analyzeRun(stages: readonly StageReport[], baseline: StageReport | null, mode: { mode: string; messages: number }): ReportAnalysis {
  const diagnoses = stages.map((stage) => diagnoseStage(stage, baseline));
  return {
    capacity: assessCapacity(stages),
    diagnoses,
    cost: projectCost(stages, baseline, mode),
    baselineComparison: stages.map((stage) => ({
      stage: stage.label,
      latencyMultiple: baseline && baseline.latencyMs.count > 0 && stage.latencyMs.count > 0 ? stage.latencyMs.mean / baseline.latencyMs.mean : null,
      p95Multiple: baseline && baseline.latencyMs.count > 0 && stage.latencyMs.count > 0 ? stage.latencyMs.p95 / baseline.latencyMs.p95 : null,
    })),
    recommendations: recommend(stages, diagnoses),
  };
}

function failureSummary(stage: StageReport): string {
  const causes = Object.entries(stage.failures)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([cause, n]) => `${cause} ${fmtInt(n)}`);
  return `${fmtInt(stage.messages.failed)} of ${fmtInt(stage.messages.total)} messages failed (${fmtPct(1 - stage.successRate)})${causes.length ? `: ${causes.join(', ')}` : ''}`;
}

function dominantFailure(stage: StageReport): [string, number] | undefined {
  return Object.entries(stage.failures)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)[0];
}

const SHARE_KIND: Record<'queued' | 'llm' | 'tools' | 'other', BottleneckKind> = { queued: 'queue-wait', llm: 'llm-time', tools: 'tool-time', other: 'server-other' };
const SHARE_WORDS: Record<'queued' | 'llm' | 'tools' | 'other', string> = {
  queued: 'queued for the provider budget',
  llm: 'in LLM calls',
  tools: 'in tools',
  other: 'elsewhere in the server (graph, database, locks, HTTP)',
};

export function diagnoseStage(stage: StageReport, baseline: StageReport | null): StageDiagnosis {
  const evidence: string[] = [];
  const share = stage.timeShare;
  if (share) {
    evidence.push(
      `Of ${fmtMs(share.basisMs)} that users waited for ${fmtInt(stage.usage.answersWithUsage)} answered messages: ${fmtPct(share.queued)} queued, ${fmtPct(share.llm)} in LLM calls, ${fmtPct(share.tools)} in tools, ${fmtPct(share.other)} elsewhere (usage.run).`,
    );
  } else {
    evidence.push('Share of time queued / in the LLM / in tools: not measured (no answer carried usage.run).');
  }
  if (stage.messages.failed > 0) evidence.push(`${failureSummary(stage)}.`);
  const usage = stage.usage;
  if (usage.providerRateLimited > 0 || usage.retries > 0) {
    evidence.push(`The server met ${fmtInt(usage.providerRateLimited)} provider 429s and made ${fmtInt(usage.retries)} retries inside answered messages (usage.run).`);
  }
  if (stage.provider.source === 'simulator') {
    evidence.push(
      `The provider (simulator) counted ${stage.provider.rateLimited === null ? 'no readable 429 counter' : `${fmtInt(stage.provider.rateLimited)} rate-limited answers`}${stage.provider.requests === null ? '' : ` of ${fmtInt(stage.provider.requests)} requests`}${stage.provider.rateLimitedDetail ? ` (${stage.provider.rateLimitedDetail})` : ''}.`,
    );
  } else {
    evidence.push('Provider-side counts: not available (not our simulator).');
  }
  if (stage.server.maxEventLoopLagMs !== null) {
    evidence.push(`Server event-loop lag peaked at ${fmtMs(stage.server.maxEventLoopLagMs)} (${stage.server.eventLoopLagField}, ${fmtInt(stage.server.samples)} samples of /stats).`);
  } else {
    evidence.push('Server event-loop lag: not measured (GET /stats not available).');
  }
  const multiple = baseline && baseline.latencyMs.count > 0 && stage.latencyMs.count > 0 ? stage.latencyMs.mean / baseline.latencyMs.mean : null;
  if (multiple !== null) evidence.push(`Mean message latency ${fmtMs(stage.realTime.latencyMs.mean)} is ${fmtNum(multiple, 1)}x the single-user baseline (${fmtMs(baseline!.realTime.latencyMs.mean)}).`);

  const { bottleneck, statement } = nameBottleneck(stage, multiple);
  return { stage: stage.label, bottleneck, statement, evidence };
}

function nameBottleneck(stage: StageReport, multiple: number | null): { bottleneck: BottleneckKind; statement: string } {
  if (stage.messages.total === 0) return { bottleneck: 'not-measured', statement: 'No message was sent in this stage.' };
  const failureShare = stage.messages.failed / stage.messages.total;
  const worst = dominantFailure(stage);
  const share = stage.timeShare;
  const dominantShare = share ? (['queued', 'llm', 'tools', 'other'] as const).reduce((a, b) => (share[b] > share[a] ? b : a)) : undefined;
  if (worst && failureShare >= 0.01) {
    const [cause, count] = worst;
    if (cause === 'provider_rate_limited')
      return { bottleneck: 'provider-rate-limit', statement: `Provider rate limit: ${fmtInt(count)} messages (${fmtPct(count / stage.messages.total)}) failed with the provider's 429 passed through.` };
    if (cause === 'shed') return { bottleneck: 'admission-shedding', statement: `Admission control shed ${fmtInt(count)} messages (${fmtPct(count / stage.messages.total)}): demand exceeded what the provider budget can serve in time.` };
    if (cause === 'client_timeout' && share && dominantShare) {
      return {
        bottleneck: SHARE_KIND[dominantShare],
        statement: `${fmtInt(count)} messages timed out; answered messages spent ${fmtPct(share[dominantShare])} of their wait ${SHARE_WORDS[dominantShare]}.`,
      };
    }
    if (cause === 'client_timeout') return { bottleneck: 'unanswered', statement: `${fmtInt(count)} messages got no answer within the timeout, and no answer carried usage to show where the time went.` };
  }
  // The provider's limit binds when a noticeable share of its requests were refused, even if
  // the server absorbed the 429s (then users pay for them in waiting time instead of errors).
  const providerRequests = stage.provider.requests ?? stage.usage.llmCalls;
  const refused = stage.provider.rateLimited ?? stage.usage.providerRateLimited;
  if (providerRequests > 0 && refused / providerRequests >= PROVIDER_REFUSAL_SHARE) {
    const outside = share ? share.queued + share.other : null;
    return {
      bottleneck: 'provider-rate-limit',
      statement: `The provider's rate limit binds: ${fmtInt(refused)} of ${fmtInt(providerRequests)} provider requests (${fmtPct(refused / providerRequests)}) were answered 429${stage.provider.rateLimitedDetail ? ` (${stage.provider.rateLimitedDetail})` : ''}; the server absorbed them, so users waited instead${outside === null ? '' : `: ${fmtPct(outside)} of their wait was outside LLM calls and tools`}.`,
    };
  }
  if (stage.server.maxEventLoopLagMs !== null && stage.server.maxEventLoopLagMs >= EVENT_LOOP_LAG_LIMIT_MS) {
    const f = stage.realTime.timeScale;
    return {
      bottleneck: 'server-event-loop',
      statement: `The server process is saturated: event-loop lag reached ${fmtMs(stage.server.maxEventLoopLagMs)}${f !== 1 ? ` (real milliseconds: CPU time is not scaled, so at time scale ${f} this lag weighs ${fmtNum(1 / f, 0)}x more against latencies than it would in real time)` : ''}.`,
    };
  }
  if (stage.verdict.pass && stage.messages.failed === 0 && (multiple === null || multiple < 2)) {
    return { bottleneck: 'none', statement: `No bottleneck reached: all thresholds pass${multiple === null ? '' : ` and latency is ${fmtNum(multiple, 1)}x the baseline`}.` };
  }
  if (share && dominantShare) {
    return { bottleneck: SHARE_KIND[dominantShare], statement: `Most of the wait is ${SHARE_WORDS[dominantShare]}: ${fmtPct(share[dominantShare])} of the time users waited.` };
  }
  if (worst) return { bottleneck: 'not-measured', statement: `${failureSummary(stage)}; the server reported no usage to say where time went.` };
  return { bottleneck: 'not-measured', statement: 'The server returned no usage, so the time cannot be split.' };
}

export function assessCapacity(stages: readonly StageReport[]): ReportAnalysis['capacity'] {
  let maxPassingUsers: number | null = null;
  let firstFailing: StageReport | undefined;
  for (const stage of stages) {
    if (stage.verdict.pass && !firstFailing) maxPassingUsers = stage.users;
    else if (!stage.verdict.pass && !firstFailing) firstFailing = stage;
  }
  const failed = firstFailing?.verdict.checks
    .filter((c) => !c.pass)
    .map((c) => `${c.expression} (measured ${fmtCheckValue(c.actual, c.unit)})`)
    .join(', ');
  let statement: string;
  if (stages.length === 0) statement = 'No stage ran.';
  else if (!firstFailing) statement = `Every stage passed its thresholds, up to ${fmtInt(maxPassingUsers ?? 0)} concurrent users; the limit lies above what was tested.`;
  else if (maxPassingUsers === null) statement = `The first stage (${firstFailing.label}) already fails: ${failed}.`;
  else statement = `Passes its thresholds up to ${fmtInt(maxPassingUsers)} concurrent users; fails at ${firstFailing.label}: ${failed}.`;
  return { maxPassingUsers, firstFailingUsers: firstFailing?.users ?? null, statement };
}

function projectCost(stages: readonly StageReport[], baseline: StageReport | null, mode: { mode: string; messages: number }): ReportAnalysis['cost'] {
  const all = baseline ? [baseline, ...stages] : [...stages];
  const totalUsd = all.reduce((s, st) => s + st.costUsd, 0);
  const serverReportedUsd = all.reduce((s, st) => s + st.cost.serverReportedUsd, 0);
  const succeeded = all.reduce((s, st) => s + st.conversations.succeeded, 0);
  const conversations = all.reduce((s, st) => s + st.conversations.total, 0);
  const tokens = all.reduce((s, st) => s + st.tokens.total, 0);
  const perSuccessfulConversationUsd = succeeded > 0 ? totalUsd / succeeded : null;
  return {
    perSuccessfulConversationUsd,
    perConversationUsd: conversations > 0 ? totalUsd / conversations : null,
    tokensPerSuccessfulConversation: succeeded > 0 ? tokens / succeeded : null,
    projections:
      perSuccessfulConversationUsd === null
        ? []
        : PROJECTION_USERS_PER_DAY.map((usersPerDay) => ({ usersPerDay, usdPerDay: usersPerDay * perSuccessfulConversationUsd, usdPerMonth: usersPerDay * perSuccessfulConversationUsd * 30 })),
    assumption: `Each user holds one conversation a day shaped like this run's (${mode.mode} mode, ${mode.messages} messages); the cost per successful conversation is this run's total token cost divided by its successful conversations, so tokens spent on failed ones are included.`,
    totalUsd,
    serverReportedUsd,
  };
}

function recommend(stages: readonly StageReport[], diagnoses: readonly StageDiagnosis[]): ReportAnalysis['recommendations'] {
  const out: ReportAnalysis['recommendations'] = [];
  const first = (predicate: (s: StageReport) => boolean) => stages.find(predicate);
  const last = stages[stages.length - 1];

  const rateLimited = first((s) => (s.failures.provider_rate_limited ?? 0) > 0);
  if (rateLimited) {
    const n = rateLimited.failures.provider_rate_limited ?? 0;
    out.push({
      title: "Admit work against the provider's RPM/TPM budget (queue with a deadline) instead of passing 429s through",
      evidence: `${fmtInt(n)} of ${fmtInt(rateLimited.messages.total)} messages failed with the provider's 429 at ${rateLimited.label}${rateLimited.provider.rateLimited !== null ? `; the simulator counted ${fmtInt(rateLimited.provider.rateLimited)} 429s` : ''}.`,
    });
  }
  const absorbed = first((s) => s.usage.providerRateLimited > 0 && (s.failures.provider_rate_limited ?? 0) === 0);
  if (absorbed) {
    out.push({
      title: 'Reserve provider budget before calling rather than retrying after 429s',
      evidence: `At ${absorbed.label} the server met ${fmtInt(absorbed.usage.providerRateLimited)} provider 429s and retried ${fmtInt(absorbed.usage.retries)} times inside answered messages.`,
    });
  }
  const shed = first((s) => (s.failures.shed ?? 0) > 0);
  if (shed) {
    out.push({
      title: 'Raise the provider tier or lower tokens per message to serve the peak instead of shedding it',
      evidence: `${fmtPct((shed.failures.shed ?? 0) / Math.max(1, shed.messages.total))} of messages were shed at ${shed.label} (${fmtInt(shed.shedWithRetryAfter)} with Retry-After); ${fmtInt(shed.tokens.total / Math.max(1, shed.usage.answersWithUsage))} tokens per answered message.`,
    });
  }
  const timedOut = first((s) => (s.failures.client_timeout ?? 0) > 0);
  if (timedOut) {
    out.push({
      title: 'Answer early (OVERLOADED with Retry-After) when a message cannot be served within its deadline, rather than letting users wait out the timeout',
      evidence: `${fmtInt(timedOut.failures.client_timeout ?? 0)} messages at ${timedOut.label} got no answer within the per-message timeout.`,
    });
  }
  if (last?.timeShare) {
    const share = last.timeShare;
    if (share.llm >= 0.5) {
      out.push({
        title: 'Cut LLM time per message: fewer model calls per message, shorter prompts, cached answers for the catalogue',
        evidence: `At ${last.label}, ${fmtPct(share.llm)} of the wait is in LLM calls, with ${fmtNum(last.usage.llmCallsPerMessage, 2)} LLM calls per message.`,
      });
    }
    if (share.queued >= 0.3) {
      out.push({
        title: 'The queue for the provider budget is the wait: a higher tier (RPM/TPM) or fewer tokens per message shortens it',
        evidence: `At ${last.label}, ${fmtPct(share.queued)} of the wait was queued.`,
      });
    }
  }
  const prompt = stages.reduce((s, st) => s + st.tokens.prompt, 0);
  const cached = stages.reduce((s, st) => s + st.tokens.cached, 0);
  if (prompt > 0 && cached / prompt < 0.5) {
    out.push({
      title: 'Keep a long, stable prompt prefix (system prompt and tools first) so the provider caches it',
      evidence: `Only ${fmtPct(cached / prompt)} of ${fmtInt(prompt)} prompt tokens were cached; cached tokens cost half.`,
    });
  }
  const lagging = first((s) => (s.server.maxEventLoopLagMs ?? 0) >= 100);
  if (lagging) {
    out.push({
      title: 'Move blocking work off the event loop, or spread load over more processes',
      evidence: `Server event-loop lag reached ${fmtMs(lagging.server.maxEventLoopLagMs)} at ${lagging.label}.`,
    });
  }
  if (stages.length > 0 && stages.every((s) => s.verdict.pass) && last) {
    out.push({
      title: 'Test a larger stage: the capacity limit was not reached',
      evidence: `All thresholds pass at ${last.label} (p95 ${fmtMs(last.realTime.latencyMs.p95)}, success ${fmtPct(last.successRate)}).`,
    });
  }
  if (out.length === 0 && diagnoses.length > 0) {
    const d = diagnoses[diagnoses.length - 1]!;
    out.push({ title: 'Act on the named bottleneck', evidence: d.statement });
  }
  out.push({
    title: 'Compare every change against this run',
    evidence: 'Run the same command after a change and `concierge report compare` the two report.json files; histograms are stored, so every percentile can be recomputed.',
  });
  return out;
}

