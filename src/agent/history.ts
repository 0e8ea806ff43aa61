import { AIMessage, HumanMessage, ToolMessage, trimMessages, type BaseMessage } from '@langchain/core/messages';
import { o200kEncoder } from '../shared/o200k-prompt.js';
import { LruCache } from '../shared/lru-cache.js';
import { toolFailure } from './tool-failure.js';

/**
 * The part of a thread's history the model sees. Without a bound, every turn re-sends every
 * earlier turn, so the cost of a conversation grows with the square of its length. We keep the
 * most recent messages, starting on a human message so a tool result never loses the call it
 * answers.
 */
export async function visibleHistory(messages: BaseMessage[], maxMessages: number): Promise<BaseMessage[]> {
  const complete = answerDanglingToolCalls(messages);
  if (complete.length <= maxMessages) return complete;
  return latestWithin(complete, maxMessages, (batch) => batch.length);
}

/**
 * The latest messages whose cost fits `budget`, starting on a human message. The current turn
 * alone may be longer than the window; the model must still see it whole.
 */
async function latestWithin(complete: BaseMessage[], budget: number, cost: (batch: BaseMessage[]) => number): Promise<BaseMessage[]> {
  const trimmed = await trimMessages(complete, { maxTokens: budget, tokenCounter: cost, strategy: 'last', startOn: 'human', includeSystem: false, allowPartial: false });
  const lastHuman = complete.findLastIndex((m) => m instanceof HumanMessage);
  if (lastHuman >= 0 && complete.length - lastHuman > trimmed.length) return complete.slice(lastHuman);
  return trimmed;
}

/**
 * Tokens of a text, kept by the text: a thread's history is read back from its checkpoint as
 * new objects on every run, but its texts are the same strings, so each is encoded once.
 */
const textTokens = new LruCache<string, number>(20_000);

function countTokens(text: string): number {
  if (text.length === 0) return 0;
  let n = textTokens.get(text);
  if (n === undefined) {
    n = o200kEncoder().encode(text, 'all').length;
    textTokens.set(text, n);
  }
  return n;
}

/** Tokens of one message as the provider counts it: content, tool calls, 3 of framing. */
function tokensOf(message: BaseMessage): number {
  const text = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
  const calls = message instanceof AIMessage && message.tool_calls?.length ? JSON.stringify(message.tool_calls.map((c) => [c.name, c.args])) : '';
  return 3 + countTokens(text) + countTokens(calls);
}

/**
 * The history the model sees, bounded in tokens rather than messages: ten short turns cost
 * less than one turn that listed a week of slots, and the bound is what the provider
 * charges. The latest messages that fit, starting on a human message; the current turn is
 * always whole, however long.
 */
export async function tokenWindowHistory(messages: BaseMessage[], maxTokens: number): Promise<BaseMessage[]> {
  return latestWithin(answerDanglingToolCalls(messages), maxTokens, (batch) => batch.reduce((sum, m) => sum + tokensOf(m), 0));
}

/**
 * A run that stopped between the model's tool calls and the tools' results (a timeout, a
 * crash, the recursion limit) leaves calls without answers, which the provider refuses on
 * every later request. Each such call gets a result saying it was not carried out, so the
 * thread stays usable and the model knows the action did not happen.
 */
export function answerDanglingToolCalls(messages: BaseMessage[]): BaseMessage[] {
  const answered = new Set(messages.filter((m): m is ToolMessage => m instanceof ToolMessage).map((m) => m.tool_call_id));
  const out: BaseMessage[] = [];
  for (const [index, message] of messages.entries()) {
    out.push(message);
    if (!(message instanceof AIMessage) || !message.tool_calls?.length) continue;
    for (const call of message.tool_calls) {
      if (call.id && !answered.has(call.id)) {
        out.push(new ToolMessage({ tool_call_id: call.id, content: toolFailure('NOT_EXECUTED', 'This action was interrupted and did not happen.') }));
      }
    }
  }
  return out;
}
