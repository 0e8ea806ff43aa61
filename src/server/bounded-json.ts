import { z } from 'zod';

/** The deepest nesting a `metadata` or `config` object may have (the object itself is level 1). */
export const MAX_JSON_DEPTH = 16;
/** The most bytes a `metadata` or `config` object may take as JSON. */
export const MAX_JSON_BYTES = 16 * 1024;

/**
 * Nesting depth of a parsed JSON value, walked with an explicit stack: a recursive walk (or
 * `JSON.stringify`) of a body nested thousands of levels deep overflows the call stack.
 * Stops counting once past `limit`.
 */
export function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) stack.push({ value: child, depth: level });
  }
  return deepest;
}

/**
 * A free-form JSON object a client stores with a thread or run (`metadata`, `config`): at most
 * `MAX_JSON_DEPTH` levels and `MAX_JSON_BYTES` bytes, else 400 naming the field.
 */
export function boundedJsonObject() {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      ctx.addIssue({ code: 'custom', message: `must be nested at most ${MAX_JSON_DEPTH} levels deep` });
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > MAX_JSON_BYTES) ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_JSON_BYTES} bytes as JSON (got ${bytes})` });
  });
}
