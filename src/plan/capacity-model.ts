import { jitteredThinkMs, seededRandom } from '../loadtest/random.js';
import { createRng, lognormal } from '../sim/seeded-random.js';

/**
 * A discrete-event model of a stage of closed-loop users on one rate-limited provider: each
 * message takes its share of one replica's CPU (FIFO, one event loop), then its LLM calls,
 * each admitted in arrival order once the provider's two buckets (requests and tokens, one
 * minute deep, refilled continuously, charged up front as the provider does) hold enough,
 * then served in a call time drawn from a lognormal fitted to the measured median and p95.
 * Deterministic (seeded). Hand-written: queueing libraries model servers, not token buckets
 * charged by size, and the model is these few events.
 */
export interface ModelInputs {
  users: number;
  /** Messages per conversation. */
  messages: number;
  /** Conversations each user holds in turn (a long run gives the steady state). */
  conversationsPerUser: number;
  /** Mean think time between messages, ms (drawn uniformly from 50-150%). */
  thinkTimeMs: number;
  /** Provider tokens charged per message (prompt plus reserved completion of all its calls). */
  chargedPerMessage: number;
  llmCallsPerMessage: number;
  /** One provider call, ms: median and 95th percentile. */
  callP50Ms: number;
  callP95Ms: number;
  /** Server CPU per message, ms, on one replica's event loop. */
  cpuPerMessageMs: number;
  replicas: number;
  rpm: number;
  tpm: number;
  /** How long a provider minute lasts, ms (60,000 x time scale). */
  minuteMs: number;
  /** Budget left at the start, 0..1 (1: a full bucket). */
  startingBudget: number;
  seed: number;
}

export interface ModelResult {
  /** Every message latency, ms, sorted. */
  latenciesMs: number[];
  makespanMs: number;
  p50Ms: number;
  p95Ms: number;
}

interface Event {
  at: number;
  user: number;
  kind: 'send' | 'call' | 'called' | 'answered';
}

export function simulateStage(inputs: ModelInputs, measureFromMs = 0): ModelResult {
  const random = seededRandom(inputs.seed);
  const rng = createRng(inputs.seed);
  const sigma = Math.max(0, Math.log(Math.max(inputs.callP95Ms, inputs.callP50Ms) / inputs.callP50Ms) / 1.645);
  const callMs = () => lognormal(rng, inputs.callP50Ms, sigma);
  const perCallTokens = inputs.chargedPerMessage / Math.max(1e-9, inputs.llmCallsPerMessage);
  const tokenRate = inputs.tpm / inputs.minuteMs;
  const requestRate = inputs.rpm / inputs.minuteMs;
  let tokens = inputs.tpm * inputs.startingBudget;
  let requests = inputs.rpm * inputs.startingBudget;
  let bucketAt = 0;
  let lastAdmit = 0;
  const cpuFreeAt = new Array<number>(Math.max(1, inputs.replicas)).fill(0);
  const users = Array.from({ length: inputs.users }, () => ({ sentAt: 0, callsLeft: 0, sent: 0 }));
  const latencies: number[] = [];
  let makespan = 0;
  const queue = new MinHeap<Event>((a, b) => a.at - b.at);
  for (let u = 0; u < inputs.users; u++) queue.push({ at: 0, user: u, kind: 'send' });
  const total = inputs.messages * inputs.conversationsPerUser;

  const cpu = (user: number, at: number, ms: number) => {
    const replica = user % cpuFreeAt.length;
    const start = Math.max(at, cpuFreeAt[replica]!);
    cpuFreeAt[replica] = start + ms;
    return start + ms;
  };
  const admit = (at: number) => {
    // FIFO: no call passes an earlier one; each waits until both buckets hold its charge.
    let t = Math.max(at, lastAdmit);
    const refill = (to: number) => {
      tokens = Math.min(inputs.tpm, tokens + (to - bucketAt) * tokenRate);
      requests = Math.min(inputs.rpm, requests + (to - bucketAt) * requestRate);
      bucketAt = to;
    };
    refill(t);
    const need = Math.min(perCallTokens, inputs.tpm);
    const wait = Math.max(0, (need - tokens) / tokenRate, (1 - requests) / requestRate);
    if (wait > 0) {
      t += wait;
      refill(t);
    }
    tokens -= need;
    requests -= 1;
    lastAdmit = t;
    return t;
  };

  for (let e = queue.pop(); e; e = queue.pop()) {
    const user = users[e.user]!;
    switch (e.kind) {
      case 'send': {
        user.sentAt = e.at;
        user.sent += 1;
        const whole = Math.floor(inputs.llmCallsPerMessage);
        user.callsLeft = whole + (random() < inputs.llmCallsPerMessage - whole ? 1 : 0);
        queue.push({ at: cpu(e.user, e.at, inputs.cpuPerMessageMs / 2), user: e.user, kind: user.callsLeft > 0 ? 'call' : 'answered' });
        break;
      }
      case 'call':
        queue.push({ at: admit(e.at) + callMs(), user: e.user, kind: 'called' });
        break;
      case 'called':
        user.callsLeft -= 1;
        queue.push(user.callsLeft > 0 ? { at: e.at, user: e.user, kind: 'call' } : { at: cpu(e.user, e.at, inputs.cpuPerMessageMs / 2), user: e.user, kind: 'answered' });
        break;
      case 'answered': {
        if (user.sentAt >= measureFromMs) latencies.push(e.at - user.sentAt);
        makespan = Math.max(makespan, e.at);
        if (user.sent < total) queue.push({ at: e.at + jitteredThinkMs(random, inputs.thinkTimeMs), user: e.user, kind: 'send' });
        break;
      }
    }
  }
  latencies.sort((a, b) => a - b);
  return { latenciesMs: latencies, makespanMs: makespan, p50Ms: quantile(latencies, 0.5), p95Ms: quantile(latencies, 0.95) };
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A binary heap; events of equal time leave in insertion order. */
class MinHeap<T> {
  readonly #items: Array<{ value: T; order: number }> = [];
  readonly #compare: (a: T, b: T) => number;
  #order = 0;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  push(value: T): void {
    const items = this.#items;
    items.push({ value, order: this.#order++ });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#less(items[parent]!, items[i]!)) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (!top || !last) return undefined;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.#less(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.#less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[m], items[i]] = [items[i]!, items[m]!];
        i = m;
      }
    }
    return top.value;
  }

  #less(a: { value: T; order: number }, b: { value: T; order: number }): boolean {
    const c = this.#compare(a.value, b.value);
    return c < 0 || (c === 0 && a.order < b.order);
  }
}
