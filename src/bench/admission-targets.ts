import { budgetUse, type BudgetUse } from '../loadtest/budget-use.js';
import type { StageReport } from '../loadtest/report-types.js';
import type { AdmissionBenchPreset, AdmissionBenchResult, AdmissionMode, ProviderTotals } from './admission-bench.js';

export interface TargetCheck {
  name: string;
  /** `not counted`: a stage it rests on was CPU-bound (or did not run), so it proves nothing either way. */
  status: 'PASS' | 'FAIL' | 'NOT COUNTED';
  measured: string;
}

interface SimStatsShape {
  requests?: number;
  rateLimited?: { requests?: number; tokens?: number; tooLarge?: number };
  tokens?: { charged?: number };
}

/** What the provider saw during one stage, from the simulator's counters. */
export function stageProvider(stage: StageReport): ProviderTotals {
  const stats = (stage.provider.stats ?? {}) as SimStatsShape;
  return {
    calls: stats.requests ?? stage.provider.requests ?? 0,
    rateLimited: (stats.rateLimited?.requests ?? 0) + (stats.rateLimited?.tokens ?? 0) + (stats.rateLimited?.tooLarge ?? 0),
    chargedTokens: stats.tokens?.charged ?? 0,
  };
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Build a check from stages it rests on: any missing or CPU-bound stage makes it not counted. */
function check(name: string, stages: Array<StageReport | undefined>, judge: () => { pass: boolean; measured: string }): TargetCheck {
  const missing = stages.some((s) => !s);
  const bound = stages.filter((s) => s?.cpuBound).map((s) => s!.label);
  if (missing) return { name, status: 'NOT COUNTED', measured: 'a stage it needs did not run' };
  const { pass, measured } = judge();
  if (bound.length) return { name, status: 'NOT COUNTED', measured: `${measured}; CPU-bound at ${bound.join(', ')}` };
  return { name, status: pass ? 'PASS' : 'FAIL', measured };
}

/** The targets, each PASS, FAIL or NOT COUNTED, from one bench run. */
export function checkBenchTargets(preset: AdmissionBenchPreset, result: AdmissionBenchResult): TargetCheck[] {
  const stage = (mode: AdmissionMode, users: number) => result.modes[mode]?.stages.find((s) => s.users === users);
  const on = result.modes.on;
  const targets: TargetCheck[] = [];
  if (on) {
    const rate = on.provider.calls > 0 ? on.provider.rateLimited / on.provider.calls : 0;
    targets.push(check('on: provider 429s <= 1% of LLM calls', on.stages, () => ({ pass: rate <= 0.01, measured: `${on.provider.rateLimited} of ${on.provider.calls} (${(rate * 100).toFixed(2)}%)` })));
  }
  if (preset === 'seed') {
    for (const users of [10, 50, 100]) {
      const s = stage('on', users);
      targets.push(check(`on: 100% success at ${users} users`, [s], () => ({ pass: s!.messages.failed === 0 && s!.messages.notSent === 0, measured: `${pct(s!.successRate)} (${s!.messages.failed} failed)` })));
    }
    for (const users of [50, 100]) {
      const a = stage('on', users);
      const b = stage('off', users);
      const figures = (s: StageReport) => ({ mean: s.latencyMs.mean, p95: s.latencyMs.p95, makespan: s.durationSec * 1000 });
      for (const key of ['mean', 'p95', 'makespan'] as const) {
        const limit = users === 100 && key !== 'mean' ? 0.9 : 1.0;
        targets.push(
          check(`on/off ${key} at ${users} users <= ${limit.toFixed(2)}`, [a, b], () => {
            const ratio = figures(a!)[key] / Math.max(1e-9, figures(b!)[key]);
            const f = result.timeScale;
            return { pass: ratio <= limit, measured: `${ratio.toFixed(3)} (${sec(figures(a!)[key] / f)} vs ${sec(figures(b!)[key] / f)} real time)` };
          }),
        );
      }
    }
    const hundred = stage('on', 100);
    targets.push(
      check('on: 100-user makespan <= 1.05x the provider-limited minimum', [hundred], () => {
        const min = hundred!.minimumSec;
        if (!min) return { pass: false, measured: 'no minimum (simulator figures missing)' };
        const f = result.timeScale;
        return { pass: hundred!.durationSec / min <= 1.05, measured: `${(hundred!.durationSec / min).toFixed(3)}x (${(hundred!.durationSec / f).toFixed(1)} s vs ${(min / f).toFixed(1)} s)` };
      }),
    );
    const latency = result.latency.on;
    if (latency) {
      targets.push({
        name: 'on: median at 10 users <= 1.05x single-user median (real time)',
        status: latency.ratio <= 1.05 ? 'PASS' : 'FAIL',
        measured: `${latency.ratio.toFixed(3)}x (${Math.round(latency.tenUsersP50Ms)} ms vs ${Math.round(latency.singleUserP50Ms)} ms)`,
      });
    }
    const python = stage('off-python', 100);
    targets.push(
      check('off-python (stages back to back, as the seed ran them): success at 100 users below 50%, 429s the cause', [python], () => {
        const limited = python!.failures.provider_rate_limited ?? 0;
        const cause = python!.messages.failed > 0 && limited / python!.messages.failed >= 0.5;
        return { pass: python!.successRate < 0.5 && cause, measured: `${pct(python!.successRate)} answered; ${limited} of ${python!.messages.failed} failures were provider 429s` };
      }),
    );
  } else if (on) {
    const s = on.stages[0];
    targets.push(
      check('on: while users were refused, tokens per minute >= 97% of the limit', [s], () => {
        const stage = s!;
        const trace = stage.lab?.budgetTrace ?? [];
        const limit = on.limits.tpm;
        const whole = budgetUse(trace, { fromSec: 0, toSec: stage.durationSec }, limit, on.timeScale);
        const refusing = stage.shedWindowSec ? budgetUse(trace, stage.shedWindowSec, limit, on.timeScale) : null;
        if (!refusing) return { pass: false, measured: stage.shedWindowSec ? 'no budget trace (needs the simulator)' : 'no message was refused: the stage never saturated' };
        const perMinute = (u: BudgetUse) => Math.round(u.tokensPerMinute);
        const span = `${sec((refusing.fromSec * 1000) / on.timeScale)} to ${sec((refusing.toSec * 1000) / on.timeScale)}`;
        const wholeText = whole
          ? `; whole stage ${perMinute(whole)}/min (${pct(whole.tokensPerMinute / limit)}: it began with a full bucket), ${pct(whole.share)} of what the provider could grant`
          : '';
        return {
          pass: refusing.tokensPerMinute >= 0.97 * limit,
          measured: `${perMinute(refusing)} of ${limit} (${pct(refusing.tokensPerMinute / limit)}) from ${span}, ${pct(refusing.share)} of what the provider could grant${wholeText}`,
        };
      }),
    );
    targets.push(check('on: no message timed out', [s], () => ({ pass: (s!.failures.client_timeout ?? 0) === 0, measured: `${s!.failures.client_timeout ?? 0} timed out` })));
    targets.push(
      check('on: every message answered or shed with Retry-After', [s], () => {
        const other = s!.messages.failed - s!.shedWithRetryAfter;
        return { pass: other === 0 && s!.messages.notSent === 0, measured: `${s!.messages.succeeded} answered, ${s!.shedWithRetryAfter} shed with Retry-After, ${other} other failures, ${s!.messages.notSent} not sent` };
      }),
    );
  }
  return targets;
}
