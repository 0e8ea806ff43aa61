/** A validated chat completion request, normalised for the simulator's use. */

export type SimRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface SimToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface SimMessage {
  role: SimRole;
  /** The text content (text parts joined); '' when null. */
  text: string;
  name: string | undefined;
  toolCalls: readonly SimToolCall[];
  toolCallId: string | undefined;
  /** Tokens for non-text parts (images), counted at a flat rate. */
  extraTokens: number;
  /** Hash of role, name, text and tool calls: the key of every per-message cache. */
  key: string;
}

/** A JSON schema as sent in `tools[].function.parameters`. */
export type JsonSchema = { [key: string]: unknown };

export interface SimTool {
  name: string;
  description: string;
  parameters: JsonSchema;
}

export type ToolChoice = { kind: 'none' } | { kind: 'auto' } | { kind: 'required' } | { kind: 'function'; name: string };

export interface ChatRequest {
  model: string;
  messages: readonly SimMessage[];
  tools: readonly SimTool[];
  /** Hash of the tool list ('' without tools). */
  toolsKey: string;
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  /** `max_completion_tokens` or legacy `max_tokens`, when given. */
  maxCompletionTokens: number | undefined;
  stream: boolean;
  includeUsage: boolean;
  includeObfuscation: boolean;
  seed: number | undefined;
  n: number;
  responseFormat: 'text' | 'json_object' | 'json_schema';
  stop: readonly string[];
  /** `prompt_cache_key`: the caller's key for requests that share a prefix (a customer, say). */
  promptCacheKey: string | undefined;
}
