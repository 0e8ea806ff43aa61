import http from 'node:http';
import hdr from 'hdr-histogram-js';
import { AGENT_TOOLS, agentSystemPrompt } from './agent-tools.js';
import { conversationScript } from './conversation-scripts.js';
import { FakeBookingDesk } from './fake-booking-desk.js';

export interface AgentLoadOptions {
  /** Simulator base URL, without /v1. */
  url: string;
  requests: number;
  concurrency: number;
  stream: boolean;
  /** Called now and then with the number of completed requests. */
  onProgress?: (done: number) => void;
}

export interface AgentLoadResult {
  ok: number;
  failed: number;
  durationMs: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  promptTokens: { total: number; min: number; max: number };
  cachedTokens: number;
  completionTokens: number;
  toolCalls: number;
  conversations: number;
  /** CPU time of the process running the generator, per request, µs. */
  cpuUsPerRequest: number;
}

type Message = Record<string, unknown>;

interface Answer {
  status: number;
  content: string | null;
  toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens: number } } | undefined;
}

const SYSTEM_PROMPT = agentSystemPrompt('2026-12-01', 'Tuesday');

/**
 * Agent-like closed-loop traffic: `concurrency` virtual customers each hold a conversation
 * with the simulator the way the booking agent does (system prompt, six tools, tool
 * results fed back), so every request is a 1-2k-token prompt that repeats the previous
 * turn's prefix. Plain node:http with a keep-alive agent: the cheapest client, so that the
 * generator measures the simulator rather than itself.
 */
export async function runAgentLoad(options: AgentLoadOptions): Promise<AgentLoadResult> {
  const url = new URL('/v1/chat/completions', options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  const result: AgentLoadResult = {
    ok: 0,
    failed: 0,
    durationMs: 0,
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
    promptTokens: { total: 0, min: Number.POSITIVE_INFINITY, max: 0 },
    cachedTokens: 0,
    completionTokens: 0,
    toolCalls: 0,
    conversations: 0,
    cpuUsPerRequest: 0,
  };
  let issued = 0;
  let nextConversation = 0;
  const progressEvery = Math.max(1, Math.floor(options.requests / 100));

  const virtualCustomer = async () => {
    while (issued < options.requests) {
      const k = nextConversation++;
      result.conversations++;
      const desk = new FakeBookingDesk({ codeSeed: k });
      const messages: Message[] = [{ role: 'system', content: SYSTEM_PROMPT }];
      for (const text of conversationScript(k)) {
        messages.push({ role: 'user', content: text });
        for (let step = 0; step < 6 && issued < options.requests; step++) {
          issued++;
          const body = JSON.stringify({
            model: 'gpt-4o-mini',
            messages,
            tools: AGENT_TOOLS,
            max_completion_tokens: 256,
            temperature: 0.2,
            ...(options.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
          });
          const t0 = performance.now();
          const answer = await post(url, agent, body, options.stream).catch(() => undefined);
          histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          const done = result.ok + result.failed + 1;
          if (done % progressEvery === 0) options.onProgress?.(done);
          if (!answer || answer.status !== 200) {
            result.failed++;
            break;
          }
          result.ok++;
          if (answer.usage) {
            const p = answer.usage.prompt_tokens;
            result.promptTokens.total += p;
            result.promptTokens.min = Math.min(result.promptTokens.min, p);
            result.promptTokens.max = Math.max(result.promptTokens.max, p);
            result.cachedTokens += answer.usage.prompt_tokens_details?.cached_tokens ?? 0;
            result.completionTokens += answer.usage.completion_tokens;
          }
          if (answer.toolCalls.length === 0) {
            messages.push({ role: 'assistant', content: answer.content ?? '' });
            break;
          }
          result.toolCalls += answer.toolCalls.length;
          messages.push({ role: 'assistant', content: null, tool_calls: answer.toolCalls });
          for (const call of answer.toolCalls) messages.push({ role: 'tool', tool_call_id: call.id, content: desk.run(call.function.name, call.function.arguments) });
        }
        if (issued >= options.requests) break;
      }
    }
  };

  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: options.concurrency }, virtualCustomer));
  result.durationMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  result.cpuUsPerRequest = (cpu.user + cpu.system) / Math.max(1, result.ok + result.failed);
  agent.destroy();
  result.latencyMs = {
    p50: histogram.getValueAtPercentile(50) / 1000,
    p90: histogram.getValueAtPercentile(90) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    max: histogram.maxValue / 1000,
  };
  if (result.promptTokens.min === Number.POSITIVE_INFINITY) result.promptTokens.min = 0;
  return result;
}

function post(url: URL, agent: http.Agent, body: string, stream: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer sk-sim' } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          try {
            resolve(stream ? fromStream(res.statusCode ?? 0, text) : fromJson(res.statusCode ?? 0, text));
          } catch (error) {
            reject(error as Error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function fromJson(status: number, text: string): Answer {
  if (status !== 200) return { status, content: null, toolCalls: [], usage: undefined };
  const data = JSON.parse(text) as { choices: Array<{ message: { content: string | null; tool_calls?: Answer['toolCalls'] } }>; usage: Answer['usage'] };
  const message = data.choices[0]?.message;
  return { status, content: message?.content ?? null, toolCalls: message?.tool_calls ?? [], usage: data.usage };
}

/** Assemble a streamed answer the way the SDK's helper does, for the fields used here. */
function fromStream(status: number, text: string): Answer {
  if (status !== 200) return { status, content: null, toolCalls: [], usage: undefined };
  let content = '';
  const calls: Answer['toolCalls'] = [];
  let usage: Answer['usage'];
  for (const event of text.split('\n\n')) {
    if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
    const chunk = JSON.parse(event.slice(6)) as {
      choices: Array<{ delta: { content?: string | null; tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> } }>;
      usage?: Answer['usage'] | null;
    };
    if (chunk.usage) usage = chunk.usage;
    const delta = chunk.choices[0]?.delta;
    if (!delta) continue;
    if (delta.content) content += delta.content;
    for (const d of delta.tool_calls ?? []) {
      const call = (calls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
      if (d.id) call.id = d.id;
      if (d.function?.name) call.function.name = d.function.name;
      if (d.function?.arguments) call.function.arguments += d.function.arguments;
    }
  }
  return { status, content: calls.length > 0 ? null : content, toolCalls: calls, usage };
}
