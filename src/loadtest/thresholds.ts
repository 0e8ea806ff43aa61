import { thresholdInvalid } from './loadtest-errors.js';

/**
 * k6-like threshold expressions, evaluated per stage:
 *
 *   p(95)<10000            message latency percentile, ms (real-time equivalent)
 *   conversation.p(99)<60s conversation latency; `ttft.p(95)<2000` time to first token
 *   avg / mean / med / max message latency aggregates (also with the prefixes above)
 *   success>0.95           share of messages answered (also `95%`); `rate_failed<0.05`
 *   conversation_success>0.9, throughput>2 (messages/s), conversations_per_sec>0.5,
 *   cost_per_conversation<0.002 (USD per successful conversation)
 *
 * k6's own parser lives in Go inside k6; nothing on npm parses this small grammar, so it is
 * written here.
 */
export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type ThresholdMetric =
  | { kind: 'latency'; of: LatencySubject; aggregate: 'percentile'; percentile: number }
  | { kind: 'latency'; of: LatencySubject; aggregate: 'mean' }
  | { kind: 'scalar'; name: ScalarMetric };

export type LatencySubject = 'message' | 'conversation' | 'ttft';
export type ScalarMetric = 'success' | 'failed' | 'conversation_success' | 'messages_per_sec' | 'conversations_per_sec' | 'cost_per_conversation';

export interface Threshold {
  expression: string;
  metric: ThresholdMetric;
  operator: ThresholdOperator;
  value: number;
}

/** What a stage offers to thresholds. Latencies in ms, real-time equivalent; NaN when unmeasured. */
export interface ThresholdSubject {
  latencyPercentile(of: LatencySubject, percentile: number): number;
  latencyMean(of: LatencySubject): number;
  scalar(name: ScalarMetric): number;
}

export interface ThresholdCheck {
  expression: string;
  actual: number | null;
  /** Unit of `actual`: ms (latencies, real-time equivalent), ratio (0-1), per_sec, usd. */
  unit: 'ms' | 'ratio' | 'per_sec' | 'usd';
  pass: boolean;
}

function unitOf(metric: ThresholdMetric): ThresholdCheck['unit'] {
  if (metric.kind === 'latency') return 'ms';
  if (metric.name === 'messages_per_sec' || metric.name === 'conversations_per_sec') return 'per_sec';
  if (metric.name === 'cost_per_conversation') return 'usd';
  return 'ratio';
}

export const DEFAULT_THRESHOLDS: readonly string[] = Object.freeze(['success>0.95', 'p(95)<10000']);

const SCALAR_ALIASES: Record<string, ScalarMetric> = {
  success: 'success',
  rate_success: 'success',
  success_rate: 'success',
  failed: 'failed',
  rate_failed: 'failed',
  failure_rate: 'failed',
  conversation_success: 'conversation_success',
  throughput: 'messages_per_sec',
  messages_per_sec: 'messages_per_sec',
  conversations_per_sec: 'conversations_per_sec',
  cost_per_conversation: 'cost_per_conversation',
};

const EXPRESSION = /^\s*([a-z_][a-z_.]*(?:\(\s*[\d.]+\s*\))?)\s*(<=|>=|==|!=|<|>)\s*(-?[\d.]+)\s*(ms|s|%)?\s*$/i;

export function parseThreshold(expression: string): Threshold {
  const match = EXPRESSION.exec(expression);
  if (!match) throw thresholdInvalid(expression, 'expected METRIC OP VALUE, e.g. p(95)<10000 or success>0.95');
  const [, rawMetric = '', operator = '<', rawValue = '', unit] = match;
  const metric = parseMetric(expression, rawMetric.toLowerCase().replace(/\s+/g, ''));
  let value = Number(rawValue);
  if (!Number.isFinite(value)) throw thresholdInvalid(expression, `${rawValue} is not a number`);
  if (metric.kind === 'latency') {
    if (unit === '%') throw thresholdInvalid(expression, 'a latency takes ms or s, not %');
    if (unit === 's') value *= 1000;
  } else if (unit === '%') {
    value /= 100;
  } else if (unit === 'ms' || unit === 's') {
    throw thresholdInvalid(expression, `${rawMetric} is not a duration`);
  }
  return { expression: expression.trim(), metric, operator: operator as ThresholdOperator, value };
}

function parseMetric(expression: string, raw: string): ThresholdMetric {
  const scalar = SCALAR_ALIASES[raw];
  if (scalar) return { kind: 'scalar', name: scalar };
  const [prefix, aggregate] = raw.includes('.') ? (raw.split('.', 2) as [string, string]) : ['message', raw];
  const of = ({ message: 'message', messages: 'message', conversation: 'conversation', conversations: 'conversation', ttft: 'ttft' } as const)[prefix as 'message'];
  if (!of) throw thresholdInvalid(expression, `unknown metric prefix ${JSON.stringify(prefix)} (message, conversation, ttft)`);
  const percentile = /^p\(([\d.]+)\)$/.exec(aggregate);
  if (percentile) {
    const p = Number(percentile[1]);
    if (!(p > 0 && p <= 100)) throw thresholdInvalid(expression, 'a percentile is between 0 and 100');
    return { kind: 'latency', of, aggregate: 'percentile', percentile: p };
  }
  if (aggregate === 'avg' || aggregate === 'mean') return { kind: 'latency', of, aggregate: 'mean' };
  if (aggregate === 'med') return { kind: 'latency', of, aggregate: 'percentile', percentile: 50 };
  if (aggregate === 'max') return { kind: 'latency', of, aggregate: 'percentile', percentile: 100 };
  throw thresholdInvalid(expression, `unknown metric ${JSON.stringify(raw)}`);
}

export function evaluateThreshold(threshold: Threshold, subject: ThresholdSubject): ThresholdCheck {
  const m = threshold.metric;
  const actual =
    m.kind === 'scalar'
      ? subject.scalar(m.name)
      : m.aggregate === 'mean'
        ? subject.latencyMean(m.of)
        : subject.latencyPercentile(m.of, m.percentile);
  // No data never passes: a stage with no successful message must not pass `p(95)<10000`.
  const unit = unitOf(m);
  if (!Number.isFinite(actual)) return { expression: threshold.expression, actual: null, unit, pass: false };
  return { expression: threshold.expression, actual, unit, pass: compare(actual, threshold.operator, threshold.value) };
}

function compare(actual: number, operator: ThresholdOperator, value: number): boolean {
  switch (operator) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '==':
      return actual === value;
    case '!=':
      return actual !== value;
  }
}

export function evaluateThresholds(thresholds: readonly Threshold[], subject: ThresholdSubject): { pass: boolean; checks: ThresholdCheck[] } {
  const checks = thresholds.map((t) => evaluateThreshold(t, subject));
  return { pass: checks.every((c) => c.pass), checks };
}
