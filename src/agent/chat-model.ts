import { ChatOpenAI } from '@langchain/openai';
import type { ChatModelSettings } from '../llm/llm-client.js';

/**
 * The chat model the agent calls, from the settings the LLM layer decided. `max_completion_tokens`
 * is always sent (LangChain sends the legacy `max_tokens` for non-reasoning models, so it goes
 * through modelKwargs instead).
 */
export function createChatModel(settings: ChatModelSettings, maxCompletionTokens = settings.maxCompletionTokens): ChatOpenAI {
  return new ChatOpenAI({
    model: settings.model,
    apiKey: settings.apiKey,
    temperature: settings.temperature,
    timeout: settings.timeoutMs,
    streamUsage: true,
    ...(settings.maxRetries === undefined ? {} : { maxRetries: settings.maxRetries }),
    modelKwargs: { max_completion_tokens: maxCompletionTokens },
    configuration: { baseURL: settings.baseURL, fetch: settings.fetch },
  });
}
