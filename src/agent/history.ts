import { trimMessages, type BaseMessage } from '@langchain/core/messages';

/**
 * The part of a thread's history the model sees. Without a bound, every turn re-sends every
 * earlier turn, so the cost of a conversation grows with the square of its length. We keep the
 * most recent messages, starting on a human message so a tool result never loses the call it
 * answers.
 */
export async function visibleHistory(messages: BaseMessage[], maxMessages: number): Promise<BaseMessage[]> {
  if (messages.length <= maxMessages) return messages;
  return trimMessages(messages, {
    maxTokens: maxMessages,
    tokenCounter: (batch) => batch.length,
    strategy: 'last',
    startOn: 'human',
    includeSystem: false,
    allowPartial: false,
  });
}
