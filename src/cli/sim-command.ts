import type { Command } from 'commander';
import { resolveSettings } from '../config/settings.js';
import { LATENCY_PROFILE_NAMES } from '../sim/latency-profiles.js';
import { LIMIT_PRESET_NAMES } from '../sim/limit-presets.js';
import { startSimServer } from '../sim/sim-server.js';
import { simSettingSources, simSettingsSchema } from '../sim/sim-settings.js';
import { runAction, untilSignal } from './run-action.js';

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('Run the OpenAI-compatible provider simulator: gpt-4o-mini wire format, token accounting, organisation rate limits, latency and faults. See docs/sim.md.')
    .option('--port <port>', 'port; 0 picks a free one (env CONCIERGE_SIM_PORT, default 8787)')
    .option('--host <host>', 'interface to bind (env CONCIERGE_SIM_HOST, default 127.0.0.1)')
    .option('--preset <name>', `organisation limits: ${LIMIT_PRESET_NAMES.join('|')} (env CONCIERGE_SIM_PRESET, default unlimited)`)
    .option('--rpm <n>', 'requests per minute, overriding the preset (env CONCIERGE_SIM_RPM)')
    .option('--tpm <n>', 'tokens per minute, overriding the preset (env CONCIERGE_SIM_TPM)')
    .option('--time-scale <f>', 'multiply every duration by f; 0.1 runs 10 minutes in 1 (env CONCIERGE_SIM_TIME_SCALE, default 1)')
    .option('--seed <n>', 'seed of the brain, jitter and faults (env CONCIERGE_SIM_SEED, default 1)')
    .option('--latency <profile>', `latency profile: ${LATENCY_PROFILE_NAMES.join('|')} (env CONCIERGE_SIM_LATENCY, default gpt-4o-mini)`)
    .option('--ttft-ms <ms>', 'median time to first token, overriding the profile (env CONCIERGE_SIM_TTFT_MS)')
    .option('--output-tps <n>', 'median output tokens per second, overriding the profile (env CONCIERGE_SIM_OUTPUT_TPS)')
    .option('--max-seqs <n>', 'self-hosted mode: sequences decoded at once, 0 = hosted API (env CONCIERGE_SIM_MAX_SEQS, default 0)')
    .option('--max-queue <n>', 'self-hosted mode: waiting requests before 503, 0 = unbounded (env CONCIERGE_SIM_MAX_QUEUE, default 0)')
    .option('--batch-slowdown <f>', 'self-hosted mode: decode slowdown of a full batch (env CONCIERGE_SIM_BATCH_SLOWDOWN, default 1 = twice as slow)')
    .option('--fail-rate <p>', 'fraction of requests answered 500/503 (env CONCIERGE_SIM_FAIL_RATE, default 0)')
    .option('--hang-rate <p>', 'fraction of requests never answered (env CONCIERGE_SIM_HANG_RATE, default 0)')
    .option('--cut-stream-rate <p>', 'fraction of streams cut midway (env CONCIERGE_SIM_CUT_STREAM_RATE, default 0)')
    .option('--slow-stream-rate <p>', 'fraction of responses generated slowly (env CONCIERGE_SIM_SLOW_STREAM_RATE, default 0)')
    .option('--slow-stream-factor <f>', 'how much slower a slow response is (env CONCIERGE_SIM_SLOW_STREAM_FACTOR, default 10)')
    .option('--insufficient-quota', 'answer every completion 429 insufficient_quota (env CONCIERGE_SIM_INSUFFICIENT_QUOTA)')
    .option('--default-max-tokens <n>', 'completion tokens charged when a request sets no limit (env CONCIERGE_SIM_DEFAULT_MAX_TOKENS, default 16384)')
    .option('--retry-after-headers <bool>', 'send retry-after-ms / retry-after on 429s (env CONCIERGE_SIM_RETRY_AFTER_HEADERS, default true)')
    .option('--prompt-cache-ttl-s <s>', 'inactivity before a cached prompt prefix is forgotten, scaled (env CONCIERGE_SIM_PROMPT_CACHE_TTL_S, default 300)')
    .option('--organization <id>', 'organisation id in rate-limit messages (env CONCIERGE_SIM_ORGANIZATION)')
    .action(
      runAction(async (flags: Record<string, unknown>) => {
        const settings = resolveSettings(simSettingsSchema, simSettingSources, { flags });
        const sim = await startSimServer(settings);
        process.stdout.write(`sim listening on ${sim.url}\n`);
        await untilSignal();
        await sim.close();
      }),
    );
}
