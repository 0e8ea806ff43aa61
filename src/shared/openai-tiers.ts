/**
 * gpt-4o-mini organisation rate limits per OpenAI usage tier, as OpenAI publishes them. The
 * simulator enforces them as the provider; admission control assumes them as the client.
 */
export const GPT_4O_MINI_TIERS = {
  tier1: { rpm: 500, tpm: 200_000 },
  tier2: { rpm: 5_000, tpm: 2_000_000 },
  tier3: { rpm: 5_000, tpm: 4_000_000 },
  tier4: { rpm: 10_000, tpm: 10_000_000 },
  tier5: { rpm: 30_000, tpm: 150_000_000 },
} as const satisfies Record<string, { rpm: number; tpm: number }>;
