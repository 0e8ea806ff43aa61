import { setMaxListeners } from 'node:events';
import type { AgentClient } from './agent-client.js';
import { ConversationScript, makePersona, type ConversationMode, type OpenSlots, type ServiceInfo } from './personas.js';
import { jitteredThinkMs, seededRandom, type Random } from './random.js';
import type { StageRecorder, TurnRecord } from './stage-recorder.js';

export interface StageRunnerContext {
  now: () => number;
  /** The client of one simulated user (its own customer id, its target). */
  clientFor: (userKey: string) => AgentClient;
  services: readonly ServiceInfo[];
  /** The business's open slots per service, when the server publishes them. */
  openSlots?: OpenSlots | undefined;
  /** Today's date (YYYY-MM-DD) in the business's time zone. */
  today: string;
  mode: ConversationMode;
  messages: number;
  /** As applied: already multiplied by the time scale. */
  thinkTimeMs: number;
  timeoutMs: number;
  stream: boolean;
  seed: number;
  /** Times a user sends a shed message again after the server's Retry-After (0: gives up). */
  shedRetries: number;
  /** Sees every message as it ends (raw records for tests and custom analyses). */
  onTurn?: ((turn: TurnRecord) => void) | undefined;
}

export type StagePlan =
  | {
      kind: 'closed' | 'baseline';
      index: number;
      users: number;
      conversationsPerUser: number;
      rampMs: number;
      boundMs: number;
      /** The customer each conversation is held as, in order, where it is not the user's own. */
      conversationKeys?: readonly string[];
    }
  | { kind: 'open'; index: number; arrivalsPerSec: number; durationMs: number; maxInFlight: number; boundMs: number };

/** The customer (key) of a closed stage's user: the same in every run with the same run id. */
export function closedUserKey(stageIndex: number, user: number): string {
  return `s${stageIndex}u${user}`;
}

/** The customer (key) of an open stage's i-th arrival. */
export function openArrivalKey(stageIndex: number, arrival: number): string {
  return `s${stageIndex}c${arrival}`;
}

export interface StageTiming {
  startMs: number;
  endMs: number;
  boundedBy: 'stage-bound' | 'run-stopped' | null;
}

/**
 * Run one stage to its end or its bound. Every message has an intended start: the stage
 * plan's start for a user's first message (or the arrival time in the open model), then the
 * previous answer plus a think time. Latency is measured from that intended start, so time
 * spent waiting for a free slot, a late timer or a stalled server is never hidden.
 */
export async function runStage(plan: StagePlan, ctx: StageRunnerContext, recorder: StageRecorder, runSignal: AbortSignal): Promise<StageTiming> {
  const stop = new AbortController();
  // Every user waits on this signal; the default limit of 10 listeners would only warn.
  setMaxListeners(0, stop.signal);
  let boundedBy: StageTiming['boundedBy'] = null;
  const onRunStop = () => {
    boundedBy ??= 'run-stopped';
    stop.abort();
  };
  if (runSignal.aborted) onRunStop();
  else runSignal.addEventListener('abort', onRunStop, { once: true });
  const bound = setTimeout(() => {
    boundedBy ??= 'stage-bound';
    stop.abort();
  }, plan.boundMs);
  const startMs = ctx.now();
  const planned = new ConversationScript(makePersona(0, seededRandom(1), ctx.services, ctx.today), ctx.mode, ctx.messages).planned;
  try {
    if (plan.kind === 'open') await runOpen(plan, ctx, recorder, stop.signal, startMs, planned);
    else await runClosed(plan, ctx, recorder, stop.signal, startMs, planned);
  } finally {
    clearTimeout(bound);
    runSignal.removeEventListener('abort', onRunStop);
  }
  return { startMs, endMs: ctx.now(), boundedBy };
}

async function runClosed(plan: Extract<StagePlan, { kind: 'closed' | 'baseline' }>, ctx: StageRunnerContext, recorder: StageRecorder, signal: AbortSignal, startMs: number, planned: number): Promise<void> {
  recorder.messagesPlanned = plan.users * plan.conversationsPerUser * planned;
  const users = Array.from({ length: plan.users }, async (_, user) => {
    // Users start spread evenly over the ramp, all at once without one.
    let intendedAt = startMs + (plan.users > 1 ? (plan.rampMs * user) / plan.users : 0);
    for (let c = 0; c < plan.conversationsPerUser && !signal.aborted; c++) {
      const conversation = user * plan.conversationsPerUser + c;
      const random = seededRandom(mixSeed(ctx.seed, plan.index, conversation));
      const userKey = plan.conversationKeys?.[conversation] ?? closedUserKey(plan.index, user);
      const endedAt = await runConversation(ctx, recorder, { userKey, personaIndex: conversation, intendedAt, random }, signal);
      intendedAt = endedAt + jitteredThinkMs(random, ctx.thinkTimeMs);
    }
  });
  await Promise.all(users);
}

