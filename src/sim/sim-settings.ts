import { z } from 'zod';
import { parseGoDuration } from '../llm/provider-headers.js';
import { field, type SettingSources } from '../config/settings.js';
import { LATENCY_PROFILE_NAMES } from './latency-profiles.js';
import { LIMIT_PRESET_NAMES } from './limit-presets.js';

/**
 * Everything `concierge sim` (and the embedded simulator) can be told. Defaults suit the
 * embedded default LLM: limits that never bind (`unlimited`) with gpt-4o-mini latency, so
 * the agent feels like the real thing without 429s unless a preset asks for them.
 */
export const simSettingsSchema = z.object({
  /** Port to listen on; 0 picks a free one. */
  port: field.port().default(8787),
  /** Interface to bind. */
  host: field.host().default('127.0.0.1'),
  /** Organisation rate limits of an OpenAI usage tier for gpt-4o-mini. */
  preset: z.enum(LIMIT_PRESET_NAMES, { error: `must be one of ${LIMIT_PRESET_NAMES.join(', ')}` }).default('unlimited'),
  /** Requests per minute, overriding the preset. */
  rpm: field.positiveInt().optional(),
  /** Tokens per minute, overriding the preset. */
  tpm: field.positiveInt().optional(),
  /**
   * How deep the rate-limit buckets are, as a duration of refill (Go syntax: `1m`, `10s`):
   * OpenAI states that a per-minute limit may be enforced over shorter periods, so a burst
   * can be as small as `limit x window / 1m`. Default one minute. Parsed to nominal ms.
   */
  limitWindow: z
    .union([
      // Already parsed (an embedding passes resolved options back through this schema).
      z.number().positive().max(60_000, 'must be at most 1m'),
      z.string().transform((text, ctx) => {
        const ms = parseGoDuration(text);
        if (ms === undefined || !(ms > 0) || ms > 60_000) {
          ctx.addIssue({ code: 'custom', message: 'must be a duration above 0 and at most 1m, like 10s or 1m' });
          return z.NEVER;
        }
        return ms;
      }),
    ])
    .prefault('1m'),
  /** Multiplies every duration: 0.1 runs a 10-minute scenario in 1 minute. */
  timeScale: field.timeScale().default(1),
  /** Seed of the scripted brain, the latency jitter and the fault draws. */
  seed: field.nonNegativeInt().default(1),
  /** Latency profile; `off` answers as fast as the machine can. */
  latency: z.enum(LATENCY_PROFILE_NAMES, { error: `must be one of ${LATENCY_PROFILE_NAMES.join(', ')}` }).default('gpt-4o-mini'),
  /** Median time to first token in ms, overriding the profile. */
  ttftMs: field.nonNegativeInt().optional(),
  /** Median output speed in tokens/s, overriding the profile. */
  outputTps: field.positiveNumber().optional(),
  /** Self-hosted mode: at most this many sequences decode at once (0 = hosted API, no limit). */
  maxSeqs: field.nonNegativeInt().default(0),
  /** Self-hosted mode: waiting requests beyond this are refused with 503 (0 = unbounded queue). */
  maxQueue: field.nonNegativeInt().default(0),
  /** Self-hosted mode: per-token decode time grows by this fraction when the batch is full. */
  batchSlowdown: z.coerce.number({ error: 'must be a number' }).min(0, 'must be 0 or more').default(1),
  /** Fraction of admitted requests answered with an injected 500 or 503. */
  failRate: field.fraction().default(0),
  /** Fraction of admitted requests that never answer. */
  hangRate: field.fraction().default(0),
  /** Fraction of streamed responses cut midway (connection closed, no [DONE]). */
  cutStreamRate: field.fraction().default(0),
  /** Fraction of responses generated `slowStreamFactor` times slower. */
  slowStreamRate: field.fraction().default(0),
  /** How much slower a slow response is. */
  slowStreamFactor: field.positiveNumber().default(10),
  /** Answer every completion with 429 insufficient_quota, like an organisation out of credit. */
  insufficientQuota: field.bool().default(false),
  /**
   * Completion tokens charged to the TPM bucket when a request sets no max_completion_tokens:
   * the model's largest output (16,384 for gpt-4o-mini).
   */
  defaultMaxTokens: field.positiveInt().max(16_384, 'must be at most 16384 (the model output limit)').default(16_384),
  /** Send `retry-after-ms` and `retry-after` on 429s (the openai SDK honours them). */
  retryAfterHeaders: field.bool().default(true),
  /** Inactivity after which a cached prompt prefix is forgotten, in (scaled) seconds. */
  promptCacheTtlS: field.positiveNumber().default(300),
  /** Organisation id quoted in rate-limit messages. */
  organization: z.string().regex(/^org-[A-Za-z0-9]+$/, 'must look like org-XXXX').default('org-concierge0sim'),
});

