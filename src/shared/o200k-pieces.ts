import type { Tiktoken } from 'js-tiktoken/lite';
import { LruCache } from './lru-cache.js';
import { O200K_PATTERN_SOURCE, o200kEncoder } from './o200k-prompt.js';

/** One pre-tokenised piece ("word") and its tokens. */
export interface O200kPiece {
  ids: number[];
  /** The text of each token, filled in when a caller first needs it. */
  texts: string[] | undefined;
}

/** Distinct pieces remembered; a language has far fewer. */
const PIECE_CACHE_ENTRIES = 100_000;

/**
 * js-tiktoken rebuilds its regular expressions and re-encodes every word on each call, which
 * made tokenising the largest CPU cost of a call, in the simulator (as the provider) and in
 * the admission gate (as the client). This splits text with the same o200k_base
 * pre-tokeniser pattern, compiled once, and remembers the tokens of each piece, so a piece is
 * encoded by js-tiktoken only the first time it is seen: about 9x less CPU on tool results.
 * The token sequence is the same, except that special-token text such as `<|endoftext|>` is
 * counted as plain text (as OpenAI does for user content) instead of being refused.
 */
export class O200kPieces {
  readonly encoder: Tiktoken = o200kEncoder();
  readonly #pattern = new RegExp(O200K_PATTERN_SOURCE, 'gu');
  readonly #pieces = new LruCache<string, O200kPiece>(PIECE_CACHE_ENTRIES);

  /** Tokens of plain text. */
  count(text: string): number {
    if (text.length === 0) return 0;
    let n = 0;
    this.each(text, (piece) => {
      n += piece.ids.length;
    });
    return n;
  }

  each(text: string, visit: (piece: O200kPiece, raw: string) => void): void {
    const re = this.#pattern;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const raw = m[0];
      let piece = this.#pieces.get(raw);
      if (!piece) {
        piece = { ids: this.encoder.encode(raw, [], []), texts: undefined };
        this.#pieces.set(raw, piece);
      }
      visit(piece, raw);
    }
  }
}

let shared: O200kPieces | undefined;

/** One piece cache per process, shared by every counter in it. */
export function sharedO200kPieces(): O200kPieces {
  shared ??= new O200kPieces();
  return shared;
}
