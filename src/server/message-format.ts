import { AIMessage, AIMessageChunk, ToolMessage, type BaseMessage } from '@langchain/core/messages';

/** A message as the LangGraph API sends it (the shape `@langchain/langgraph-sdk` types as `Message`). */
export interface WireMessage {
  type: string;
  id: string | undefined;
  content: BaseMessage['content'];
  name?: string | undefined;
  additional_kwargs: Record<string, unknown>;
  response_metadata: Record<string, unknown>;
  tool_calls?: unknown[];
  invalid_tool_calls?: unknown[];
  usage_metadata?: unknown;
  tool_call_id?: string;
  status?: string;
}

export function toWireMessage(message: BaseMessage): WireMessage {
  const wire: WireMessage = {
    type: message instanceof AIMessageChunk ? 'AIMessageChunk' : message.getType(),
    id: message.id,
    content: message.content,
    name: message.name,
    additional_kwargs: message.additional_kwargs ?? {},
    response_metadata: message.response_metadata ?? {},
  };
  if (message instanceof AIMessage || message instanceof AIMessageChunk) {
    wire.tool_calls = message.tool_calls ?? [];
    wire.invalid_tool_calls = message.invalid_tool_calls ?? [];
    if (message.usage_metadata) wire.usage_metadata = message.usage_metadata;
  }
  if (message instanceof ToolMessage) {
    wire.tool_call_id = message.tool_call_id;
    if (message.status) wire.status = message.status;
  }
  return wire;
}

/** Graph state values with their messages in wire form. */
export function toWireValues(values: unknown): Record<string, unknown> {
  if (!values || typeof values !== 'object') return {};
  const out: Record<string, unknown> = { ...(values as Record<string, unknown>) };
  if (Array.isArray(out.messages)) out.messages = (out.messages as BaseMessage[]).map(toWireMessage);
  return out;
}
