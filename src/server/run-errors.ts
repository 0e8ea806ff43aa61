import { GraphRecursionError } from '@langchain/langgraph';
import { classifyProviderError } from '../llm/provider-errors.js';
import { ConciergeError } from '../shared/errors.js';

export function runTimedOut(timeoutMs: number): ConciergeError {
  return new ConciergeError('RUN_TIMEOUT', `the run did not finish within ${timeoutMs} ms`);
}

/** The server stopped before the run could finish (shutdown grace over). */
export function runInterrupted(message = 'the server stopped before the run finished; send the message again'): ConciergeError {
  // The thread takes a new run at once (the run is recorded, its lease released): retry soon.
  return new ConciergeError('RUN_INTERRUPTED', message, { retryAfterMs: 1000 });
}

export function agentError(message: string, cause?: unknown): ConciergeError {
  return new ConciergeError('AGENT_ERROR', message, { cause });
}

/**
 * Turn whatever a run threw into one of our typed errors. The LLM layer's own failures reach
 * us wrapped by the OpenAI SDK and LangChain; src/llm tells what they amount to.
 */
export function classifyRunError(error: unknown, context: { timedOut: boolean; timeoutMs: number; llmFailure?: ConciergeError | undefined }): ConciergeError {
  if (context.timedOut) return runTimedOut(context.timeoutMs);
  // What the LLM layer recorded itself wins: the SDK and LangChain may have rewrapped it
  // beyond recognition (the SDK, for one, reads any "timed out" in a message as its own timeout).
  if (context.llmFailure) return context.llmFailure;
  const provider = classifyProviderError(error);
  if (provider) return provider;
  if (error instanceof GraphRecursionError) return agentError('the agent took too many steps for this message', error);
  // The provider refused the request (a 4xx it answers): its words describe our prompt, tools
  // and account, not anything the customer can act on, so they stay out of the answer.
  const refused = providerStatus(error);
  if (refused !== undefined) return agentError(`the LLM provider refused the request (HTTP ${refused})`, error);
  const message = error instanceof Error ? error.message : String(error);
  return agentError(`the agent failed: ${message}`, error);
}

/** The HTTP status the provider answered, anywhere in the cause chain; undefined when it did not answer. */
function providerStatus(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth += 1) {
    const status = (current as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 600) return status;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
