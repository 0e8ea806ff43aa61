import { GraphRecursionError } from '@langchain/langgraph';
import { APIConnectionError } from 'openai';
import { ProviderQuotaError, ProviderRateLimitError, ProviderUnavailableError } from '../llm/admission-errors.js';
import { ConciergeError, isConciergeError } from '../shared/errors.js';

export class RunTimeoutError extends ConciergeError {
  constructor(timeoutMs: number) {
    super('RUN_TIMEOUT', `the run did not finish within ${timeoutMs} ms`, { status: 504 });
  }
}

/** The server stopped before the run could finish (shutdown grace over). */
export class RunInterruptedError extends ConciergeError {
  constructor() {
    super('RUN_INTERRUPTED', 'the server stopped before the run finished; send the message again', { status: 503 });
  }
}

/** What is stored of a failed run, so that a later `join` answers with the same status. */
export function runErrorRecord(error: ConciergeError): { code: string; message: string; status: number; retryAfterMs?: number } {
  const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return { code: error.code, message: error.message, status: error.status, ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}) };
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
export function classifyRunError(error: unknown, context: { timedOut: boolean; timeoutMs: number; llmFailure?: ConciergeError | undefined }): ConciergeError {
  if (context.timedOut) return new RunTimeoutError(context.timeoutMs);
  // What the LLM layer recorded itself wins: the SDK and LangChain may have rewrapped it
  // beyond recognition (the SDK, for one, reads any "timed out" in a message as its own timeout).
  if (context.llmFailure) return context.llmFailure;
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
  for (const candidate of causes(error)) {
    // Admission off: LangChain's retries are spent on an outage (5xx, timeouts, no connection).
    const status = typeof candidate.status === 'number' ? candidate.status : undefined;
    const connection = candidate instanceof APIConnectionError || candidate.name === 'TimeoutError';
    if ((status !== undefined && status >= 500) || connection) {
      return new ProviderUnavailableError(String(candidate.message ?? 'no answer'), retryAfterFrom(candidate), error);
    }
  }
  if (error instanceof GraphRecursionError) return new AgentError('the agent took too many steps for this message', error);
  const message = error instanceof Error ? error.message : String(error);
  return new AgentError(`the agent failed: ${message}`, error);
}
