/**
 * Why a message failed, as the report counts it. The fixed causes always appear in the report
 * (with 0 when they did not happen); any other HTTP status is counted as `http_<status>`.
 */
export const FIXED_FAILURE_CAUSES = [
  'provider_rate_limited',
  'shed',
  'client_timeout',
  'agent_error',
  'network_error',
  'aborted',
] as const;

export type FixedFailureCause = (typeof FIXED_FAILURE_CAUSES)[number];
export type FailureCause = FixedFailureCause | `http_${number}`;

export interface FailureCauseDescription {
  cause: string;
  meaning: string;
}

export const FAILURE_CAUSE_MEANINGS: Readonly<Record<FixedFailureCause, string>> = Object.freeze({
  provider_rate_limited: 'the LLM provider answered 429 and the server passed it through (429 PROVIDER_RATE_LIMITED)',
  shed: 'shed by the server admission control (OVERLOADED, with Retry-After)',
  client_timeout: 'no answer within the per-message timeout',
  agent_error: 'the agent failed or ran out of time (AGENT_ERROR, RUN_TIMEOUT)',
  network_error: 'connection refused, reset or closed before an answer',
  aborted: 'stopped by the stage or run time bound, or by Ctrl-C',
});

export type AbortReason = 'timeout' | 'stopped';

export interface FailureFacts {
  /** HTTP status when an answer arrived. */
  status?: number;
  /** `code` of the `{code, message}` error body, or of a stream `error` event. */
  code?: string;
  /** Set when the request was aborted by us: our per-message timeout, or a stage/run stop. */
  aborted?: AbortReason;
  /** Set when fetch itself threw (no HTTP answer). */
  networkError?: boolean;
}

/** Map what happened to one failed message to its cause. Pure, so the rules are tested directly. */
export function classifyFailure(facts: FailureFacts): FailureCause {
  if (facts.aborted === 'timeout') return 'client_timeout';
  if (facts.aborted === 'stopped') return 'aborted';
  if (facts.code === 'PROVIDER_RATE_LIMITED') return 'provider_rate_limited';
  if (facts.code === 'OVERLOADED') return 'shed';
  if (facts.code === 'AGENT_ERROR' || facts.code === 'RUN_TIMEOUT') return 'agent_error';
  if (facts.status !== undefined) return `http_${facts.status}`;
  return facts.networkError ? 'network_error' : 'agent_error';
}

/** Every fixed cause at zero, so reports always show the full list. */
export function emptyFailureCounts(): Record<string, number> {
  return Object.fromEntries(FIXED_FAILURE_CAUSES.map((c) => [c, 0]));
}
