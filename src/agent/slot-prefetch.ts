import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { PromptService } from './system-prompt.js';

/**
 * A message that names one service, one date and one time ("Please book a Classic haircut
 * on 2026-12-03 at 10:00", "Is 10:00 free for a beard trim on 2026-12-04?") is about that
 * slot whatever it asks. The agent looks the slot up before the model's first step and, when
 * it is free, puts the answer in the prompt as the check_availability call the model would
 * otherwise make: the model books (or answers) at once instead of checking first, one call
 * instead of two. The lookup is in the prompt only, never in the thread's history.
 */
export interface SlotQuestion {
  service: string;
  date: string;
  time: string;
}

const DATE = /\b\d{4}-\d{2}-\d{2}\b/g;
const TIME = /\b(?:[01]\d|2[0-3]):[0-5]\d\b/g;

/** The slot a message names, when it names exactly one service, one date and one time. */
export function slotQuestion(text: string, services: readonly PromptService[]): SlotQuestion | undefined {
  const dates = new Set(text.match(DATE) ?? []);
  const times = new Set(text.match(TIME) ?? []);
  if (dates.size !== 1 || times.size !== 1) return undefined;
  const lower = text.toLowerCase();
  const named = services.filter((s) => lower.includes(s.name.toLowerCase()) || lower.includes(s.id.toLowerCase()));
  // "Classic haircut" also contains "haircut" of another service: the longest name wins when one contains the others.
  const longest = named.sort((a, b) => b.name.length - a.name.length)[0];
  if (!longest || named.some((s) => s !== longest && !longest.name.toLowerCase().includes(s.name.toLowerCase()))) return undefined;
  return { service: longest.name, date: [...dates][0]!, time: [...times][0]! };
}

/** Whether a check_availability answer says the asked-for slot is free. */
export function slotIsFree(answer: string): boolean {
  try {
    const parsed = JSON.parse(answer) as { requested?: { available?: unknown } };
    return parsed.requested?.available === true;
  } catch {
    return false;
  }
}

/** The lookup as a tool call and its result, placed after the turn's message. */
export function prefetchedMessages(question: SlotQuestion, result: string, toolName = 'check_availability'): BaseMessage[] {
  const id = `prefetch-${question.date}-${question.time.replace(':', '')}`;
  return [
    new AIMessage({ content: '', tool_calls: [{ id, name: toolName, args: { ...question }, type: 'tool_call' }] }),
    new ToolMessage({ tool_call_id: id, content: result }),
  ];
}
