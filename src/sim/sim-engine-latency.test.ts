import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../config/settings.js';
import { SimEngine } from './sim-engine.js';
import { simSettingSources, simSettingsSchema } from './sim-settings.js';

function engine(): SimEngine {
  return new SimEngine(resolveSettings(simSettingsSchema, simSettingSources, { flags: { seed: 7 }, env: {} }));
}

const body = (question: string) => JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: question }] });

/** Time to first token of each request, in the order sent. */
async function firstTokenMs(sim: SimEngine, questions: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const question of questions) {
    const reply = await sim.chatCompletion(body(question));
    if (reply.kind !== 'stream') throw new Error(`expected a stream, got ${reply.kind}`);
    reply.done(true);
    out.push(reply.stream.firstAtMs);
  }
  return out;
}

describe('the latency of a response', () => {
  it('is drawn from its prompt and how many times that prompt was answered, not from the order of arrival', async () => {
    const a = 'What services do you offer?';
    const b = 'Can I book a haircut tomorrow at 10?';
    const [a1, b1, a2] = await firstTokenMs(engine(), [a, b, a]);
    const [b1Again, a1Again, a2Again] = await firstTokenMs(engine(), [b, a, a]);
    expect([a1Again, b1Again, a2Again]).toEqual([a1, b1, a2]);
    // The same prompt answered again draws anew: identical requests do not all take as long.
    expect(a2).not.toBe(a1);
  });

  it('starts the draws again after a reset, as a fresh simulator would', async () => {
    const a = 'What services do you offer?';
    const sim = engine();
    const first = await firstTokenMs(sim, [a, a]);
    sim.resetStats();
    expect(await firstTokenMs(sim, [a, a])).toEqual(first);
    expect(await firstTokenMs(engine(), [a, a])).toEqual(first);
  });
});
