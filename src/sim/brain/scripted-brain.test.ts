import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { AGENT_TOOLS, agentSystemPrompt } from '../bench/agent-tools.js';
import { FakeBookingDesk } from '../bench/fake-booking-desk.js';
import { parseChatRequest } from '../request-validation.js';
import { createRng } from '../seeded-random.js';
import { ScriptedBrain, type BrainDecision } from './scripted-brain.js';

type Msg = Record<string, unknown>;

const SYSTEM = agentSystemPrompt('2026-12-01', 'Tuesday');
/** The same prompt without the service catalogue: services come from list_services. */
const BARE = agentSystemPrompt('2026-12-01', 'Tuesday', { catalogue: false });
const validators = new Map<string, Validator>(AGENT_TOOLS.map((t) => [t.function.name, new Validator(t.function.parameters as object, '2020-12', false)]));

/** Drive one customer message to a text answer; returns the tool calls made on the way. */
function turn(brain: ScriptedBrain, desk: FakeBookingDesk, messages: Msg[], userText: string, tools: readonly unknown[] = AGENT_TOOLS, seed = 1) {
  messages.push({ role: 'user', content: userText });
  const calls: Array<{ name: string; args: Record<string, unknown> }> = [];
  for (let step = 0; step < 8; step++) {
    const request = parseChatRequest({ model: 'gpt-4o-mini', messages, tools });
    const decision: BrainDecision = brain.decide(request, createRng(seed + messages.length), '2026-11-28');
    if (decision.kind === 'text') {
      messages.push({ role: 'assistant', content: decision.text });
      return { calls, text: decision.text };
    }
    const toolCalls = decision.calls.map((c, i) => ({ id: `call_${messages.length}_${i}`, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    messages.push({ role: 'assistant', content: null, tool_calls: toolCalls });
    for (const c of toolCalls) {
      const args = JSON.parse(c.function.arguments) as Record<string, unknown>;
      const validator = validators.get(c.function.name);
      if (validator) expect(validator.validate(args).errors).toEqual([]);
      calls.push({ name: c.function.name, args });
      messages.push({ role: 'tool', tool_call_id: c.id, content: desk.run(c.function.name, c.function.arguments) });
    }
  }
  throw new Error('no text answer after 8 steps');
}

describe('ScriptedBrain', () => {
  it('books through a whole conversation: services, availability, booking, my bookings', () => {
    const brain = new ScriptedBrain();
    const desk = new FakeBookingDesk();
    const messages: Msg[] = [{ role: 'system', content: BARE }];

    const t1 = turn(brain, desk, messages, 'Hi! What services do you offer?');
    expect(t1.calls.map((c) => c.name)).toEqual(['list_services']);
    expect(t1.text).toContain('Classic haircut');

    const t2 = turn(brain, desk, messages, 'Is there anything free for a haircut on Friday around 10:30?');
    expect(t2.calls).toEqual([{ name: 'check_availability', args: { service: 'classic-haircut', date: '2026-12-04', time: '10:30' } }]);
    expect(t2.text).toContain('10:30');

    const t3 = turn(brain, desk, messages, 'Great, book the 10:30 one please.');
    expect(t3.calls.at(-1)).toEqual({ name: 'book_appointment', args: { service: 'classic-haircut', date: '2026-12-04', time: '10:30' } });
    expect(t3.text).toMatch(/BK-[A-Z0-9]{6}/);

    const t4 = turn(brain, desk, messages, 'What are my bookings?');
    expect(t4.calls.map((c) => c.name)).toEqual(['list_my_bookings']);
    const code = /BK-[A-Z0-9]{6}/.exec(t3.text)?.[0] as string;
    expect(t4.text).toContain(code);

    const t5 = turn(brain, desk, messages, 'Please move it to Saturday at 3pm.');
    expect(t5.calls).toEqual([{ name: 'reschedule_booking', args: { code, date: '2026-12-05', time: '15:00' } }]);

    const t6 = turn(brain, desk, messages, `Actually, cancel ${code}.`);
    expect(t6.calls).toEqual([{ name: 'cancel_booking', args: { code } }]);
    expect(t6.text).toContain('cancelled');
  });

  it('lists services first when the service is named loosely, then books directly', () => {
    const brain = new ScriptedBrain();
    const desk = new FakeBookingDesk();
    const messages: Msg[] = [{ role: 'system', content: BARE }];
    const t = turn(brain, desk, messages, 'Book me a beard trim tomorrow at 11am', AGENT_TOOLS, 7);
    expect(t.calls[0]?.name).toBe('list_services');
    expect(t.calls.at(-1)).toEqual({ name: 'book_appointment', args: { service: 'beard-trim', date: '2026-12-02', time: '11:00' } });
    expect(t.text).toContain('BK-');
  });

  it('answers questions about services from the catalogue in the system prompt, without a tool', () => {
    const brain = new ScriptedBrain();
    const desk = new FakeBookingDesk();
    const listed = turn(brain, desk, [{ role: 'system', content: BARE }], 'Hi! What services do you offer?');
    expect(listed.calls.map((c) => c.name)).toEqual(['list_services']);
    const messages: Msg[] = [{ role: 'system', content: SYSTEM }];
    const t = turn(brain, desk, messages, 'Hi! What services do you offer?');
    expect(t.calls).toEqual([]);
    // The same list, in the same words, as the answer after a list_services result.
    const serviceLines = (text: string) => text.split('\n').filter((l) => l.startsWith('- '));
    expect(serviceLines(t.text)).toEqual(serviceLines(listed.text));
    expect(serviceLines(t.text)).toContain('- Beard trim (20 min, $20)');
    const price = turn(brain, desk, messages, 'How much is a deep conditioning?');
    expect(price.calls).toEqual([]);
    expect(price.text).toContain('Deep conditioning treatment (45 min, $40)');
  });

  it('resolves a loosely named service from the catalogue in the system prompt, then books', () => {
    const brain = new ScriptedBrain();
    const desk = new FakeBookingDesk();
    const messages: Msg[] = [{ role: 'system', content: SYSTEM }];
    const t = turn(brain, desk, messages, 'Book me a beard trim tomorrow at 11am', AGENT_TOOLS, 7);
    expect(t.calls.map((c) => c.name)).not.toContain('list_services');
    expect(t.calls.at(-1)).toEqual({ name: 'book_appointment', args: { service: 'beard-trim', date: '2026-12-02', time: '11:00' } });
    expect(t.text).toContain('BK-');
    const check = turn(brain, desk, messages, 'Any time for a haircut on Friday?');
    expect(check.calls).toEqual([{ name: 'check_availability', args: { service: 'classic-haircut', date: '2026-12-04' } }]);
  });

  it("reads the agent's catalogue shape tolerantly: capacity, description, a shave", () => {
    const system = [
      'You are the booking assistant of Northside Studio. Help the customer book.',
      'Today is 2026-12-01 (Tuesday). Times are local (America/New_York). Dates are YYYY-MM-DD, times HH:MM.',
      'Services (id: name, duration, price):',
      '- classic-haircut: Classic haircut, 30 min, $35 (up to 3 at once) — Wash, cut and style.',
      '- hot-towel-shave: Hot towel shave, 45 min, $45 — Traditional straight-razor shave.',
      'Use the tools for facts; never invent services, prices, slots or confirmation codes.',
    ].join('\n');
    const brain = new ScriptedBrain();
    const request = (content: string) => parseChatRequest({ model: 'm', tools: AGENT_TOOLS, messages: [{ role: 'system', content: system }, { role: 'user', content }] });
    const d = brain.decide(request('Can I get a shave on Friday at 10am?'), createRng(3), '2026-11-28');
    expect(d.kind).toBe('tool_calls');
    if (d.kind !== 'tool_calls') return;
    expect(d.calls[0]?.name).not.toBe('list_services');
    expect(JSON.parse(d.calls[0]?.arguments ?? '{}')).toMatchObject({ service: 'hot-towel-shave', date: '2026-12-04', time: '10:00' });
    const services = brain.decide(request('What do you offer?'), createRng(3), '2026-11-28');
    expect(services.kind).toBe('text');
    expect(services.kind === 'text' && services.text).toContain('- Hot towel shave (45 min, $45)');
  });

  it('offers alternatives when the slot is full, then books the one chosen', () => {
    const brain = new ScriptedBrain();
    const desk = new FakeBookingDesk({ full: ['classic-haircut|2026-12-03|10:00'] });
    const messages: Msg[] = [{ role: 'system', content: SYSTEM }];
    turn(brain, desk, messages, 'What services do you have?');
    const t = turn(brain, desk, messages, 'Book a classic haircut on 2026-12-03 at 10:00');
    expect(t.calls.some((c) => c.args.time === '10:00')).toBe(true);
    expect(t.text).toMatch(/10:30|09:30/);
    expect(t.text).not.toMatch(/BK-/);
    const t2 = turn(brain, desk, messages, 'OK, the 10:30 one then');
    expect(t2.calls.at(-1)).toEqual({ name: 'book_appointment', args: { service: 'classic-haircut', date: '2026-12-03', time: '10:30' } });
    expect(t2.text).toMatch(/BK-/);
  });

  it('books an offered slot on "yes", and never books twice', () => {
    const brain = new ScriptedBrain();
    const desk = new FakeBookingDesk();
    const messages: Msg[] = [{ role: 'system', content: SYSTEM }];
    turn(brain, desk, messages, 'What services do you have?');
    const offer = turn(brain, desk, messages, 'Is 3pm on Friday free for a beard trim?');
    expect(offer.text).toContain('15:00');
    const yes = turn(brain, desk, messages, 'yes please');
    expect(yes.calls).toEqual([{ name: 'book_appointment', args: { service: 'beard-trim', date: '2026-12-04', time: '15:00' } }]);
    for (const after of ['ok', 'Great, thanks', 'yes']) expect(turn(brain, desk, messages, after).calls).toEqual([]);
  });

  it('asks for what is missing instead of guessing', () => {
    const brain = new ScriptedBrain();
    const desk = new FakeBookingDesk();
    const messages: Msg[] = [{ role: 'system', content: SYSTEM }];
    turn(brain, desk, messages, 'What services do you have?');
    const t = turn(brain, desk, messages, "I'd like to book a beard trim");
    expect(t.calls).toEqual([]);
    expect(t.text.toLowerCase()).toContain('which day');
    const t2 = turn(brain, desk, messages, 'Friday at 9:30');
    expect(t2.calls.at(-1)).toEqual({ name: 'book_appointment', args: { service: 'beard-trim', date: '2026-12-04', time: '09:30' } });
  });

  it('finds the booking to cancel when no code is given', () => {
    const brain = new ScriptedBrain();
    const desk = new FakeBookingDesk();
    const messages: Msg[] = [{ role: 'system', content: SYSTEM }];
    const booked = turn(brain, desk, messages, 'Please book a kids haircut on 2026-12-05 at 14:00');
    const code = /BK-[A-Z0-9]{6}/.exec(booked.text)?.[0];
    expect(code).toBeDefined();
    // A fresh conversation that knows nothing of the booking.
    const fresh: Msg[] = [{ role: 'system', content: SYSTEM }];
    const t = turn(brain, desk, fresh, 'I need to cancel my appointment');
    expect(t.calls.map((c) => c.name)).toEqual(['list_my_bookings', 'cancel_booking']);
    expect(t.calls[1]?.args).toEqual({ code });
  });

  it('is deterministic for a seed and varies across seeds', () => {
    const request = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'Tell me about the weather' }] });
    const a = new ScriptedBrain().decide(request, createRng(1), '2026-12-01');
    const b = new ScriptedBrain().decide(request, createRng(1), '2026-12-01');
    expect(a).toEqual(b);
    const texts = new Set(Array.from({ length: 10 }, (_, i) => JSON.stringify(new ScriptedBrain().decide(request, createRng(i), '2026-12-01'))));
    expect(texts.size).toBeGreaterThan(1);
  });

  it('matches tools by meaning, not by the agent\'s exact names', () => {
    const tools = [
      { type: 'function', function: { name: 'getCatalog', description: 'Returns every treatment on the menu.', parameters: { type: 'object', properties: {} } } },
      {
        type: 'function',
        function: {
          name: 'reserveSlot',
          description: 'Reserve a time for a customer.',
          parameters: {
            type: 'object',
            properties: {
              treatment: { type: 'string', enum: ['classic-haircut', 'beard-trim'] },
              startsAt: { type: 'string', format: 'date-time' },
              customerName: { type: 'string' },
            },
            required: ['treatment', 'startsAt', 'customerName'],
            additionalProperties: false,
          },
        },
      },
    ];
    const brain = new ScriptedBrain();
    const messages: Msg[] = [
      { role: 'system', content: 'Today is 2026-12-01 (Tuesday).' },
      { role: 'user', content: "Hi, I'm Ana. Please book a beard trim tomorrow at 4pm." },
    ];
    let d = brain.decide(parseChatRequest({ model: 'm', messages, tools }), createRng(2), '2026-12-01');
    expect(d.kind === 'tool_calls' && d.calls[0]?.name).toBe('getCatalog');
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'getCatalog', arguments: '{}' } }] });
    messages.push({ role: 'tool', tool_call_id: 'c1', content: JSON.stringify([{ id: 'classic-haircut', name: 'Classic haircut' }, { id: 'beard-trim', name: 'Beard trim' }]) });
    d = brain.decide(parseChatRequest({ model: 'm', messages, tools }), createRng(2), '2026-12-01');
    expect(d.kind).toBe('tool_calls');
    if (d.kind !== 'tool_calls') return;
    expect(d.calls[0]?.name).toBe('reserveSlot');
    const args = JSON.parse(d.calls[0]?.arguments ?? '{}') as Record<string, unknown>;
    expect(args).toEqual({ treatment: 'beard-trim', startsAt: '2026-12-02T16:00:00Z', customerName: 'Ana' });
    expect(new Validator(tools[1]?.function.parameters as object).validate(args).valid).toBe(true);
  });

  it('honours tool_choice none, required and a named function', () => {
    const brain = new ScriptedBrain();
    const base = { model: 'm', tools: AGENT_TOOLS, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'What services do you offer?' }] };
    expect(brain.decide(parseChatRequest({ ...base, tool_choice: 'none' }), createRng(1), '2026-12-01').kind).toBe('text');
    const thanks = { ...base, messages: [{ role: 'user', content: 'thanks!' }] };
    expect(brain.decide(parseChatRequest(thanks), createRng(1), '2026-12-01').kind).toBe('text');
    const required = brain.decide(parseChatRequest({ ...thanks, tool_choice: 'required' }), createRng(1), '2026-12-01');
    expect(required.kind).toBe('tool_calls');
    const named = brain.decide(parseChatRequest({ ...base, tool_choice: { type: 'function', function: { name: 'list_my_bookings' } } }), createRng(1), '2026-12-01');
    expect(named).toEqual({ kind: 'tool_calls', calls: [{ name: 'list_my_bookings', arguments: '{}' }] });
  });

  it('chats plausibly without tools, with answers of gpt-4o-mini-like length', () => {
    const brain = new ScriptedBrain();
    const lengths: number[] = [];
    for (let i = 0; i < 200; i++) {
      const d = brain.decide(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: `Question ${i}: how should I plan a garden?` }] }), createRng(i), '2026-12-01');
      expect(d.kind).toBe('text');
      if (d.kind === 'text') lengths.push(d.text.length / 4);
    }
    lengths.sort((a, b) => a - b);
    expect(lengths[100]).toBeGreaterThan(20);
    expect(lengths[100]).toBeLessThan(100);
    expect(lengths[199]).toBeLessThan(200);
  });
});
