import { AgentClient, createLoadDispatcher, type TurnFailure } from '../loadtest/agent-client.js';
import { startLocalStack } from '../loadtest/local-stack.js';
import { ConversationScript, makePersona, type ServiceInfo } from '../loadtest/personas.js';
import { seededRandom } from '../loadtest/random.js';
import { ERROR_CATALOGUE, isErrorCode } from '../shared/error-catalogue.js';

export type FaultsMode = 'stream' | 'wait';

export interface FaultsBenchOptions {
  users: number;
  messages: number;
  modes: readonly FaultsMode[];
  /** Fractions of provider calls answered 5xx, never answered, and (streams) cut midway. */
  failRate: number;
  hangRate: number;
  cutStreamRate: number;
  timeScale: number;
  seed: number;
  /** Re-sends of a failed message (after its Retry-After) before its thread counts as unusable. */
  resends: number;
  serverArgs?: readonly string[];
  logDir?: string | undefined;
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

/** What one mode did: messages and their outcomes, the faults injected and how the server took them. */
export interface FaultsModeResult {
  mode: FaultsMode;
  messages: number;
  succeeded: number;
  /** First-send failures by code (`network`, `timeout` when no code came). */
  failures: Record<string, number>;
  /** Failures that were not a retryable 503 carrying Retry-After. */
  badFailures: number;
  /** Failed messages that succeeded when sent again. */
  recoveredOnResend: number;
  /** Threads where a message kept failing, or the closing probe failed. */
  unusableThreads: number;
  /** Runs still `pending` or `running` once every answer was in. */
  stuckRuns: number;
  /** Confirmed bookings beyond the first of a customer at the same service, date and time. */
  duplicateBookings: number;
  confirmedBookings: number;
  /** What the simulator injected during this mode. */
  injected: { serverErrors: number; hangs: number; cutStreams: number };
  /** How the server's provider layer saw the attempts. */
  provider: { calls: number; serverErrors: number; timeouts: number; cutStreams: number; retries: number; gaveUpUnavailable: number };
  seconds: number;
}

export interface FaultsBenchResult {
  modes: FaultsModeResult[];
}

const PROBE = 'What services do you offer?';

/**
 * The fault-injection bench: the simulator answering some calls 5xx, never answering others
 * and cutting some streams midway, while `users` customers each hold a `messages`-long booking
 * conversation on their own thread, streamed or waited for. A failed message is sent again
 * after the Retry-After the server gave (as a client should); each thread ends with one probe
 * message that must succeed. Then every run must be finished and no customer may hold two
 * bookings of one slot. The simulator and the server run in their own processes.
 */
export async function runFaultsBench(options: FaultsBenchOptions): Promise<FaultsBenchResult> {
  const log = options.progress ?? (() => undefined);
  const simArgs = ['--fail-rate', String(options.failRate), '--hang-rate', String(options.hangRate), '--cut-stream-rate', String(options.cutStreamRate), '--seed', String(options.seed)];
  const stack = await startLocalStack({ timeScale: options.timeScale, simArgs, serverArgs: options.serverArgs ?? [], logDir: options.logDir });
  const dispatcher = createLoadDispatcher(256);
  try {
    const modes: FaultsModeResult[] = [];
    for (const mode of options.modes) {
      modes.push(await runMode(mode, options, stack.serverUrl, stack.simUrl, dispatcher, log));
    }
    return { modes };
  } finally {
    await dispatcher.close();
    await stack.stop();
  }
}

async function runMode(mode: FaultsMode, options: FaultsBenchOptions, serverUrl: string, simUrl: string, dispatcher: ReturnType<typeof createLoadDispatcher>, log: (line: string) => void): Promise<FaultsModeResult> {
  const admin = new AgentClient({ baseUrl: serverUrl, customerId: 'faults-admin', dispatcher, now: Date.now });
  const sim = new AgentClient({ baseUrl: simUrl, customerId: 'faults-admin', dispatcher, now: Date.now });
  const simBefore = await injectedCounts(sim);
  const providerBefore = await providerCounts(admin);
  const services = await serviceList(admin);
  const today = await businessToday(admin);
  const random = seededRandom(options.seed + (mode === 'stream' ? 0 : 1_000));
  const stopSignal = options.signal ?? new AbortController().signal;
  const timeoutMs = Math.max(30_000, 300_000 * options.timeScale);

  const result: FaultsModeResult = {
    mode,
    messages: 0,
    succeeded: 0,
    failures: {},
    badFailures: 0,
    recoveredOnResend: 0,
    unusableThreads: 0,
    stuckRuns: 0,
    duplicateBookings: 0,
    confirmedBookings: 0,
    injected: { serverErrors: 0, hangs: 0, cutStreams: 0 },
    provider: { calls: 0, serverErrors: 0, timeouts: 0, cutStreams: 0, retries: 0, gaveUpUnavailable: 0 },
    seconds: 0,
  };
  const started = performance.now();
  const threads: Array<{ customerId: string; threadId: string }> = [];
  const ticker = setInterval(() => log(`${mode}: ${result.messages}/${options.users * options.messages} messages sent, ${result.succeeded} answered, ${Object.values(result.failures).reduce((a, b) => a + b, 0)} failed`), 1000);
  ticker.unref();

  const user = async (index: number) => {
    const customerId = `faults-${mode}-${options.seed}-${index}`;
    const client = new AgentClient({ baseUrl: serverUrl, customerId, dispatcher, now: Date.now });
    const created = await client.createThread({ timeoutMs, stopSignal });
    if (!created.ok) {
      result.unusableThreads += 1;
      return;
    }
    threads.push({ customerId, threadId: created.threadId });
    const script = new ConversationScript(makePersona(index, random, services, today), 'full', options.messages);
    let usable = true;
    let answer = '';
    for (let sent = 0; sent < options.messages && usable; sent += 1) {
      const text = script.next(answer) ?? PROBE;
      result.messages += 1;
      const first = await client.sendMessage(created.threadId, text, { timeoutMs, stopSignal, stream: mode === 'stream' });
      if (first.ok) {
        result.succeeded += 1;
        answer = first.text;
        continue;
      }
      noteFailure(result, first);
      const again = await resend(client, created.threadId, text, first, options, { timeoutMs, stopSignal, stream: mode === 'stream' });
      if (again === undefined) usable = false;
      else {
        result.recoveredOnResend += 1;
        answer = again;
      }
    }
    // The thread must still take a message, whatever happened on it.
    if (usable) usable = (await resend(client, created.threadId, PROBE, undefined, options, { timeoutMs, stopSignal, stream: mode === 'stream' })) !== undefined;
    if (!usable) result.unusableThreads += 1;
  };
  try {
    await Promise.all(Array.from({ length: options.users }, (_, i) => user(i)));
  } finally {
    clearInterval(ticker);
  }
  result.seconds = (performance.now() - started) / 1000;

  for (const { customerId, threadId } of threads) {
    const owner = new AgentClient({ baseUrl: serverUrl, customerId, dispatcher, now: Date.now });
    const runs = await owner.getJson(`/threads/${threadId}/runs?limit=100`);
    const list = Array.isArray(runs?.body) ? (runs.body as Array<{ status?: string }>) : [];
    result.stuckRuns += list.filter((r) => r.status === 'pending' || r.status === 'running').length;
    const bookings = await admin.getJson(`/v1/bookings?status=confirmed&customer=${encodeURIComponent(customerId)}&limit=1000`);
    const held = ((bookings?.body as { bookings?: Array<{ serviceId?: string; date?: string; time?: string }> } | undefined)?.bookings ?? []);
    result.confirmedBookings += held.length;
    result.duplicateBookings += held.length - new Set(held.map((b) => `${b.serviceId} ${b.date} ${b.time}`)).size;
  }
  const simAfter = await injectedCounts(sim);
  const providerAfter = await providerCounts(admin);
  for (const key of Object.keys(result.injected) as Array<keyof FaultsModeResult['injected']>) result.injected[key] = simAfter[key] - simBefore[key];
  for (const key of Object.keys(result.provider) as Array<keyof FaultsModeResult['provider']>) result.provider[key] = (providerAfter[key] ?? 0) - (providerBefore[key] ?? 0);
  log(`${mode}: done in ${result.seconds.toFixed(1)} s`);
  return result;
}

/** Count a first-send failure; a good one is a retryable 503 telling when to come back. */
function noteFailure(result: FaultsModeResult, failure: TurnFailure): void {
  const code = failure.code ?? failure.cause;
  result.failures[code] = (result.failures[code] ?? 0) + 1;
  // A stream's error arrives as an event after a 200; its code's status is what a wait would have answered.
  const spec = failure.code !== undefined && isErrorCode(failure.code) ? ERROR_CATALOGUE[failure.code] : undefined;
  if (!spec?.retryable || spec.status !== 503 || failure.retryAfterMs === undefined) result.badFailures += 1;
}

/** Send a message again (after the server's Retry-After) up to `options.resends` times; the answer, or undefined. */
async function resend(
  client: AgentClient,
  threadId: string,
  text: string,
  failure: TurnFailure | undefined,
  options: FaultsBenchOptions,
  send: { timeoutMs: number; stopSignal: AbortSignal; stream: boolean },
): Promise<string | undefined> {
  let last = failure;
  for (let attempt = 0; attempt < Math.max(1, options.resends); attempt += 1) {
    if (last) await new Promise((resolve) => setTimeout(resolve, Math.min(last?.retryAfterMs ?? 1000, 30_000)));
    const outcome = await client.sendMessage(threadId, text, send);
    if (outcome.ok) return outcome.text;
    last = outcome;
  }
  return undefined;
}

async function serviceList(client: AgentClient): Promise<ServiceInfo[]> {
  const answer = await client.getJson('/v1/services');
  return ((answer?.body as { services?: ServiceInfo[] } | undefined)?.services ?? []).map((s) => ({ id: s.id, name: s.name }));
}

async function businessToday(client: AgentClient): Promise<string> {
  const answer = await client.getJson('/v1/business');
  return (answer?.body as { today?: string } | undefined)?.today ?? new Date().toISOString().slice(0, 10);
}

async function injectedCounts(sim: AgentClient): Promise<FaultsModeResult['injected']> {
  const answer = await sim.getJson('/sim/stats');
  const injected = (answer?.body as { injected?: Partial<FaultsModeResult['injected']> } | undefined)?.injected ?? {};
  return { serverErrors: injected.serverErrors ?? 0, hangs: injected.hangs ?? 0, cutStreams: injected.cutStreams ?? 0 };
}

async function providerCounts(client: AgentClient): Promise<Partial<FaultsModeResult['provider']>> {
  const answer = await client.getJson('/stats');
  return ((answer?.body as { admission?: { provider?: Partial<FaultsModeResult['provider']> } } | undefined)?.admission?.provider ?? {});
}
