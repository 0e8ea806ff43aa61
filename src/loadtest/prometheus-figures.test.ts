import { describe, expect, it } from 'vitest';
import { histogramQuantile, stageFigures } from './prometheus-figures.js';
import { parseExposition } from './prometheus-text.js';

const exposition = (lines: string[]) => parseExposition(`${lines.join('\n')}\n`);

describe('histogramQuantile', () => {
  it('interpolates inside the bucket the rank falls in, as Prometheus does', () => {
    // 10 observations: 2 under 0.1, 8 more under 0.5.
    const buckets = new Map([[0.1, 2], [0.5, 10], [1, 10], [Number.POSITIVE_INFINITY, 10]]);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1 + 0.4 * (3 / 8));
    expect(histogramQuantile(0.1, buckets)).toBeCloseTo(0.05);
    expect(histogramQuantile(1, buckets)).toBeCloseTo(0.5);
  });

  it('answers the highest finite bound for the +Inf bucket, and null without observations', () => {
    expect(histogramQuantile(0.95, new Map([[1, 1], [Number.POSITIVE_INFINITY, 10]]))).toBe(1);
    expect(histogramQuantile(0.95, new Map([[Number.POSITIVE_INFINITY, 0]]))).toBeNull();
    expect(histogramQuantile(0.95, new Map())).toBeNull();
  });
});

describe('stageFigures', () => {
  it('sums the increase over the targets and reads quantiles from the bucket increases', () => {
    const before = [
      exposition([
        'concierge_runs_total{status="success"} 10',
        'concierge_admission_shed_total{reason="deadline"} 1',
        'gen_ai_client_operation_duration_seconds_bucket{le="1",gen_ai_request_model="m"} 5',
        'gen_ai_client_operation_duration_seconds_bucket{le="2",gen_ai_request_model="m"} 5',
        'gen_ai_client_operation_duration_seconds_bucket{le="+Inf",gen_ai_request_model="m"} 5',
        'gen_ai_client_operation_duration_seconds_count{gen_ai_request_model="m"} 5',
        'gen_ai_client_token_usage_sum{gen_ai_token_type="input"} 1000',
        'concierge_budget_remaining_ratio{resource="tokens"} 1',
      ]),
      exposition(['concierge_runs_total{status="success"} 50']),
    ];
    const after = [
      exposition([
        'concierge_runs_total{status="success"} 14',
        'concierge_runs_total{status="error"} 1',
        'concierge_admission_shed_total{reason="deadline"} 3',
        'concierge_admission_shed_total{reason="queue-full"} 1',
        'gen_ai_client_operation_duration_seconds_bucket{le="1",gen_ai_request_model="m"} 5',
        'gen_ai_client_operation_duration_seconds_bucket{le="2",gen_ai_request_model="m"} 9',
        'gen_ai_client_operation_duration_seconds_bucket{le="+Inf",gen_ai_request_model="m"} 9',
        'gen_ai_client_operation_duration_seconds_count{gen_ai_request_model="m"} 9',
        'gen_ai_client_token_usage_sum{gen_ai_token_type="input"} 1500',
        'concierge_budget_remaining_ratio{resource="tokens"} 0.2',
      ]),
      // This one restarted: its counter starts again from zero.
      exposition(['concierge_runs_total{status="success"} 3', 'concierge_budget_remaining_ratio{resource="tokens"} 0.1']),
    ];
    const figures = stageFigures(before, after);
    expect(figures.runs).toEqual({ success: 4 + 3, error: 1, timeout: 0, interrupted: 0 });
    expect(figures.shed).toBe(3);
    expect(figures.llmCalls).toBe(4);
    expect(figures.tokens.input).toBe(500);
    // The stage's four calls all fell between 1 and 2 s.
    expect(figures.llmCallP95Ms).toBeCloseTo(1000 + 1000 * 0.95, 5);
    expect(figures.runP95Ms).toBeNull();
    expect(figures.budgetLeftAtEnd).toEqual({ requests: null, tokens: 0.1 });
  });
});