async function runOpen(plan: Extract<StagePlan, { kind: 'open' }>, ctx: StageRunnerContext, recorder: StageRecorder, signal: AbortSignal, startMs: number, planned: number): Promise<void> {
  const intervalMs = 1000 / plan.arrivalsPerSec;
  const arrivals = Math.max(1, Math.floor(plan.durationMs / intervalMs));
  recorder.messagesPlanned = arrivals * planned;
  const slots = new Slots(plan.maxInFlight);
  const running: Promise<unknown>[] = [];
  for (let i = 0; i < arrivals; i++) {
    const intendedAt = startMs + i * intervalMs;
    if (!(await sleepUntil(ctx.now, intendedAt, signal))) break;
    // Past the in-flight cap, an arrival waits for a slot, and that wait counts in its latency.
    if (!(await slots.acquire(signal))) break;
    const random = seededRandom(mixSeed(ctx.seed, plan.index, i));
    running.push(runConversation(ctx, recorder, { userKey: openArrivalKey(plan.index, i), personaIndex: i, intendedAt, random }, signal).finally(() => slots.release()));
  }
  await Promise.all(running);
}

/** Run one conversation; resolves with the time its last message ended. */
async function runConversation(
  ctx: StageRunnerContext,
  recorder: StageRecorder,
  who: { userKey: string; personaIndex: number; intendedAt: number; random: Random },
  signal: AbortSignal,
): Promise<number> {
  if (!(await sleepUntil(ctx.now, who.intendedAt, signal))) return ctx.now();
  const client = ctx.clientFor(who.userKey);
  const script = new ConversationScript(makePersona(who.personaIndex, who.random, ctx.services, ctx.today, ctx.openSlots), ctx.mode, ctx.messages);
  recorder.userStarted();
  const record = (turn: TurnRecord) => {
    recorder.recordTurn({ ...turn, user: who.userKey });
    ctx.onTurn?.(turn);
  };
  let ok = true;
  let latencySumMs = 0;
  let threadId: string | undefined;
  let intendedAt = who.intendedAt;
  let message = script.next('');
  let shedRetriesLeft = ctx.shedRetries;
  try {
    while (message !== undefined) {
      const planned = !script.lastWasRecovery;
      if (!(await sleepUntil(ctx.now, intendedAt, signal))) {
        ok = false;
        break;
      }
      const options = { timeoutMs: ctx.timeoutMs, stopSignal: signal };
      if (threadId === undefined) {
        // Opening the chat is part of the user's first wait, so it counts in that latency.
        const thread = await client.createThread(options);
        if (!thread.ok) {
          record({ intendedAt, sentAt: intendedAt, endedAt: ctx.now(), outcome: thread, planned });
          ok = false;
          break;
        }
        threadId = thread.threadId;
      }
      const sentAt = ctx.now();
      const outcome = await client.sendMessage(threadId, message, { ...options, stream: ctx.stream });
      const endedAt = ctx.now();
      record({ intendedAt, sentAt, endedAt, outcome, planned });
      if (!outcome.ok) {
        // A polite client comes back when the server said it could serve it; the retry is a
        // message of its own, timed from that moment.
        const retryAfterMs = outcome.cause === 'shed' ? outcome.retryAfterMs : undefined;
        if (shedRetriesLeft > 0 && retryAfterMs !== undefined) {
          shedRetriesLeft -= 1;
          intendedAt = endedAt + retryAfterMs;
          continue;
        }
        ok = false;
        break;
      }
      latencySumMs += endedAt - intendedAt;
      message = script.next(outcome.text);
      intendedAt = endedAt + jitteredThinkMs(who.random, ctx.thinkTimeMs);
    }
    recorder.recordConversation({ ok, latencySumMs, bookingConfirmed: script.bookingConfirmed, recoveredFromTakenSlot: script.recoveredFromTakenSlot });
  } finally {
    recorder.userEnded();
  }
  return ctx.now();
}

/** Wait until `at` on the given clock; false when stopped first. */
export function sleepUntil(now: () => number, at: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  const delay = at - now();
  if (delay <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, delay);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A counting semaphore for the open model's in-flight cap. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(grant);
        if (i !== -1) this.#waiting.splice(i, 1);
        resolve(false);
      };
      this.#waiting.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/** One seed per (run seed, stage, conversation), so personas do not depend on timing. */
export function mixSeed(seed: number, stage: number, conversation: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [stage, conversation]) {
    h = Math.imul(h ^ (v + 0x7f4a7c15), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}
