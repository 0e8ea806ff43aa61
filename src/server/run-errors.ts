import { GraphRecursionError } from '@langchain/langgraph';
import { ProviderQuotaError, ProviderRateLimitError } from '../llm/admission-errors.js';
import { ConciergeError, isConciergeError } from '../shared/errors.js';

export class RunTimeoutError extends ConciergeError {
  constructor(timeoutMs: number) {
    super('RUN_TIMEOUT', `the run did not finish within ${timeoutMs} ms`, { status: 504 });
  }
}

export class AgentError extends ConciergeError {
  constructor(message: string, cause?: unknown) {
    super('AGENT_ERROR', message, { status: 500, cause });
  }
}

interface ErrorLike {
  status?: unknown;
  code?: unknown;
  message?: unknown;
  name?: unknown;
  cause?: unknown;
  headers?: unknown;
  retryAfterMs?: unknown;
}

function* causes(error: unknown): Generator<ErrorLike> {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth += 1) {
    yield current as ErrorLike;
    current = (current as ErrorLike).cause;
  }
}

function retryAfterFrom(error: ErrorLike): number | undefined {
  if (typeof error.retryAfterMs === 'number') return error.retryAfterMs;
  const headers = error.headers as { get?: (name: string) => string | null } | undefined;
  const value = headers?.get?.('retry-after-ms') ?? undefined;
  if (value && Number.isFinite(Number(value))) return Number(value);
  const seconds = headers?.get?.('retry-after') ?? undefined;
  if (seconds && Number.isFinite(Number(seconds))) return Number(seconds) * 1000;
  return undefined;
}

/**
 * Turn whatever a run threw into one of our typed errors. Errors raised by the LLM layer reach
 * us wrapped by the OpenAI SDK and LangChain, so the cause chain is searched for the original.
 */
export function classifyRunError(error: unknown, context: { timedOut: boolean; timeoutMs: number }): ConciergeError {
  if (context.timedOut) return new RunTimeoutError(context.timeoutMs);
  for (const candidate of causes(error)) {
    if (isConciergeError(candidate)) return candidate;
  }
  for (const candidate of causes(error)) {
    if (candidate.status === 429 && candidate.code !== 'insufficient_quota') {
      return new ProviderRateLimitError(String(candidate.message ?? 'rate limited'), retryAfterFrom(candidate), error);
    }
    if (candidate.status === 429 || candidate.code === 'insufficient_quota') {
      return new ProviderQuotaError(String(candidate.message ?? 'insufficient_quota'));
    }
  }
  if (error instanceof GraphRecursionError) return new AgentError('the agent took too many steps for this message', error);
  const message = error instanceof Error ? error.message : String(error);
  return new AgentError(`the agent failed: ${message}`, error);
}
