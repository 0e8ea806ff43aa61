import { GPT_4O_MINI_TIERS } from '../shared/openai-tiers.js';

/**
 * Organisation rate limits for gpt-4o-mini by usage tier, as OpenAI publishes them. The
 * simulator applies one organisation-wide limit whatever model name a request gives.
 */
export const LIMIT_PRESETS = {
  free: { rpm: 3, tpm: 40_000 },
  ...GPT_4O_MINI_TIERS,
  // Large enough never to bind, but still real numbers, so every response carries the same
  // headers and a client's header parsing is exercised even on the embedded default.
  unlimited: { rpm: 10_000_000, tpm: 10_000_000_000 },
} as const satisfies Record<string, { rpm: number; tpm: number }>;

export type LimitPresetName = keyof typeof LIMIT_PRESETS;

export const LIMIT_PRESET_NAMES = Object.keys(LIMIT_PRESETS) as [LimitPresetName, ...LimitPresetName[]];
