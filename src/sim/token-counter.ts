import type { Tiktoken } from 'js-tiktoken/lite';
import { O200K_PATTERN_SOURCE, o200kEncoder, renderTools } from '../shared/o200k-prompt.js';
import type { SimMessage, SimTool } from './chat-request.js';
import { LruCache } from './lru-cache.js';

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

interface Piece {
  ids: number[];
  /** The text of each token, filled in when a stream first needs it. */
  texts: string[] | undefined;
}

/** Distinct pre-tokenised pieces ("words") remembered; a language has far fewer. */
const PIECE_CACHE_ENTRIES = 100_000;

/**
 * js-tiktoken rebuilds its regular expressions and re-encodes every word on each call,
 * which made tokenising the largest cost of a request. This splits text with the same
 * o200k_base pre-tokeniser pattern, compiled once, and remembers the tokens of each piece;
 * a piece is encoded by js-tiktoken only the first time it is seen. The result is the same
 * token sequence, except that special-token text such as `<|endoftext|>` is counted as
 * plain text (as OpenAI does for user content) instead of being refused.
 */
export class TokenCounter {
  readonly #encoder: Tiktoken;
  readonly #pattern: RegExp;
  readonly #pieces: LruCache<string, Piece>;
  readonly #messages: LruCache<string, number>;
  readonly #tools: LruCache<string, number>;

  constructor(options: TokenCounterOptions = { maxEntries: 50_000 }) {
    this.#encoder = o200kEncoder();
    this.#pattern = new RegExp(O200K_PATTERN_SOURCE, 'gu');
    this.#pieces = new LruCache(PIECE_CACHE_ENTRIES);
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

  #each(text: string, visit: (piece: Piece, raw: string) => void): void {
    const re = this.#pattern;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const raw = m[0];
      let piece = this.#pieces.get(raw);
      if (!piece) {
        piece = { ids: this.#encoder.encode(raw, [], []), texts: undefined };
        this.#pieces.set(raw, piece);
      }
      visit(piece, raw);
    }
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

