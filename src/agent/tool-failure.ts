import type { ErrorCode } from '../shared/error-catalogue.js';

/**
 * What a tool answers the model when it refuses or could not act: `{ok: false, error:
 * {code, message}}`, a catalogue code the system prompt's rules and the model can rely on,
 * plus any extra fields (SLOT_FULL's alternatives).
 */
export function toolFailure(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ok: false, error: { code, message }, ...extra });
}
