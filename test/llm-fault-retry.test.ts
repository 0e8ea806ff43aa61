import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/config/settings.js';
import { admissionSettingSources, admissionSettingsSchema, llmAttemptTimeoutMs, llmIdleTimeoutMs, messageDeadlineMs } from '../src/llm/admission-settings.js';
import { createLlmClient } from '../src/llm/llm-client.js';
import { startSimServer } from '../src/sim/sim-server.js';
import type { SimOptions } from '../src/sim/sim-settings.js';

const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'What services do you offer?' }] };

function admission(flags: Record<string, unknown> = {}) {
  return resolveSettings(admissionSettingsSchema, admissionSettingSources, { flags: { timeScale: 0.1, ...flags }, env: {} });
}

/** The real openai SDK on the LLM boundary Concierge uses (admission on), against the simulator with faults. */
async function withFaultySim(options: Partial<SimOptions>, body: (sdk: OpenAI, stats: () => ReturnType<Awaited<ReturnType<typeof startSimServer>>['stats']>) => Promise<void>) {
  const sim = await startSimServer({ port: 0, latency: 'off', seed: 7, ...options });
  const llm = createLlmClient({ model: 'gpt-4o-mini', baseURL: `${sim.url}/v1`, apiKey: 'sk-sim', temperature: 0, runTimeoutMs: 60_000 }, admission());
  try {
    const sdk = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-sim', fetch: llm.chatModel.fetch, maxRetries: 0, timeout: llm.chatModel.timeoutMs });
    await body(sdk, () => sim.stats());
  } finally {
    await llm.close();
    await sim.close();
  }
}

describe('the LLM boundary under provider faults', () => {
  it('retries a stream cut midway: every answer arrives whole', async () => {
    await withFaultySim({ cutStreamRate: 0.4 }, async (sdk, stats) => {
      for (let i = 0; i < 8; i += 1) {
        const stream = await sdk.chat.completions.create({ ...ask, stream: true });
        let text = '';
        let finish: string | null | undefined;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
        }
        expect(finish).toBe('stop');
        expect(text.length).toBeGreaterThan(0);
      }
      // Before, each of these failed its message (`terminated`).
      expect(stats().injected.cutStreams).toBeGreaterThan(0);
      expect(stats().completionsOk).toBe(8);
    });
  });

  it('retries a hung call within the deadline: the attempt timeout leaves room for it', async () => {
    await withFaultySim({ hangRate: 0.25 }, async (sdk, stats) => {
      for (let i = 0; i < 8; i += 1) {
        const answer = await sdk.chat.completions.create(ask);
        expect(answer.choices[0]?.finish_reason).toBe('stop');
      }
      expect(stats().injected.hangs).toBeGreaterThan(0);
    });
  });

  it('keeps the per-attempt and idle timeouts at most half the deadline, even where the real-time floor would exceed it', () => {
    for (const flags of [{}, { timeScale: 1 }, { timeScale: 0.05 }, { timeScale: 0.05, llmTimeoutMs: 120_000 }]) {
      const settings = admission(flags);
      const deadline = messageDeadlineMs(settings);
      // Before: 10 s (the floor) against a 3 s deadline at scale 0.05; 60 s against 60 s at scale 1.
      expect(llmAttemptTimeoutMs(settings)).toBeLessThanOrEqual(deadline / 2);
      expect(llmIdleTimeoutMs(settings)).toBeLessThanOrEqual(deadline / 2);
    }
  });
});
