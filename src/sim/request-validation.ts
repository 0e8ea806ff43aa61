import { hash } from 'node:crypto';
import type { ChatRequest, JsonSchema, SimMessage, SimRole, SimTool, SimToolCall, ToolChoice } from './chat-request.js';
import { invalidRequest, jsonTypeName, type OpenAiApiError } from './openai-error.js';

/** The output limit of gpt-4o-mini; larger `max_completion_tokens` is a 400. */
export const MODEL_MAX_OUTPUT_TOKENS = 16_384;
/** Tokens counted per image part (a low-detail image). */
const IMAGE_PART_TOKENS = 85;

const ROLES: readonly SimRole[] = ['system', 'developer', 'user', 'assistant', 'tool'];

// Every parameter the Chat Completions API accepts; anything else is refused as OpenAI does.
const KNOWN_PARAMS = new Set([
  'model', 'messages', 'tools', 'tool_choice', 'parallel_tool_calls', 'max_tokens', 'max_completion_tokens', 'temperature',
  'top_p', 'n', 'stream', 'stream_options', 'stop', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs',
  'top_logprobs', 'user', 'seed', 'response_format', 'service_tier', 'store', 'metadata', 'modalities', 'audio', 'prediction',
  'reasoning_effort', 'functions', 'function_call', 'web_search_options', 'prompt_cache_key', 'safety_identifier', 'verbosity',
  'prompt_cache_retention',
]);

/** Hash used to key per-message caches: short, native, and collision-free in practice. */
export function contentKey(text: string): string {
  return hash('sha1', text, 'base64');
}

/**
 * Validate a request body as the Chat Completions endpoint does and normalise it. Throws
 * an `OpenAiApiError` (400, `invalid_request_error`) with OpenAI's wording, parameter path
 * and code for the first problem found.
 */
export function parseChatRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest(`Invalid type for request body: expected an object, but got ${jsonTypeName(body)} instead.`, null, 'invalid_type');
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!KNOWN_PARAMS.has(key)) throw invalidRequest(`Unrecognized request argument supplied: ${key}`);
  }
  if (b.model === undefined || b.model === null || b.model === '') throw invalidRequest('you must provide a model parameter');
  if (typeof b.model !== 'string') throw typeError('model', 'a string', b.model);

  const tools = parseTools(b.tools);
  const messages = parseMessages(b.messages);
  const toolChoice = parseToolChoice(b.tool_choice, tools);

  if (b.max_tokens !== undefined && b.max_tokens !== null && b.max_completion_tokens !== undefined && b.max_completion_tokens !== null) {
    throw invalidRequest("Invalid request: 'max_tokens' and 'max_completion_tokens' cannot both be set.", 'max_tokens', 'invalid_value');
  }
  const maxParam = b.max_completion_tokens !== undefined && b.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  const maxCompletionTokens = optionalInt(b[maxParam], maxParam, 1);
  if (maxCompletionTokens !== undefined && maxCompletionTokens > MODEL_MAX_OUTPUT_TOKENS) {
    throw invalidRequest(
      `${maxParam} is too large: ${maxCompletionTokens}. This model supports at most ${MODEL_MAX_OUTPUT_TOKENS} completion tokens, whereas you provided ${maxCompletionTokens}.`,
      maxParam,
      'invalid_value',
    );
  }
  optionalNumber(b.temperature, 'temperature', 0, 2);
  optionalNumber(b.top_p, 'top_p', 0, 1);
  optionalNumber(b.presence_penalty, 'presence_penalty', -2, 2);
  optionalNumber(b.frequency_penalty, 'frequency_penalty', -2, 2);
  const n = optionalInt(b.n, 'n', 1, 128) ?? 1;
  const seed = optionalInt(b.seed, 'seed', Number.MIN_SAFE_INTEGER);

  const stream = optionalBool(b.stream, 'stream') ?? false;
  let includeUsage = false;
  let includeObfuscation = true;
  if (b.stream_options !== undefined && b.stream_options !== null) {
    if (!stream) throw invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
    if (typeof b.stream_options !== 'object' || Array.isArray(b.stream_options)) throw typeError('stream_options', 'an object', b.stream_options);
    const so = b.stream_options as Record<string, unknown>;
    includeUsage = optionalBool(so.include_usage, 'stream_options.include_usage') ?? false;
    includeObfuscation = optionalBool(so.include_obfuscation, 'stream_options.include_obfuscation') ?? true;
  }
  const parallelToolCalls = optionalBool(b.parallel_tool_calls, 'parallel_tool_calls') ?? true;
  if (b.parallel_tool_calls !== undefined && b.parallel_tool_calls !== null && tools.length === 0) {
    throw invalidRequest("Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.", 'parallel_tool_calls');
  }

  return {
    model: b.model,
    messages,
    tools,
    toolsKey: tools.length === 0 ? '' : contentKey(JSON.stringify(b.tools)),
    toolChoice,
    parallelToolCalls,
    maxCompletionTokens,
    stream,
    includeUsage,
    includeObfuscation,
    seed,
    n,
    responseFormat: parseResponseFormat(b.response_format),
    stop: parseStop(b.stop),
    promptCacheKey: optionalString(b.prompt_cache_key, 'prompt_cache_key'),
  };
}

