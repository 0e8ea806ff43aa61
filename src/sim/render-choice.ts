import type { BrainDecision } from './brain/scripted-brain.js';
import type { ChatRequest } from './chat-request.js';
import { TOOL_CALL_OVERHEAD_TOKENS, type TokenCounter } from './token-counter.js';
import type { ChoiceOutput, IdMaker, WireToolCall } from './wire-format.js';

/** One choice, ready for a JSON body and, when streaming, as paced deltas. */
export interface RenderedChoice {
  output: ChoiceOutput;
  completionTokens: number;
  /** Stream deltas after the first (role) delta, one per output token or so. */
  deltas: Array<Record<string, unknown>>;
  /** The first delta: role, plus the tool call header for tool calls. */
  firstDelta: Record<string, unknown>;
}

/**
 * Turn the brain's decision into what the model "generated": apply stop sequences, the
 * JSON response format and `max_completion_tokens` (cutting with finish_reason `length`),
 * count the completion tokens in o200k_base, and split the output into token-sized deltas.
 */
export function renderChoice(decision: BrainDecision, request: ChatRequest, counter: TokenCounter, ids: IdMaker, withDeltas: boolean): RenderedChoice {
  const budget = request.maxCompletionTokens ?? Number.POSITIVE_INFINITY;
  if (decision.kind === 'text') {
    let text = request.responseFormat === 'text' ? decision.text : JSON.stringify({ reply: decision.text });
    for (const stop of request.stop) {
      const at = stop ? text.indexOf(stop) : -1;
      if (at >= 0) text = text.slice(0, at);
    }
    let count = counter.text(text);
    let finishReason: ChoiceOutput['finishReason'] = 'stop';
    let pieces: string[] | undefined;
    if (count > budget) {
      const tokens = counter.encode(text).slice(0, budget);
      text = counter.decode(tokens);
      count = tokens.length;
      finishReason = 'length';
      if (withDeltas) pieces = counter.decodeEach(tokens);
    }
    if (withDeltas) pieces ??= counter.tokenTexts(text);
    return {
      output: { content: text, toolCalls: undefined, finishReason },
      completionTokens: count,
      firstDelta: { role: 'assistant', content: '', refusal: null },
      deltas: pieces ? pieces.map((content) => ({ content })) : [],
    };
  }

  const toolCalls: WireToolCall[] = [];
  const deltas: Array<Record<string, unknown>> = [];
  let firstDelta: Record<string, unknown> = {};
  let used = 0;
  let finishReason: ChoiceOutput['finishReason'] = 'tool_calls';
  const calls = request.parallelToolCalls ? decision.calls : decision.calls.slice(0, 1);
  for (let index = 0; index < calls.length; index++) {
    const call = calls[index] as (typeof calls)[number];
    const id = ids.toolCall();
    const fixed = TOOL_CALL_OVERHEAD_TOKENS + counter.text(call.name);
    let args = call.arguments;
    let argCount = counter.text(args);
    let argPieces: string[] | undefined;
    if (used + fixed + argCount > budget) {
      const argTokens = counter.encode(args).slice(0, Math.max(0, budget - used - fixed));
      args = counter.decode(argTokens);
      argCount = argTokens.length;
      finishReason = 'length';
      argPieces = counter.decodeEach(argTokens);
    }
    used += fixed + argCount;
    toolCalls.push({ id, type: 'function', function: { name: call.name, arguments: args } });
    const header = { index, id, type: 'function', function: { name: call.name, arguments: '' } };
    if (index === 0) firstDelta = { role: 'assistant', content: null, tool_calls: [header], refusal: null };
    else if (withDeltas) deltas.push({ tool_calls: [header] });
    if (withDeltas) for (const piece of argPieces ?? counter.tokenTexts(args)) deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
    if (finishReason === 'length') break;
  }
  return { output: { content: null, toolCalls, finishReason }, completionTokens: Math.min(used, budget), firstDelta, deltas };
}
