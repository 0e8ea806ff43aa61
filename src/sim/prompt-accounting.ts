import type { ChatRequest } from './chat-request.js';
import { chainHash, type PrefixPoint, type PromptCache } from './prompt-cache.js';
import { REPLY_PRIMING_TOKENS, type TokenCounter } from './token-counter.js';

export interface PromptAccount {
  promptTokens: number;
  cachedTokens: number;
  /** Hash of the whole prompt (tools and messages): seeds the draws of a request without a `prompt_cache_key`. */
  promptKey: string;
  /** The request's prefixes, to remember once it is admitted (rejected requests are not cached). */
  prefixes: PrefixPoint[];
}

/** Count a request's prompt tokens and the part of it the prompt cache would serve. */
export function accountPrompt(request: ChatRequest, counter: TokenCounter, cache: PromptCache): PromptAccount {
  let tokens = counter.tools(request.tools, request.toolsKey);
  let prefix = chainHash('', request.toolsKey);
  const points: PrefixPoint[] = [];
  for (const message of request.messages) {
    tokens += counter.message(message);
    prefix = chainHash(prefix, message.key);
    points.push({ hash: prefix, tokens });
  }
  return { promptTokens: tokens + REPLY_PRIMING_TOKENS, cachedTokens: cache.lookup(points), promptKey: prefix, prefixes: points };
}
