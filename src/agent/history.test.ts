import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { visibleHistory } from './history.js';

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
});
