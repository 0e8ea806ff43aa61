import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../config/settings.js';
import { SimEngine } from './sim-engine.js';
import { simSettingSources, simSettingsSchema } from './sim-settings.js';

function engine(): SimEngine {
  return new SimEngine(resolveSettings(simSettingsSchema, simSettingSources, { flags: { seed: 7 }, env: {} }));
}

type Sent = string | { question: string; key: string; earlier?: string[] };

function body(sent: Sent): string {
  if (typeof sent === 'string') return JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: sent }] });
  const earlier = (sent.earlier ?? []).flatMap((text) => [
    { role: 'user', content: text },
    { role: 'assistant', content: 'Noted.' },
  ]);
  return JSON.stringify({ model: 'gpt-4o-mini', stream: true, prompt_cache_key: sent.key, messages: [...earlier, { role: 'user', content: sent.question }] });
}

/** Time to first token of each request, in the order sent. */
async function firstTokenMs(sim: SimEngine, requests: Sent[]): Promise<number[]> {
  const out: number[] = [];
  for (const question of requests) {
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

  describe('with a prompt_cache_key', () => {
    const open = 'What services do you offer?';

    it('is drawn per key and place in the conversation, whatever the text and the order of arrival', async () => {
      const [ann, bob] = await firstTokenMs(engine(), [
        { question: open, key: 'ann' },
        { question: open, key: 'bob' },
      ]);
      // Bob first this time, and Ann's words differ (as many tokens: the prefill time follows the count).
      const [bobAgain, annAgain] = await firstTokenMs(engine(), [
        { question: open, key: 'bob' },
        { question: 'Which treatments do you have?', key: 'ann' },
      ]);
      expect([annAgain, bobAgain]).toEqual([ann, bob]);
      expect(bob).not.toBe(ann);
    });

    it('draws anew for a later place in the conversation and for the same place asked again', async () => {
      const [first, second, firstAgain] = await firstTokenMs(engine(), [
        { question: open, key: 'ann' },
        { question: 'Book a haircut tomorrow at 10', key: 'ann', earlier: [open] },
        { question: open, key: 'ann' },
      ]);
      expect(second).not.toBe(first);
      expect(firstAgain).not.toBe(first);
      // Sent with nothing before it, by a simulator that never answered Ann's first message.
      const [alone] = await firstTokenMs(engine(), [{ question: 'Book a haircut tomorrow at 10', key: 'ann', earlier: ['Which treatments do you have?'] }]);
      expect(alone).toBe(second);
    });

    it('also keys the wording of the answer, so the n-th answer of a customer is as long in every run', async () => {
      const answer = async (key: string, question: string) => {
        const sim = new SimEngine(resolveSettings(simSettingsSchema, simSettingSources, { flags: { seed: 7, latency: 'off' }, env: {} }));
        const reply = await sim.chatCompletion(JSON.stringify({ model: 'gpt-4o-mini', prompt_cache_key: key, messages: [{ role: 'user', content: question }] }));
        if (reply.kind !== 'json') throw new Error(`expected json, got ${reply.kind}`);
        return (JSON.parse(reply.body) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
      };
      // A question about tomorrow and one about the day after: one wording for Ann, another for Bob.
      const ann = await answer('ann', 'Could you tell me about late openings on 2026-12-10?');
      expect(await answer('ann', 'Could you tell me about late openings on 2026-12-11?')).toBe(ann);
      expect(await answer('bob', 'Could you tell me about late openings on 2026-12-10?')).not.toBe(ann);
    });

    it('is refused when it is not a string, as OpenAI does', async () => {
      const reply = await engine().chatCompletion(JSON.stringify({ model: 'gpt-4o-mini', prompt_cache_key: 7, messages: [{ role: 'user', content: open }] }));
      expect(reply.kind === 'json' ? reply.status : reply.kind).toBe(400);
      expect(reply.kind === 'json' ? reply.body : '').toMatch(/Invalid type for 'prompt_cache_key': expected a string/);
    });
  });
});
