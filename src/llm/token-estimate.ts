import { sharedO200kPieces } from '../shared/o200k-pieces.js';
import { renderTools, type PromptTool } from '../shared/o200k-prompt.js';

/**
 * Prompt tokens of a Chat Completions request, counted the way the provider's rate limiter
 * charges them: o200k_base tokens (gpt-4o / gpt-4o-mini) plus OpenAI's fixed chat overheads
 * (3 per message, 1 per name, 3 to prime the reply), tool definitions as the model sees them
 * and tool calls as name plus arguments. The estimate is reconciled with the provider's
 * reported `prompt_tokens` after the call, so small differences cost nothing lasting.
 */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;
const TOOL_CALL_OVERHEAD_TOKENS = 7;
const TOOLS_BLOCK_OVERHEAD_TOKENS = 9;
/** An image part, at the high-detail tile price of a 512x512 image; agent prompts rarely have any. */
const IMAGE_PART_TOKENS = 255;

export interface ChatMessageBody {
  role?: unknown;
  content?: unknown;
  name?: unknown;
  tool_calls?: unknown;
}

/** The fields of a `POST /chat/completions` body that decide what the call will be charged. */
export interface ChatCompletionBody {
  model?: unknown;
  messages?: unknown;
  tools?: unknown;
  functions?: unknown;
  max_completion_tokens?: unknown;
  max_tokens?: unknown;
  n?: unknown;
  stream?: unknown;
  [key: string]: unknown;
}

function countText(text: string): number {
  // Special-token text a user types ("<|endoftext|>") is counted as text, not refused.
  return sharedO200kPieces().count(text);
}

export interface TokenEstimatorOptions {
  /** Per-message counts kept, so the system prompt, tool list and earlier turns are encoded once. Default 20,000. */
  maxEntries?: number;
}

export interface TokenEstimator {
  /** Load the encoder now (about half a second, blocking) rather than on the first user's call. */
  warm(): void;
  /** Prompt tokens of the request body. */
  promptTokens(body: ChatCompletionBody): number;
  /** Counts served from the cache vs encoded, for tests and stats. */
  readonly cacheStats: { hits: number; misses: number };
}

export function createTokenEstimator(options: TokenEstimatorOptions = {}): TokenEstimator {
  const cache = new BoundedCache<string, number>(options.maxEntries ?? 20_000);
  const cacheStats = { hits: 0, misses: 0 };
  const cached = (key: string, count: () => number): number => {
    const hit = cache.get(key);
    if (hit !== undefined) {
      cacheStats.hits += 1;
      return hit;
    }
    cacheStats.misses += 1;
    const n = count();
    cache.set(key, n);
    return n;
  };
  return {
    cacheStats,
    warm: () => void sharedO200kPieces(),
    promptTokens(body) {
      let total = REPLY_PRIMING_TOKENS;
      const messages = Array.isArray(body.messages) ? (body.messages as ChatMessageBody[]) : [];
      for (const message of messages) total += cached(`m${JSON.stringify(message)}`, () => messageTokens(message));
      const tools = toolDefinitions(body);
      if (tools.length > 0) total += cached(`t${JSON.stringify(tools)}`, () => TOOLS_BLOCK_OVERHEAD_TOKENS + countText(renderTools(tools)));
      return total;
    },
  };
}

function messageTokens(message: ChatMessageBody): number {
  let n = TOKENS_PER_MESSAGE + countText(typeof message.role === 'string' ? message.role : '');
  const content = message.content;
  if (typeof content === 'string') n += countText(content);
  else if (Array.isArray(content)) {
    for (const part of content as Array<Record<string, unknown>>) {
      if (part && typeof part.text === 'string') n += countText(part.text);
      else if (part && typeof part === 'object') n += IMAGE_PART_TOKENS;
    }
  }
  if (typeof message.name === 'string') n += TOKENS_PER_NAME + countText(message.name);
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls as Array<{ function?: { name?: unknown; arguments?: unknown } }>) {
      const fn = call?.function ?? {};
      n += TOOL_CALL_OVERHEAD_TOKENS + countText(typeof fn.name === 'string' ? fn.name : '') + countText(typeof fn.arguments === 'string' ? fn.arguments : '');
    }
  }
  return n;
}

type ToolDefinition = PromptTool;

function toolDefinitions(body: ChatCompletionBody): ToolDefinition[] {
  const out: ToolDefinition[] = [];
  const push = (fn: Record<string, unknown> | undefined) => {
    if (!fn || typeof fn.name !== 'string') return;
    out.push({
      name: fn.name,
      description: typeof fn.description === 'string' ? fn.description : '',
      parameters: fn.parameters && typeof fn.parameters === 'object' ? (fn.parameters as Record<string, unknown>) : {},
    });
  };
  if (Array.isArray(body.tools)) for (const tool of body.tools as Array<{ function?: Record<string, unknown> }>) push(tool?.function);
  if (Array.isArray(body.functions)) for (const fn of body.functions as Array<Record<string, unknown>>) push(fn);
  return out;
}


/**
 * The completion tokens a call reserves: its `max_completion_tokens` (or legacy
 * `max_tokens`) times `n`. When the body sets neither, the provider would charge the model's
 * whole output limit (16,384 for gpt-4o-mini), so the gate writes `fallback` into the body and
 * reserves that instead.
 */
export function completionAllowance(body: ChatCompletionBody, fallback: number): { tokens: number; inject: boolean } {
  const given = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens);
  const n = positiveInt(body.n) ?? 1;
  return { tokens: (given ?? fallback) * n, inject: given === undefined };
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
}

/**
 * A size-bounded map evicting the least recently used entry. A `Map` keeps insertion order,
 * so re-inserting on read is all an LRU needs; a cache library would add TTL and size
 * bookkeeping this hot path does not use.
 */
class BoundedCache<K, V> {
  readonly #map = new Map<K, V>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
    this.#map.set(key, value);
  }
}
