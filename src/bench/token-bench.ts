import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalStack, type LocalStackOptions } from '../loadtest/local-stack.js';
import type { LoadTestEvent } from '../loadtest/load-test-plan.js';
import type { LoadTestReport, StageReport } from '../loadtest/report-types.js';
import { runLoadTest } from '../loadtest/run-load-test.js';

/**
 * `concierge bench tokens`: the seed preset's conversations (quick mode) with the legacy
 * agent and with the lean one, on fresh local stacks, answer cache off for both, then the
 * lean one again with the cache on (its effect reported apart: the lab's personas repeat
 * their first message far more than customers do). Per variant: the tokens the provider
 * charged per conversation (its TPM bucket: prompt plus the reserved completion of every
 * call), LLM calls per message, and whether every conversation that meant to book holds
 * exactly one confirmed booking in the database.
 */
export interface TokenBenchOptions {
  users: number;
  timeScale: number;
  out: string;
  /** Also run the lean agent with the answer cache on. */
  withCache: boolean;
  serverArgs: string[];
  signal?: AbortSignal;
  onVariant?: (name: string) => void;
  onEvent?: (event: LoadTestEvent) => void;
}

export interface TokenVariant {
  name: string;
  serverArgs: string[];
  conversations: number;
  completed: number;
  messages: number;
  llmCalls: number;
  callsPerMessage: number;
  chargedTokens: number;
  chargedPerConversation: number;
  promptPerCall: number;
  completionPerCall: number;
  /** Customers whose conversation meant to book, and how many hold exactly one confirmed booking. */
  bookers: number;
  bookersWithOneBooking: number;
  answerCacheHitRate: number | null;
  templatedAnswers: number | null;
  truncationRetries: number | null;
  p95Ms: number;
}

export interface TokenBenchResult {
  timeScale: number;
  users: number;
  variants: TokenVariant[];
  targets: Array<{ name: string; pass: boolean; measured: string }>;
}

const VARIANTS: Array<{ name: string; args: string[]; cache?: boolean }> = [
  { name: 'legacy', args: ['--agent-profile', 'legacy'] },
  { name: 'lean', args: ['--agent-profile', 'lean', '--answer-cache', 'off'] },
  { name: 'lean + answer cache', args: ['--agent-profile', 'lean', '--answer-cache', 'on'], cache: true },
];

interface SimTokens {
  requests?: number;
  tokens?: { prompt?: number; completion?: number; charged?: number };
}

export async function runTokenBench(options: TokenBenchOptions): Promise<TokenBenchResult> {
  mkdirSync(options.out, { recursive: true });
  const variants: TokenVariant[] = [];
  for (const variant of VARIANTS) {
    if (variant.cache && !options.withCache) continue;
    if (options.signal?.aborted) break;
    options.onVariant?.(variant.name);
    const serverArgs = [...variant.args, ...options.serverArgs];
    let bookings: Array<{ customerId: string; status: string }> = [];
    const runId = `tokens-${variant.name.replace(/\W+/g, '-')}`;
    const report = await runLoadTest({
      preset: 'seed',
      stages: [options.users],
      timeScale: options.timeScale,
      serverArgs,
      runId,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      // Read the bookings from the server before its stack is stopped.
      startLocalStack: async (stackOptions: LocalStackOptions) => {
        const stack = await startLocalStack(stackOptions);
        return {
          ...stack,
          stop: async () => {
            bookings = await fetchBookings(stack.serverUrl).catch(() => []);
            await stack.stop();
          },
        };
      },
    });
    writeReport(options.out, variant.name, report);
    variants.push(summarise(variant.name, serverArgs, report, bookings, `lt-${runId}-`));
  }
  return { timeScale: options.timeScale, users: options.users, variants, targets: targetsOf(variants) };
}

async function fetchBookings(serverUrl: string): Promise<Array<{ customerId: string; status: string }>> {
  const response = await fetch(`${serverUrl}/v1/bookings?limit=1000`, { headers: { 'x-customer-id': 'bench-owner' } });
  if (!response.ok) throw new Error(`GET /v1/bookings answered ${response.status}`);
  const body = (await response.json()) as { bookings?: Array<{ customerId: string; status: string }> };
  return body.bookings ?? [];
}

