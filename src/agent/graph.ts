import { AIMessage, SystemMessage } from '@langchain/core/messages';
import type { StructuredToolInterface } from '@langchain/core/tools';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { END, MessagesAnnotation, START, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { ToolNode } from '@langchain/langgraph/prebuilt';
import { visibleHistory } from './history.js';

export interface AgentGraphOptions {
  model: BaseChatModel;
  tools: StructuredToolInterface[];
  checkpointer: BaseCheckpointSaver;
  /** Built per call, so "today" in the prompt follows the clock. */
  systemPrompt: () => string;
  /** How many of the latest messages the model sees. */
  historyMessages: number;
}

/** The id clients use for both the graph and its only assistant. */
export const GRAPH_ID = 'concierge';

/**
 * The booking agent: the model decides, the tool node acts, until the model answers in text.
 * The full history is checkpointed; the model sees a bounded window of it.
 */
export function createAgentGraph(options: AgentGraphOptions) {
  if (!options.model.bindTools) throw new Error('the chat model must support tool calling');
  const modelWithTools = options.model.bindTools(options.tools);

  const agent = async (state: typeof MessagesAnnotation.State, config: Parameters<typeof modelWithTools.invoke>[1]) => {
    const history = await visibleHistory(state.messages, options.historyMessages);
    const response = await modelWithTools.invoke([new SystemMessage(options.systemPrompt()), ...history], config);
    return { messages: [response] };
  };

  const route = (state: typeof MessagesAnnotation.State) => {
    const last = state.messages.at(-1);
    return last instanceof AIMessage && (last.tool_calls?.length ?? 0) > 0 ? 'tools' : END;
  };

  return new StateGraph(MessagesAnnotation)
    .addNode('agent', agent)
    .addNode('tools', new ToolNode(options.tools))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', route, ['tools', END])
    .addEdge('tools', 'agent')
    .compile({ checkpointer: options.checkpointer, name: GRAPH_ID });
}

export type AgentGraph = ReturnType<typeof createAgentGraph>;
