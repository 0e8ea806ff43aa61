import { ChatOpenAI } from '@langchain/openai';

export interface ChatModelOptions {
  model: string;
  baseURL: string;
  apiKey: string;
  /** Every call reserves this many output tokens of the TPM budget, so keep it tight. */
  maxCompletionTokens: number;
  temperature: number;
  /** The fetch the OpenAI SDK uses: metering, and admission control when it is on. */
  fetch: typeof fetch;
  /**
   * LangChain's own retries (AsyncCaller). `undefined` keeps LangChain's default (6), which is
   * what the seed's architecture had; admission control sets 0 and retries in one place.
   */
  maxRetries: number | undefined;
  /** Per-attempt HTTP timeout. */
  timeoutMs: number;
}

/**
 * The chat model the agent calls. `max_completion_tokens` is always sent (LangChain sends the
 * legacy `max_tokens` for non-reasoning models, so it goes through modelKwargs instead).
 */
export function createChatModel(options: ChatModelOptions): ChatOpenAI {
  return new ChatOpenAI({
    model: options.model,
    apiKey: options.apiKey,
    temperature: options.temperature,
    timeout: options.timeoutMs,
    streamUsage: true,
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    modelKwargs: { max_completion_tokens: options.maxCompletionTokens },
    configuration: { baseURL: options.baseURL, fetch: options.fetch },
  });
}