function writeReport(out: string, name: string, report: LoadTestReport): void {
  const dir = join(out, name.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
}

function summarise(name: string, serverArgs: string[], report: LoadTestReport, bookings: Array<{ customerId: string; status: string }>, customerPrefix: string): TokenVariant {
  const stage = report.stages[0] as StageReport;
  const stats = (stage.provider.stats ?? {}) as SimTokens;
  const calls = stats.requests ?? stage.usage.llmCalls;
  const charged = stats.tokens?.charged ?? 0;
  const conversations = stage.conversations.total;
  // Quick mode: every conversation means to book; each user (baseline included) has one.
  const confirmed = new Map<string, number>();
  for (const b of bookings) if (b.customerId.startsWith(customerPrefix) && b.status === 'confirmed') confirmed.set(b.customerId, (confirmed.get(b.customerId) ?? 0) + 1);
  const bookers = conversations + (report.baseline?.conversations.total ?? 0);
  const agent = (stage.server.last as { agent?: { templatedAnswers?: number; truncationRetries?: number; answerCache?: { hitRate?: number | null } } } | null)?.agent;
  return {
    name,
    serverArgs,
    conversations,
    completed: stage.conversations.succeeded,
    messages: stage.messages.total,
    llmCalls: calls,
    callsPerMessage: stage.messages.total > 0 ? calls / stage.messages.total : 0,
    chargedTokens: charged,
    chargedPerConversation: conversations > 0 ? charged / conversations : 0,
    promptPerCall: calls > 0 ? (stats.tokens?.prompt ?? 0) / calls : 0,
    completionPerCall: calls > 0 ? (stats.tokens?.completion ?? 0) / calls : 0,
    bookers,
    bookersWithOneBooking: [...confirmed.values()].filter((n) => n === 1).length,
    answerCacheHitRate: agent?.answerCache?.hitRate ?? null,
    templatedAnswers: agent?.templatedAnswers ?? null,
    truncationRetries: agent?.truncationRetries ?? null,
    p95Ms: stage.realTime.latencyMs.p95,
  };
}

function targetsOf(variants: TokenVariant[]): TokenBenchResult['targets'] {
  const lean = variants.find((v) => v.name === 'lean');
  if (!lean) return [];
  return [
    { name: 'charged tokens per conversation <= 1,750 (lean, answer cache off)', pass: lean.chargedPerConversation <= 1750, measured: Math.round(lean.chargedPerConversation).toLocaleString('en-US') },
    { name: 'LLM calls per message <= 1.15 (lean, answer cache off)', pass: lean.callsPerMessage <= 1.15, measured: lean.callsPerMessage.toFixed(3) },
    { name: '100% of conversations complete', pass: lean.completed === lean.conversations, measured: `${lean.completed} of ${lean.conversations}` },
    {
      name: 'every conversation that meant to book holds exactly one confirmed booking',
      pass: lean.bookersWithOneBooking === lean.bookers,
      measured: `${lean.bookersWithOneBooking} of ${lean.bookers} customers (baseline user included)`,
    },
  ];
}

/** The before/after table the command prints. */
export function renderTokenBench(result: TokenBenchResult): string {
  const header = ['variant', 'charged/conv', 'calls/msg', 'prompt/call', 'completion/call', 'completed', 'one booking each', 'templated', 'truncation retries', 'answer-cache hits', 'p95'];
  const rows = [
    header,
    ...result.variants.map((v) => [
      v.name,
      Math.round(v.chargedPerConversation).toLocaleString('en-US'),
      v.callsPerMessage.toFixed(3),
      Math.round(v.promptPerCall).toString(),
      Math.round(v.completionPerCall).toString(),
      `${v.completed}/${v.conversations}`,
      `${v.bookersWithOneBooking}/${v.bookers}`,
      v.templatedAnswers === null ? '-' : String(v.templatedAnswers),
      v.truncationRetries === null ? '-' : String(v.truncationRetries),
      v.answerCacheHitRate === null ? '-' : `${(v.answerCacheHitRate * 100).toFixed(0)}%`,
      `${(v.p95Ms / 1000).toFixed(2)} s`,
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = [`seed preset (quick mode), ${result.users} users, time scale ${result.timeScale}; provider-charged tokens = prompt + reserved max_completion_tokens of every call`];
  for (const row of rows) lines.push(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  const legacy = result.variants.find((v) => v.name === 'legacy');
  const lean = result.variants.find((v) => v.name === 'lean');
  if (legacy && lean && legacy.chargedPerConversation > 0) {
    lines.push(`lean vs legacy: ${(lean.chargedPerConversation / legacy.chargedPerConversation).toFixed(2)}x the tokens per conversation, ${(lean.callsPerMessage / legacy.callsPerMessage).toFixed(2)}x the calls per message`);
  }
  for (const t of result.targets) lines.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.measured}`);
  return lines.join('\n');
}
