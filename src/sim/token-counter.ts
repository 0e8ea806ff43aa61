import type { Tiktoken } from 'js-tiktoken/lite';
import { sharedO200kPieces, type O200kPieces, type O200kPiece } from '../shared/o200k-pieces.js';
import { renderTools } from '../shared/o200k-prompt.js';
import type { SimMessage, SimTool } from './chat-request.js';
import { LruCache } from '../shared/lru-cache.js';

/**
 * Token accounting in the o200k_base encoding of gpt-4o-mini, with OpenAI's chat overheads:
 * 3 tokens per message (start, separator, end) plus the role, 1 more when `name` is set,
 * 3 to prime the reply. Tool definitions are rendered the way the model sees them (a
 * TypeScript-like `namespace functions` block added to the system prompt) and encoded; tool
 * calls in assistant messages are counted as the name plus the argument text plus a small
 * fixed overhead. The result is within a few tokens of what OpenAI reports for agent-style
 * prompts; it is an approximation, documented in docs/sim.md.
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const REPLY_PRIMING_TOKENS = 3;
export const TOOL_CALL_OVERHEAD_TOKENS = 7;
const TOOLS_BLOCK_OVERHEAD_TOKENS = 9;


export interface TokenCounterOptions {
  /** Bound of the per-message and per-tool-list caches. */
  maxEntries: number;
}

/**
 * Counts, encodes and splits text through the process's o200k piece cache (see
 * o200k-pieces.ts), and caches whole messages and tool lists by their content key.
 */
export class TokenCounter {
  readonly #encoder: Tiktoken;
  readonly #pieces: O200kPieces;
  readonly #messages: LruCache<string, number>;
  readonly #tools: LruCache<string, number>;

  constructor(options: TokenCounterOptions = { maxEntries: 50_000 }) {
    this.#pieces = sharedO200kPieces();
    this.#encoder = this.#pieces.encoder;
    this.#messages = new LruCache(options.maxEntries);
    this.#tools = new LruCache(Math.max(16, Math.floor(options.maxEntries / 100)));
  }

  /** Tokens of plain text. */
  text(text: string): number {
    if (text.length === 0) return 0;
    let n = 0;
    this.#each(text, (piece) => {
      n += piece.ids.length;
    });
    return n;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    this.#each(text, (piece) => {
      for (const id of piece.ids) out.push(id);
    });
    return out;
  }

  /** The text of each token, in order; joined they give `text` back. */
  tokenTexts(text: string): string[] {
    const out: string[] = [];
    this.#each(text, (piece, raw) => {
      if (piece.ids.length === 1) {
        out.push(raw);
        return;
      }
      piece.texts ??= splitDecode(this.#encoder, piece.ids);
      for (const t of piece.texts) out.push(t);
    });
    return out;
  }

  decode(tokens: number[]): string {
    return this.#encoder.decode(tokens);
  }

  /** The text of each of these tokens (multi-byte characters kept whole). */
  decodeEach(tokens: readonly number[]): string[] {
    return splitDecode(this.#encoder, tokens);
  }

  #each(text: string, visit: (piece: O200kPiece, raw: string) => void): void {
    this.#pieces.each(text, visit);
  }

  /** Tokens one message adds to the prompt, cached by the message's content key. */
  message(message: SimMessage): number {
    const cached = this.#messages.get(message.key);
    if (cached !== undefined) return cached;
    let n = TOKENS_PER_MESSAGE + this.text(message.role) + this.text(message.text) + message.extraTokens;
    if (message.name !== undefined) n += TOKENS_PER_NAME + this.text(message.name);
    for (const call of message.toolCalls) n += TOOL_CALL_OVERHEAD_TOKENS + this.text(call.name) + this.text(call.arguments);
    this.#messages.set(message.key, n);
    return n;
  }

  /** Tokens the tool definitions add, cached by the tool list's key. */
  tools(tools: readonly SimTool[], key: string): number {
    if (tools.length === 0) return 0;
    const cached = this.#tools.get(key);
    if (cached !== undefined) return cached;
    const n = TOOLS_BLOCK_OVERHEAD_TOKENS + this.text(renderTools(tools));
    this.#tools.set(key, n);
    return n;
  }
}

/** Decode token by token, joining tokens that only together form whole characters. */
function splitDecode(encoder: Tiktoken, ids: readonly number[]): string[] {
  const out: string[] = [];
  let pending: number[] = [];
  for (const id of ids) {
    pending.push(id);
    const text = encoder.decode(pending);
    if (!text.includes('\uFFFD')) {
      out.push(text);
      pending = [];
    }
  }
  if (pending.length > 0) out.push(encoder.decode(pending));
  return out;
}

