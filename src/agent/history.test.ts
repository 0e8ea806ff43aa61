import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { answerDanglingToolCalls, tokenWindowHistory, visibleHistory } from './history.js';

function turn(i: number) {
  return [
    new HumanMessage(`question ${i}`),
    new AIMessage({ content: '', tool_calls: [{ id: `call_${i}`, name: 'list_services', args: {} }] }),
    new ToolMessage({ content: '{"services":[]}', tool_call_id: `call_${i}` }),
    new AIMessage(`answer ${i}`),
  ];
}

describe('visibleHistory', () => {
  it('keeps short histories whole', async () => {
    const messages = turn(1);
    expect(await visibleHistory(messages, 10)).toEqual(messages);
  });

  it('bounds long histories and starts on a human message', async () => {
    const messages = Array.from({ length: 30 }, (_, i) => turn(i)).flat();
    const visible = await visibleHistory(messages, 10);
    expect(visible.length).toBeLessThanOrEqual(10);
    expect(visible[0]).toBeInstanceOf(HumanMessage);
    expect(visible.at(-1)?.content).toBe('answer 29');
    // Every tool result still follows the AI message that asked for it.
    for (const [index, message] of visible.entries()) {
      if (message instanceof ToolMessage) expect(visible[index - 1]).toBeInstanceOf(AIMessage);
    }
  });

  it('keeps the current turn whole even when it is longer than the window', async () => {
    const turnMessages = [new HumanMessage('book it'), ...Array.from({ length: 3 }, (_, i) => turn(i).slice(1, 3)).flat(), new AIMessage('done')];
    const visible = await visibleHistory([...turn(0), ...turnMessages], 4);
    expect(visible[0]?.content).toBe('book it');
    expect(visible).toHaveLength(turnMessages.length);
  });

  it('answers tool calls that an interrupted run left without results', () => {
    const dangling = new AIMessage({ content: '', tool_calls: [{ id: 'call_x', name: 'book_appointment', args: {} }] });
    const patched = answerDanglingToolCalls([new HumanMessage('book'), dangling, new HumanMessage('hello?')]);
    expect(patched).toHaveLength(4);
    expect(patched[2]).toBeInstanceOf(ToolMessage);
    expect((patched[2] as ToolMessage).tool_call_id).toBe('call_x');
    expect(String(patched[2]?.content)).toContain('NOT_EXECUTED');
    expect(patched[3]?.content).toBe('hello?');
    // A complete history is left as it is.
    const whole = turn(1);
    expect(answerDanglingToolCalls(whole)).toEqual(whole);
  });
});

describe('tokenWindowHistory', () => {
  it('keeps the latest turns that fit the token budget, starting on a human message', async () => {
    const messages = [1, 2, 3, 4, 5].flatMap(turn);
    const whole = await tokenWindowHistory(messages, 10_000);
    expect(whole).toEqual(messages);
    const window = await tokenWindowHistory(messages, 60);
    expect(window.length).toBeLessThan(messages.length);
    expect(window[0]).toBeInstanceOf(HumanMessage);
    expect(window.at(-1)).toEqual(messages.at(-1));
  });

  it('keeps the current turn whole, however long', async () => {
    const long = [new HumanMessage('book it'), new AIMessage('x'.repeat(2000))];
    expect(await tokenWindowHistory([...turn(1), ...long], 10)).toEqual(long);
  });
});