function parseMessages(value: unknown): SimMessage[] {
  if (value === undefined || value === null) throw invalidRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(value)) throw invalidRequest(`Invalid type for 'messages': expected an array of objects, but got ${jsonTypeName(value)} instead.`, 'messages', 'invalid_type');
  if (value.length === 0) {
    throw invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  }
  const out: SimMessage[] = [];
  // Tool call ids of the latest assistant message still waiting for their tool message.
  let pending: Map<string, number> | undefined;
  let pendingIndex = -1;
  for (let i = 0; i < value.length; i++) {
    const path = `messages[${i}]`;
    const raw: unknown = value[i];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw typeError(path, 'an object', raw);
    const m = raw as Record<string, unknown>;
    if (m.role === undefined) throw invalidRequest(`Missing required parameter: '${path}.role'.`, `${path}.role`, 'missing_required_parameter');
    if (typeof m.role !== 'string' || !(ROLES as readonly string[]).includes(m.role)) {
      if (m.role === 'function') throw invalidRequest(`Invalid value: 'function'. The 'function' role is deprecated; use 'tool'.`, `${path}.role`, 'invalid_value');
      throw invalidRequest(
        `Invalid value: '${String(m.role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `${path}.role`,
        'invalid_value',
      );
    }
    const role = m.role as SimRole;
    if (pending && pending.size > 0 && role !== 'tool') throw unansweredToolCalls(pendingIndex, pending);

    const name = m.name === undefined || m.name === null ? undefined : requireString(m.name, `${path}.name`);
    let toolCalls: SimToolCall[] = [];
    let toolCallId: string | undefined;
    const contentRequired = role !== 'assistant';
    const { text, extraTokens } = parseContent(m.content, `${path}.content`, contentRequired);

    if (role === 'assistant') {
      if (m.tool_calls !== undefined && m.tool_calls !== null) toolCalls = parseToolCalls(m.tool_calls, `${path}.tool_calls`);
      if ((m.content === undefined || m.content === null) && toolCalls.length === 0 && m.function_call == null && m.refusal == null) {
        throw invalidRequest(`Invalid value for '${path}.content': expected a string, got null.`, `${path}.content`, null);
      }
      if (toolCalls.length > 0) {
        pending = new Map(toolCalls.map((c) => [c.id, 1]));
        pendingIndex = i;
      } else pending = undefined;
    } else if (role === 'tool') {
      if (m.tool_call_id === undefined || m.tool_call_id === null) {
        throw invalidRequest(`Missing required parameter: '${path}.tool_call_id'.`, `${path}.tool_call_id`, 'missing_required_parameter');
      }
      toolCallId = requireString(m.tool_call_id, `${path}.tool_call_id`);
      if (!pending) {
        throw invalidRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      }
      if (!pending.has(toolCallId)) {
        throw invalidRequest(`Invalid parameter: 'tool_call_id' of '${toolCallId}' not found in 'tool_calls' of previous message.`, `messages.[${i}].tool_call_id`);
      }
      pending.delete(toolCallId);
    } else {
      pending = undefined;
    }

    // Hash the content on its own (no copy into a bigger string); the rare parts are appended.
    let key = `${role}:${contentKey(text)}`;
    if (toolCalls.length > 0) key += `:${contentKey(toolCalls.map((c) => `${c.name}\u0001${c.arguments}`).join('\u0002'))}`;
    if (name !== undefined) key += `:n${name}`;
    if (extraTokens > 0) key += `:x${extraTokens}`;
    out.push({
      role,
      text,
      name,
      toolCalls,
      toolCallId,
      extraTokens,
      key,
    });
  }
  if (pending && pending.size > 0) throw unansweredToolCalls(pendingIndex, pending);
  return out;
}

function unansweredToolCalls(index: number, pending: Map<string, number>): OpenAiApiError {
  return invalidRequest(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending.keys()].join(', ')}`,
    `messages.[${index}].role`,
  );
}

function parseContent(value: unknown, path: string, required: boolean): { text: string; extraTokens: number } {
  if (value === undefined || value === null) {
    if (required) throw invalidRequest(`Missing required parameter: '${path}'.`, path, 'missing_required_parameter');
    return { text: '', extraTokens: 0 };
  }
  if (typeof value === 'string') return { text: value, extraTokens: 0 };
  if (!Array.isArray(value)) {
    throw invalidRequest(`Invalid type for '${path}': expected one of a string or array of objects, but got ${jsonTypeName(value)} instead.`, path, 'invalid_type');
  }
  const texts: string[] = [];
  let extraTokens = 0;
  for (let j = 0; j < value.length; j++) {
    const part: unknown = value[j];
    const partPath = `${path}[${j}]`;
    if (typeof part !== 'object' || part === null || Array.isArray(part)) throw typeError(partPath, 'an object', part);
    const p = part as Record<string, unknown>;
    if (p.type === 'text') texts.push(requireString(p.text, `${partPath}.text`));
    else if (p.type === 'image_url' || p.type === 'input_audio' || p.type === 'file') extraTokens += IMAGE_PART_TOKENS;
    else if (p.type === 'refusal') texts.push(requireString(p.refusal, `${partPath}.refusal`));
    else {
      throw invalidRequest(
        `Invalid value: '${String(p.type)}'. Supported values are: 'text', 'image_url', 'input_audio', 'refusal', 'audio', and 'file'.`,
        `${partPath}.type`,
        'invalid_value',
      );
    }
  }
  return { text: texts.join('\n'), extraTokens };
}

function parseToolCalls(value: unknown, path: string): SimToolCall[] {
  if (!Array.isArray(value)) throw typeError(path, 'an array', value);
  if (value.length === 0) throw invalidRequest(`Invalid '${path}': empty array. Expected an array with minimum length 1, but got an empty array instead.`, path, 'empty_array');
  return value.map((raw: unknown, j) => {
    const p = `${path}[${j}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw typeError(p, 'an object', raw);
    const c = raw as Record<string, unknown>;
    if (c.id === undefined) throw invalidRequest(`Missing required parameter: '${p}.id'.`, `${p}.id`, 'missing_required_parameter');
    if (c.type !== 'function') throw invalidRequest(`Invalid value: '${String(c.type)}'. Supported values are: 'function'.`, `${p}.type`, 'invalid_value');
    if (typeof c.function !== 'object' || c.function === null) throw invalidRequest(`Missing required parameter: '${p}.function'.`, `${p}.function`, 'missing_required_parameter');
    const fn = c.function as Record<string, unknown>;
    return { id: requireString(c.id, `${p}.id`), name: requireString(fn.name, `${p}.function.name`), arguments: requireString(fn.arguments, `${p}.function.arguments`) };
  });
}

function parseTools(value: unknown): SimTool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidRequest(`Invalid type for 'tools': expected an array of objects, but got ${jsonTypeName(value)} instead.`, 'tools', 'invalid_type');
  if (value.length === 0) throw invalidRequest("Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'tools', 'empty_array');
  if (value.length > 128) throw invalidRequest(`Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array with length ${value.length} instead.`, 'tools', 'array_above_max_length');
  const names = new Set<string>();
  return value.map((raw: unknown, i) => {
    const path = `tools[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw typeError(path, 'an object', raw);
    const t = raw as Record<string, unknown>;
    if (t.type !== 'function') throw invalidRequest(`Invalid value: '${String(t.type)}'. Supported values are: 'function' and 'custom'.`, `${path}.type`, 'invalid_value');
    if (typeof t.function !== 'object' || t.function === null) throw invalidRequest(`Missing required parameter: '${path}.function'.`, `${path}.function`, 'missing_required_parameter');
    const fn = t.function as Record<string, unknown>;
    if (fn.name === undefined) throw invalidRequest(`Missing required parameter: '${path}.function.name'.`, `${path}.function.name`, 'missing_required_parameter');
    const name = requireString(fn.name, `${path}.function.name`);
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
      throw invalidRequest(`Invalid '${path}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, `${path}.function.name`, 'invalid_value');
    }
    if (names.has(name)) throw invalidRequest(`Invalid 'tools': duplicate function name '${name}'.`, 'tools', 'invalid_value');
    names.add(name);
    const description = fn.description === undefined || fn.description === null ? '' : requireString(fn.description, `${path}.function.description`);
    let parameters: JsonSchema = { type: 'object', properties: {} };
    if (fn.parameters !== undefined && fn.parameters !== null) {
      if (typeof fn.parameters !== 'object' || Array.isArray(fn.parameters)) throw typeError(`${path}.function.parameters`, 'an object', fn.parameters);
      parameters = fn.parameters as JsonSchema;
    }
    return { name, description, parameters };
  });
}

function parseToolChoice(value: unknown, tools: readonly SimTool[]): ToolChoice {
  if (value === undefined || value === null) return { kind: 'auto' };
  if (tools.length === 0) throw invalidRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice');
  if (value === 'none' || value === 'auto' || value === 'required') return { kind: value };
  if (typeof value === 'string') {
    throw invalidRequest(`Invalid value: '${value}'. Supported values are: 'none', 'auto', and 'required'.`, 'tool_choice', 'invalid_value');
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw typeError('tool_choice', 'a string or an object', value);
  const c = value as Record<string, unknown>;
  const fn = c.function as Record<string, unknown> | undefined;
  if (c.type !== 'function' || typeof fn !== 'object' || fn === null || typeof fn.name !== 'string') {
    throw invalidRequest("Invalid value for 'tool_choice': expected an object with 'type': 'function' and 'function': {'name': ...}.", 'tool_choice', 'invalid_value');
  }
  const name = fn.name;
  if (!tools.some((t) => t.name === name)) {
    throw invalidRequest(`Invalid value for 'tool_choice': function '${name}' not found in 'tools'.`, 'tool_choice', 'invalid_value');
  }
  return { kind: 'function', name };
}

function parseResponseFormat(value: unknown): ChatRequest['responseFormat'] {
  if (value === undefined || value === null) return 'text';
  if (typeof value !== 'object' || Array.isArray(value)) throw typeError('response_format', 'an object', value);
  const type = (value as Record<string, unknown>).type;
  if (type === 'text' || type === 'json_object' || type === 'json_schema') return type;
  throw invalidRequest(`Invalid value: '${String(type)}'. Supported values are: 'text', 'json_object', and 'json_schema'.`, 'response_format.type', 'invalid_value');
}

function parseStop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length <= 4 && value.every((s) => typeof s === 'string')) return value as string[];
  throw invalidRequest("Invalid type for 'stop': expected a string or an array of up to 4 strings.", 'stop', 'invalid_type');
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw typeError(path, 'a string', value);
  return value;
}

function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  return requireString(value, path);
}

function optionalBool(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw typeError(path, 'a boolean', value);
  return value;
}

function optionalInt(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError(path, 'an integer', value);
  if (value < min) throw invalidRequest(`Invalid '${path}': integer below minimum value. Expected a value >= ${min}, but got ${value} instead.`, path, 'integer_below_min_value');
  if (value > max) throw invalidRequest(`Invalid '${path}': integer above maximum value. Expected a value <= ${max}, but got ${value} instead.`, path, 'integer_above_max_value');
  return value;
}

function optionalNumber(value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw typeError(path, 'a number', value);
  if (value < min) throw invalidRequest(`Invalid '${path}': decimal below minimum value. Expected a value >= ${min}, but got ${value} instead.`, path, 'decimal_below_min_value');
  if (value > max) throw invalidRequest(`Invalid '${path}': decimal above maximum value. Expected a value <= ${max}, but got ${value} instead.`, path, 'decimal_above_max_value');
  return value;
}

function typeError(path: string, expected: string, got: unknown): OpenAiApiError {
  return invalidRequest(`Invalid type for '${path}': expected ${expected}, but got ${jsonTypeName(got)} instead.`, path, 'invalid_type');
}
