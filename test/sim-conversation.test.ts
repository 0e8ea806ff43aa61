import { Validator } from '@cfworker/json-schema';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSystemPrompt } from '../src/agent/system-prompt.js';
import { DEMO_BUSINESS } from '../src/booking/demo-business.js';
import { AGENT_TOOLS, agentSystemPrompt } from '../src/sim/bench/agent-tools.js';
import { FakeBookingDesk } from '../src/sim/bench/fake-booking-desk.js';
import { startSimServer, type SimServer } from '../src/sim/sim-server.js';

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;
const tools = AGENT_TOOLS as unknown as OpenAI.Chat.Completions.ChatCompletionTool[];
const validators = new Map<string, Validator>(AGENT_TOOLS.map((t) => [t.function.name, new Validator(t.function.parameters as object, '2020-12', false)]));

/** One customer message, answered like the agent's loop does: tool calls until a text answer. */
async function say(client: OpenAI, desk: FakeBookingDesk, messages: Message[], text: string, stream: boolean) {
  messages.push({ role: 'user', content: text });
  const calls: Array<{ name: string; args: Record<string, unknown> }> = [];
  for (let step = 0; step < 6; step++) {
    const body = { model: 'gpt-4o-mini', tools, messages, max_completion_tokens: 300 };
    const completion = stream
      ? await client.chat.completions.stream({ ...body, stream_options: { include_usage: true } }).finalChatCompletion()
      : await client.chat.completions.create(body);
    const message = completion.choices[0]!.message;
    const toolCalls = (message.tool_calls ?? []).filter((c) => c.type === 'function');
    if (toolCalls.length === 0) {
      expect(completion.choices[0]!.finish_reason).toBe('stop');
      messages.push({ role: 'assistant', content: message.content });
      return { calls, text: message.content ?? '' };
    }
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    messages.push({ role: 'assistant', content: null, tool_calls: toolCalls });
    for (const call of toolCalls) {
      const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
      const validation = validators.get(call.function.name)?.validate(args);
      expect(validation?.errors, `${call.function.name} ${call.function.arguments}`).toEqual([]);
      calls.push({ name: call.function.name, args });
      messages.push({ role: 'tool', tool_call_id: call.id, content: desk.run(call.function.name, call.function.arguments) });
    }
  }
  throw new Error(`no answer to "${text}"`);
}

describe('a booking conversation against the simulator', () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = await startSimServer({ port: 0, latency: 'off' });
  });
  afterAll(async () => {
    await sim.close();
  });

  // With the catalogue in the system prompt (as the agent sends it) the services question is
  // answered without a tool; without it, through list_services.
  for (const [stream, catalogue] of [
    [false, true],
    [true, true],
    [false, false],
    [true, false],
  ] as const) {
    it(`services -> check a slot -> book it -> my bookings (${stream ? 'streamed' : 'plain'}, ${catalogue ? 'catalogue in the prompt' : 'no catalogue'})`, async () => {
      const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-sim', maxRetries: 0 });
      const desk = new FakeBookingDesk({ full: ['classic-haircut|2026-12-04|10:00'] });
      const messages: Message[] = [{ role: 'system', content: agentSystemPrompt('2026-12-01', 'Tuesday', { catalogue }) }];

      const services = await say(client, desk, messages, 'Hi! What services do you offer?', stream);
      expect(services.calls).toEqual(catalogue ? [] : [{ name: 'list_services', args: {} }]);
      expect(services.text).toContain('Beard trim (20 min, $20)');

      const check = await say(client, desk, messages, 'Do you have anything for a haircut on Friday at 10am?', stream);
      expect(check.calls).toEqual([{ name: 'check_availability', args: { service: 'classic-haircut', date: '2026-12-04', time: '10:00' } }]);
      // 10:00 is full: the answer offers the nearest free times instead.
      expect(check.text).toContain("10:00 isn't available");
      expect(check.text).toMatch(/09:30|10:30/);

      const book = await say(client, desk, messages, 'OK, book the 10:30 one please.', stream);
      expect(book.calls.at(-1)).toEqual({ name: 'book_appointment', args: { service: 'classic-haircut', date: '2026-12-04', time: '10:30' } });
      const code = /BK-[A-Z0-9]{6}/.exec(book.text)?.[0];
      expect(code).toBeDefined();
      expect(book.text).toContain('2026-12-04');

      const mine = await say(client, desk, messages, 'What are my bookings?', stream);
      expect(mine.calls).toEqual([{ name: 'list_my_bookings', args: {} }]);
      expect(mine.text).toContain(code!);
      expect(mine.text).toContain('10:30');
    });
  }

  it("books from the agent's own system prompt without listing the services first", async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-sim', maxRetries: 0 });
    const system = buildSystemPrompt(DEMO_BUSINESS, new Date('2026-12-01T15:00:00Z'));
    const messages: Message[] = [{ role: 'system', content: system }, { role: 'user', content: 'Can I get a shave on Friday at 10am?' }];
    const first = await client.chat.completions.create({ model: 'gpt-4o-mini', tools, messages, max_completion_tokens: 300 });
    const call = first.choices[0]!.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).not.toBe('list_services');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toMatchObject({ service: 'hot-towel-shave', date: '2026-12-04', time: '10:00' });
    const menu = await client.chat.completions.create({ model: 'gpt-4o-mini', tools, messages: [messages[0]!, { role: 'user', content: 'What are your prices?' }] });
    expect(menu.choices[0]!.message.tool_calls).toBeUndefined();
    expect(menu.choices[0]!.message.content).toContain('- Express facial (40 min, $55)');
  });

  it('answers the same conversation identically for the same seed', async () => {
    const other = await startSimServer({ port: 0, latency: 'off' });
    try {
      const transcripts = await Promise.all(
        [sim, other].map(async (s) => {
          const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'sk-sim', maxRetries: 0 });
          const messages: Message[] = [{ role: 'system', content: agentSystemPrompt('2026-12-01', 'Tuesday') }];
          const desk = new FakeBookingDesk();
          await say(client, desk, messages, 'Please book a beard trim tomorrow at 11:30', false);
          return messages.map((m) => (m.role === 'assistant' ? (m.content ?? JSON.stringify(m.tool_calls?.map((c) => c.type === 'function' && c.function))) : ''));
        }),
      );
      expect(transcripts[0]).toEqual(transcripts[1]);
    } finally {
      await other.close();
    }
  });
});
