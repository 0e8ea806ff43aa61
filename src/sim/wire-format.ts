import type { Rng } from './seeded-random.js';

/**
 * The Chat Completions wire format, field for field as OpenAI sends it, including the
 * fields clients ignore but some assert on (`refusal`, `annotations`, `logprobs`,
 * `service_tier`, `system_fingerprint`, the detailed usage blocks).
 */

export const SYSTEM_FINGERPRINT = 'fp_560af6e559';

const MODEL_SNAPSHOTS: Record<string, string> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
};

/** OpenAI answers with the dated snapshot an alias points to. */
export function responseModel(requested: string): string {
  return MODEL_SNAPSHOTS[requested] ?? requested;
}

export const LISTED_MODELS = ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4.1-mini', 'gpt-4.1-nano'];

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: { reasoning_tokens: number; audio_tokens: number; accepted_prediction_tokens: number; rejected_prediction_tokens: number };
}

export function usage(promptTokens: number, cachedTokens: number, completionTokens: number): WireUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface ChoiceOutput {
  content: string | null;
  toolCalls: WireToolCall[] | undefined;
  finishReason: FinishReason;
}

export function completionBody(id: string, created: number, model: string, choices: readonly ChoiceOutput[], wireUsage: WireUsage): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: choices.map((c, index) => ({
      index,
      message: {
        role: 'assistant',
        content: c.content,
        ...(c.toolCalls ? { tool_calls: c.toolCalls } : {}),
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: c.finishReason,
    })),
    usage: wireUsage,
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/** Serialises the chunks of one stream; the id, model and created time are shared. */
export class ChunkWriter {
  readonly #head: string;
  readonly #includeUsage: boolean;
  readonly #obfuscate: Rng | undefined;

  constructor(id: string, created: number, model: string, includeUsage: boolean, obfuscation: Rng | undefined) {
    this.#head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":`;
    this.#includeUsage = includeUsage;
    this.#obfuscate = obfuscation;
  }

  /** One `data:` event with a delta for choice `index`. */
  delta(index: number, delta: Record<string, unknown>, finishReason: FinishReason | null = null): string {
    const choice = `[{"index":${index},"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finishReason === null ? 'null' : `"${finishReason}"`}}]`;
    return this.#event(choice, this.#includeUsage ? ',"usage":null' : '');
  }

  /** The usage chunk: empty choices, sent last when `stream_options.include_usage`. */
  usage(wireUsage: WireUsage): string {
    return this.#event('[]', `,"usage":${JSON.stringify(wireUsage)}`);
  }

  #event(choices: string, tail: string): string {
    const obfuscation = this.#obfuscate ? `,"obfuscation":"${padding(this.#obfuscate)}"` : '';
    return `data: ${this.#head}${choices}${tail}${obfuscation}}\n\n`;
  }
}

export const DONE_EVENT = 'data: [DONE]\n\n';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function base62(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += BASE62[Math.floor(rng.next() * 62)];
  return s;
}

/** OpenAI pads chunks with random characters so their sizes do not reveal the tokens. */
function padding(rng: Rng): string {
  return base62(rng, 1 + Math.floor(rng.next() * 14));
}

/** Ids shaped like OpenAI's. */
export class IdMaker {
  readonly #rng: Rng;
  constructor(rng: Rng) {
    this.#rng = rng;
  }
  completion(): string {
    return `chatcmpl-${base62(this.#rng, 29)}`;
  }
  toolCall(): string {
    return `call_${base62(this.#rng, 24)}`;
  }
  request(): string {
    let hex = 'req_';
    for (let i = 0; i < 32; i++) hex += '0123456789abcdef'[Math.floor(this.#rng.next() * 16)];
    return hex;
  }
}
