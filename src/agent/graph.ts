import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { StructuredToolInterface } from '@langchain/core/tools';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { RunnableConfig } from '@langchain/core/runnables';
import { END, MessagesAnnotation, START, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { ToolNode } from '@langchain/langgraph/prebuilt';
import type { AgentCounters } from './agent-counters.js';
import type { AnswerCache } from './answer-cache.js';
import { templatedAnswer, type ExecutedCall, type TemplateContext } from './answer-templates.js';
import { tokenWindowHistory, visibleHistory } from './history.js';
import { withPromptCacheKey } from './prompt-cache-key.js';

/** The lean profile's parts: each is what makes a conversation cost fewer tokens. */
export interface LeanAgentOptions {
  /** Tried first on every step, with a small `max_completion_tokens` (a tool call needs few). */
  stepModel: BaseChatModel;
  /** Tokens of history the model sees (instead of a count of messages). */
  historyTokens: number;
  /** Answer from tool results that fully answer the customer, in the business's voice. */
  templates: TemplateContext;
  /** First-turn answers shared across threads; undefined when off. */
  answerCache: { cache: AnswerCache; keyOf: (systemPrompt: string, question: string) => string } | undefined;
  counters: AgentCounters;
  /** The slot a turn's message names, looked up before the model's first step (prompt only). */
  prefetch?: ((question: string) => Promise<BaseMessage[]>) | undefined;
}

export interface AgentGraphOptions {
  /** Every call (legacy); the retry of a truncated step, with the full limit (lean). */
  model: BaseChatModel;
  tools: StructuredToolInterface[];
  checkpointer: BaseCheckpointSaver;
  /** Built per call, so "today" in the prompt follows the clock. */
  systemPrompt: () => string;
  /** How many of the latest messages the model sees (legacy). */
  historyMessages: number;
  /** Absent: the legacy agent, every answer from the model. */
  lean?: LeanAgentOptions;
}

/** The id clients use for both the graph and its only assistant. */
export const GRAPH_ID = 'concierge';

type State = typeof MessagesAnnotation.State;

/**
 * The booking agent: the model decides, the tool node acts, until the model answers in text.
 * The full history is checkpointed; the model sees a bounded window of it. In the lean
 * profile a tool result that fully answers the customer ends the turn with a templated
 * answer instead of a second call, and a first message asked before is answered from the
 * shared answer cache.
 */
export function createAgentGraph(options: AgentGraphOptions) {
  if (!options.model.bindTools) throw new Error('the chat model must support tool calling');
  const modelWithTools = options.model.bindTools(options.tools);
  const lean = options.lean;
  const stepWithTools = lean?.stepModel.bindTools?.(options.tools);

  const legacyAgent = async (state: State, config: RunnableConfig) => {
    const history = await visibleHistory(state.messages, options.historyMessages);
    const response = await modelWithTools.invoke([new SystemMessage(options.systemPrompt()), ...history], withPromptCacheKey(config));
    return { messages: [response] };
  };

  const leanAgent = async (state: State, config: RunnableConfig) => {
    const l = lean!;
    const systemPrompt = options.systemPrompt();
    const question = firstTurnQuestion(state.messages);
    const cacheKey = question !== undefined && l.answerCache ? l.answerCache.keyOf(systemPrompt, question) : undefined;
    if (cacheKey !== undefined) {
      const cached = await l.answerCache!.cache.get(cacheKey);
      if (cached !== undefined) return { messages: [new AIMessage({ content: cached, response_metadata: { answer_cache: 'hit' } })] };
    }
    const last = state.messages.at(-1);
    const prefetched = last instanceof HumanMessage && typeof last.content === 'string' && l.prefetch ? await l.prefetch(last.content) : [];
    const prompt = [new SystemMessage(systemPrompt), ...(await tokenWindowHistory(state.messages, l.historyTokens)), ...prefetched];
    const callOptions = withPromptCacheKey(config);
    let response = await stepWithTools!.invoke(prompt, callOptions);
    // Cut off at the small limit: ask again once with the full one (counted: it is a call).
    if (finishReason(response) === 'length') {
      l.counters.truncationRetries += 1;
      response = await modelWithTools.invoke(prompt, callOptions);
    }
    if (cacheKey !== undefined && isPlainAnswer(response)) await l.answerCache!.cache.set(cacheKey, response.content as string);
    return { messages: [response] };
  };

  const templated = (state: State) => {
    const l = lean!;
    const content = templatedAnswer(lastStepCalls(state.messages), l.templates);
    if (content === undefined) return {};
    l.counters.templatedAnswers += 1;
    return { messages: [new AIMessage({ content, response_metadata: { templated: true } })] };
  };

  const route = (state: State) => {
    const last = state.messages.at(-1);
    return last instanceof AIMessage && (last.tool_calls?.length ?? 0) > 0 ? 'tools' : END;
  };

  const graph = new StateGraph(MessagesAnnotation)
    .addNode('agent', lean ? leanAgent : legacyAgent)
    .addNode('tools', new ToolNode(options.tools))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', route, ['tools', END]);
  if (!lean) return graph.addEdge('tools', 'agent').compile({ checkpointer: options.checkpointer, name: GRAPH_ID });
  return graph
    .addNode('answer', templated)
    .addEdge('tools', 'answer')
    .addConditionalEdges('answer', (state: State) => (state.messages.at(-1) instanceof AIMessage ? END : 'agent'), ['agent', END])
    .compile({ checkpointer: options.checkpointer, name: GRAPH_ID });
}

export type AgentGraph = ReturnType<typeof createAgentGraph>;

/** The thread's only message when it is the first turn's first step, else undefined. */
function firstTurnQuestion(messages: readonly BaseMessage[]): string | undefined {
  const [only] = messages;
  return messages.length === 1 && only instanceof HumanMessage && typeof only.content === 'string' ? only.content : undefined;
}

function finishReason(message: BaseMessage): unknown {
  return (message.response_metadata as Record<string, unknown> | undefined)?.finish_reason;
}

/** A whole text answer, no tool call: what may be shared. */
function isPlainAnswer(message: BaseMessage): boolean {
  return message instanceof AIMessage && !message.tool_calls?.length && typeof message.content === 'string' && message.content.length > 0 && finishReason(message) === 'stop';
}

/** The tool calls of the last model step, each with its result. */
function lastStepCalls(messages: readonly BaseMessage[]): ExecutedCall[] {
  const results = new Map<string, string>();
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m instanceof ToolMessage) {
      results.set(m.tool_call_id, typeof m.content === 'string' ? m.content : JSON.stringify(m.content));
      continue;
    }
    if (!(m instanceof AIMessage)) return [];
    return (m.tool_calls ?? []).map((call) => ({ name: call.name, args: call.args as Record<string, unknown>, result: results.get(call.id ?? '') ?? '' }));
  }
  return [];
}