export type SimOptions = z.output<typeof simSettingsSchema>;
export type SimOptionsInput = z.input<typeof simSettingsSchema>;

const env = (name: string) => `CONCIERGE_SIM_${name}`;

export const simSettingSources: SettingSources<SimOptionsInput> = {
  port: { flag: '--port', env: env('PORT'), arg: '<port>', help: 'port; 0 picks a free one' },
  host: { flag: '--host', env: env('HOST'), arg: '<host>', help: 'interface to bind' },
  preset: { flag: '--preset', env: env('PRESET'), arg: '<name>', help: `organisation limits: ${LIMIT_PRESET_NAMES.join('|')}` },
  rpm: { flag: '--rpm', env: env('RPM'), arg: '<n>', help: 'requests per minute, overriding the preset' },
  tpm: { flag: '--tpm', env: env('TPM'), arg: '<n>', help: 'tokens per minute, overriding the preset' },
  limitWindow: { flag: '--limit-window', env: env('LIMIT_WINDOW'), arg: '<duration>', help: 'depth of the rate-limit buckets (limits enforced over shorter periods), e.g. 10s', defaultText: '1m' },
  timeScale: { flag: '--time-scale', env: env('TIME_SCALE'), arg: '<f>', help: 'multiply every duration by f; 0.1 runs 10 minutes in 1' },
  seed: { flag: '--seed', env: env('SEED'), arg: '<n>', help: 'seed of the brain, jitter and faults' },
  latency: { flag: '--latency', env: env('LATENCY'), arg: '<profile>', help: `latency profile: ${LATENCY_PROFILE_NAMES.join('|')}` },
  ttftMs: { flag: '--ttft-ms', env: env('TTFT_MS'), arg: '<ms>', help: 'median time to first token, overriding the profile' },
  outputTps: { flag: '--output-tps', env: env('OUTPUT_TPS'), arg: '<n>', help: 'median output tokens per second, overriding the profile' },
  maxSeqs: { flag: '--max-seqs', env: env('MAX_SEQS'), arg: '<n>', help: 'self-hosted mode: sequences decoded at once, 0 = hosted API' },
  maxQueue: { flag: '--max-queue', env: env('MAX_QUEUE'), arg: '<n>', help: 'self-hosted mode: waiting requests before 503, 0 = unbounded' },
  batchSlowdown: { flag: '--batch-slowdown', env: env('BATCH_SLOWDOWN'), arg: '<f>', help: 'self-hosted mode: extra decode time of a full batch, as a fraction (1 = twice as slow)' },
  failRate: { flag: '--fail-rate', env: env('FAIL_RATE'), arg: '<p>', help: 'fraction of requests answered 500/503' },
  hangRate: { flag: '--hang-rate', env: env('HANG_RATE'), arg: '<p>', help: 'fraction of requests never answered' },
  cutStreamRate: { flag: '--cut-stream-rate', env: env('CUT_STREAM_RATE'), arg: '<p>', help: 'fraction of streams cut midway' },
  slowStreamRate: { flag: '--slow-stream-rate', env: env('SLOW_STREAM_RATE'), arg: '<p>', help: 'fraction of responses generated slowly' },
  slowStreamFactor: { flag: '--slow-stream-factor', env: env('SLOW_STREAM_FACTOR'), arg: '<f>', help: 'how much slower a slow response is' },
  insufficientQuota: { flag: '--insufficient-quota', env: env('INSUFFICIENT_QUOTA'), takes: 'switch', help: 'answer every completion 429 insufficient_quota' },
  defaultMaxTokens: { flag: '--default-max-tokens', env: env('DEFAULT_MAX_TOKENS'), arg: '<n>', help: 'completion tokens charged when a request sets no limit' },
  retryAfterHeaders: { flag: '--retry-after-headers', env: env('RETRY_AFTER_HEADERS'), arg: '<bool>', help: 'send retry-after-ms / retry-after on 429s' },
  promptCacheTtlS: { flag: '--prompt-cache-ttl-s', env: env('PROMPT_CACHE_TTL_S'), arg: '<s>', help: 'inactivity before a cached prompt prefix is forgotten, scaled' },
  organization: { flag: '--organization', env: env('ORGANIZATION'), arg: '<id>', help: 'organisation id in rate-limit messages' },
};
