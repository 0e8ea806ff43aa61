import * as hdr from 'hdr-histogram-js';
import type { ConciergeError } from '../shared/errors.js';
import { AdmissionShedError, llmRequestTooLarge, type ShedReason } from './admission-errors.js';
import { AdmissionQueue, type Priority } from './admission-queue.js';
import type { RateBudget, Reservation, SettleRequest } from './budget.js';
import { abortReason, type Clock } from '../shared/clock.js';
import type { Need } from './token-bucket.js';
import { DEMAND_ROUNDS, throughRound, type Demand, type DemandBoard } from './demand-board.js';
import { PromiseBook } from './promise-book.js';
import { predictWaitMs, promiseSlot, shedVerdict, slotMs } from './wait-prediction.js';

export interface AdmissionGateOptions {
  budget: RateBudget;
  clock: Clock;
  /** New messages allowed to wait at once; beyond it they are shed immediately. */
  queueMax: number;
  /** Floor of any Retry-After we give (real ms). */
  minRetryAfterMs: number;
  /** Spread for the re-polls of a shared budget (real ms), so processes do not retry in lockstep. */
  pollJitterMs?: number;
  random?: () => number;
  /**
   * Fraction of the bucket capacity that may be on its way to the provider at once (sent,
   * not yet answered). Default 1; a process sharing a budget with N others uses 1/N.
   */
  outstandingShare?: number;
  /** LLM calls a message is expected to take until enough are seen to know. Default 1. */
  callsPerMessagePrior?: number;
  /**
   * The other replicas' queues (replicas sharing the budget): predictions and the share of
   * the bucket on its way to the provider count them, so N replicas shed as one would.
   */
  demand?: DemandBoard;
}

export interface Ticket {
  customerId: string;
  priority: Priority;
  need: Need;
  /** Epoch ms (real) by which the call must have been answered. */
  deadlineAt: number;
  signal?: AbortSignal | undefined;
  /** A repeat of a failed attempt, not a new step of the message (not counted as one). */
  retry?: boolean;
}

/** How an admitted call ended, for its settlement. */
export interface CallOutcome extends SettleRequest {
  /** Real ms from sending to the end of the answer, when the provider answered. */
  durationMs?: number | undefined;
}

/**
 * One admitted call: its reservation and its place among the calls in flight, handed to
 * the caller as one handle so that the lifecycle cannot be got wrong. `delivered()` when the
 * provider has the call (its answer started, or the attempt failed); `settle()` once when it
 * is over, with what it cost and what the provider said.
 */
export interface Admitted {
  readonly reservation: Reservation;
  /** Real ms spent in the queue. */
  readonly waitedMs: number;
  /** The call is no longer on its way to the provider. Idempotent; `settle` implies it. */
  delivered(): void;
  /**
   * Settle the reservation with the budget and free the call's place, exactly once: a second
   * call throws (synchronously), since settling twice would count the call twice.
   */
  settle(outcome: CallOutcome): Promise<void>;
}

interface Entry extends Ticket {
  enqueuedAt: number;
  /**
   * Its reservation is on its way: the budget may already show it taken (the in-process
   * budget takes it at once), so predictions must not count it again.
   */
  reserving: boolean;
  resolve(admitted: Admitted): void;
  reject(error: unknown): void;
  cleanup(): void;
}

export interface GateStats {
  queue: { depth: number; continuing: number; new: number; max: number; customers: number };
  inFlight: number;
  admitted: number;
  queueWaitMs: { count: number; p50: number; p95: number; max: number };
  sheds: Record<ShedReason, number> & { total: number };
  /** Smoothed real duration of one provider call, used to predict whether a call can still make it. */
  serviceMs: number;
  /** Smoothed LLM calls per message (1 when callers give no run context). */
  callsPerMessage: number;
}

/** Weight of the most recent calls in the running averages: about the last 200. */
const DECAY = 0.995;

/**
 * The queue in front of the budget. A call asks for admission with its need, its customer,
 * its priority and its deadline; it is admitted when the budget can reserve it, in queue
 * order, or shed at once with a Retry-After when the predicted wait would take it past its
 * deadline. Nothing accepted is dropped silently: every call is admitted, shed, or rejected
 * with its own abort reason, and removed from the queue either way.
 */
export class AdmissionGate {
  readonly #options: AdmissionGateOptions;
  readonly #queue = new AdmissionQueue<Entry>();
  readonly #waits = hdr.build({ numberOfSignificantValueDigits: 2, lowestDiscernibleValue: 1, autoResize: true });
  readonly #sheds: Record<ShedReason, number> = { deadline: 0, 'queue-full': 0, closing: 0 };
  #inFlight = 0;
  #admitted = 0;
  #serviceMs = 0;
  /**
   * Decayed counts of calls (retries excluded) and of calls that opened a message. They
   * start from the prior, which the first few hundred calls replace with what is observed.
   */
  #calls: number;
  #messages = 1;
  /** Smoothed need of one call. */
  #avgNeed: Need = { requests: 1, tokens: 0 };
  /** Need of the calls sent and not yet answered. */
  #outstanding: Need = { requests: 0, tokens: 0 };
  #dispatching = false;
  #again = false;
  #cancelWake: (() => void) | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;
  #closed = false;
  /** Epoch ms up to which future throughput has been promised to shed callers (their Retry-After). */
  readonly #promises = new PromiseBook();
  /** Limits are unknown and must be learned: one probe call at a time until a header teaches them. */
  #learning: boolean;

  constructor(options: AdmissionGateOptions, learnLimits: boolean) {
    this.#options = options;
    this.#learning = learnLimits;
    this.#calls = Math.max(1, options.callsPerMessagePrior ?? 1);
  }

  admit(ticket: Ticket): Promise<Admitted> {
    const { clock } = this.#options;
    this.#options.demand?.nudge?.();
    if (this.#closed) return Promise.reject(this.#shed('closing', this.#options.minRetryAfterMs, 'the server is shutting down'));
    if (ticket.signal?.aborted) return Promise.reject(abortReason(ticket.signal));
    const limits = this.#options.budget.snapshot();
    for (const bucket of ['tokens', 'requests'] as const) {
      const limit = limits[bucket].limit;
      if (limit !== undefined && ticket.need[bucket] > limit) return Promise.reject(tooLarge(ticket.need[bucket], bucket, limit));
    }
    const now = clock.now();
    return new Promise<Admitted>((resolve, reject) => {
      let cancelTimer: (() => void) | undefined;
      const onAbort = () => {
        if (this.#queue.remove(entry)) {
          entry.cleanup();
          reject(abortReason(ticket.signal!));
          this.#kick();
        }
      };
      const entry: Entry = {
        ...ticket,
        enqueuedAt: now,
        reserving: false,
        resolve,
        reject,
        cleanup: () => {
          cancelTimer?.();
          ticket.signal?.removeEventListener('abort', onAbort);
        },
      };
      if (ticket.priority === 'new' && this.#queue.sizeOf('new') >= this.#options.queueMax) {
        // Continuing calls are not bounded here: their number is bounded by the messages already admitted.
        this.#queue.push(entry);
        const wait = this.#predict(entry);
        this.#queue.remove(entry);
        reject(this.#shed('queue-full', this.#retryAfter(entry, wait, now), `the admission queue is full (${this.#options.queueMax} messages waiting)`));
        return;
      }
      this.#queue.push(entry);
      const wait = this.#predict(entry);
      const verdict = shedVerdict({ now, deadlineAt: ticket.deadlineAt, waitMs: wait, serviceMs: this.#serviceFor(entry), minRetryAfterMs: this.#options.minRetryAfterMs });
      if (verdict.shed) {
        this.#queue.remove(entry);
        reject(this.#shed('deadline', this.#retryAfter(entry, wait, now), 'the message cannot be answered within its deadline at the current provider rate limit'));
        return;
      }
      ticket.signal?.addEventListener('abort', onAbort, { once: true });
      // A backstop: whatever happens to the budget, no call outlives its deadline in the queue.
      cancelTimer = clock.setTimer(ticket.deadlineAt - now - this.#serviceFor(entry), () => {
        if (!this.#queue.has(entry)) return;
        const at = clock.now();
        const wait = this.#predict(entry);
        this.#queue.remove(entry);
        entry.cleanup();
        entry.reject(this.#shed('deadline', this.#retryAfter(entry, wait, at), 'the message could not be answered within its deadline'));
        this.#kick();
      });
      this.#kick();
    });
  }

  /**
   * Would a new message arriving now be shed? Asked before the server spends anything on the
   * message (a run record, a checkpoint, a prompt), so that under overload the refusal costs
   * next to nothing and comes at once. The message's prompt does not exist yet, so it is
   * weighed as the average recent call; nothing is queued or reserved.
   */
  preflight(customerId: string, deadlineAt: number): AdmissionShedError | undefined {
    this.#options.demand?.nudge?.();
    const { clock } = this.#options;
    if (this.#closed) return this.#shed('closing', this.#options.minRetryAfterMs, 'the server is shutting down');
    if (this.#admitted === 0 || this.#learning) return undefined;
    const now = clock.now();
    const entry: Entry = {
      customerId,
      priority: 'new',
      need: this.#avgNeed,
      deadlineAt,
      enqueuedAt: now,
      reserving: false,
      resolve: () => {},
      reject: () => {},
      cleanup: () => {},
    };
    if (this.#queue.sizeOf('new') >= this.#options.queueMax) {
      this.#queue.push(entry);
      const wait = this.#predict(entry);
      this.#queue.remove(entry);
      return this.#shed('queue-full', this.#retryAfter(entry, wait, now), `the admission queue is full (${this.#options.queueMax} messages waiting)`);
    }
    this.#queue.push(entry);
    const wait = this.#predict(entry);
    this.#queue.remove(entry);
    const verdict = shedVerdict({ now, deadlineAt, waitMs: wait, serviceMs: this.#serviceFor(entry), minRetryAfterMs: this.#options.minRetryAfterMs });
    if (!verdict.shed) return undefined;
    return this.#shed('deadline', this.#retryAfter(entry, wait, now), 'the message cannot be answered within its deadline at the current provider rate limit');
  }

  /** The handle of a call just admitted with `reservation`. */
  #handleFor(reservation: Reservation, waitedMs: number): Admitted {
    let delivered = false;
    let settled = false;
    const deliver = () => {
      if (delivered) return;
      delivered = true;
      // The provider has certainly received the call: it no longer counts as on its way.
      this.#outstanding = add(this.#outstanding, scale(reservation.need, -1));
      if (this.#outstanding.requests < 0.5) this.#outstanding = { requests: 0, tokens: 0 };
      this.#kick();
    };
    return {
      reservation,
      waitedMs,
      delivered: deliver,
      settle: (outcome) => {
        if (settled) throw new Error('this admitted call has already been settled');
        settled = true;
        deliver();
        this.#inFlight = Math.max(0, this.#inFlight - 1);
        const { durationMs, ...request } = outcome;
        if (durationMs !== undefined && durationMs >= 0) this.#serviceMs = this.#serviceMs === 0 ? durationMs : this.#serviceMs * 0.8 + durationMs * 0.2;
        return this.#settleBudget(reservation, request);
      },
    };
  }

  /** Settle a reservation with the budget (when there is anything to settle) and let waiting calls try again. */
  async #settleBudget(reservation: Reservation, request: SettleRequest): Promise<void> {
    try {
      const nothing = request.delta === undefined && request.limits === undefined && request.pauseForMs === undefined && !request.drain;
      if (!nothing) await this.#options.budget.settle(reservation, request);
    } finally {
      this.#kick();
    }
  }

  /** Headers arrived: learned limits (or learned that the provider sends none). */
  limitsLearned(): void {
    if (!this.#learning) return;
    this.#learning = false;
    this.#kick();
  }

  get serviceMs(): number {
    return this.#serviceMs;
  }

  stats(): GateStats {
    const h = this.#waits;
    const ms = (us: number) => Math.round(us / 10) / 100;
    return {
      queue: {
        depth: this.#queue.size,
        continuing: this.#queue.sizeOf('continuing'),
        new: this.#queue.sizeOf('new'),
        max: this.#options.queueMax,
        customers: this.#queue.customers,
      },
      inFlight: this.#inFlight,
      admitted: this.#admitted,
      queueWaitMs: {
        count: h.totalCount,
        p50: h.totalCount ? ms(h.getValueAtPercentile(50)) : 0,
        p95: h.totalCount ? ms(h.getValueAtPercentile(95)) : 0,
        max: h.totalCount ? ms(h.maxValue) : 0,
      },
      sheds: { ...this.#sheds, total: this.#sheds.deadline + this.#sheds['queue-full'] + this.#sheds.closing },
      serviceMs: Math.round(this.#serviceMs),
      callsPerMessage: Math.round(this.#callsPerMessage() * 100) / 100,
    };
  }

  /** Shed everything still waiting; later calls are shed at once. */
  close(): void {
    this.#closed = true;
    this.#cancelWake?.();
    for (let entry = this.#queue.shift(); entry; entry = this.#queue.shift()) {
      entry.cleanup();
      entry.reject(this.#shed('closing', this.#options.minRetryAfterMs, 'the server is shutting down'));
    }
  }

  /**
   * Predicted wait of a queued entry, its own need included. A call that opens a message
   * stands for the whole message: it weighs as many calls as a message takes on average, and
   * it waits behind the next steps of the messages in flight, which will jump the queue.
   * Without that, a first call would be admitted at the very end of its deadline and its
   * message shed at the second step, after spending budget.
   */
  #predict(entry: Entry): number {
    const through = this.#queue.sumThrough(entry, (e) => this.#weigh(e), { requests: 0, tokens: 0 });
    const ahead = add(through, this.#elsewhere(entry));
    return predictWaitMs(entry.priority === 'new' ? add(ahead, this.#pendingSteps()) : ahead, this.#options.budget.snapshot());
  }

  /**
   * What other replicas will take from the shared budget before this entry: everything they
   * have continuing and their messages' next steps, for a new call; and the rounds of their
   * round robin of its own class up to the entry's place in its customer's lane.
   */
  #elsewhere(entry: Entry): Need {
    const board = this.#options.demand;
    if (!board) return NOTHING;
    const others = board.others();
    const place = this.#queue.laneIndex(entry);
    if (entry.priority === 'continuing') return throughRound(others.rounds.continuing, place);
    return add(add(throughRound(others.rounds.continuing, DEMAND_ROUNDS), others.pendingSteps), throughRound(others.rounds.new, place));
  }

  /** This replica's queue as the other replicas' predictions need it (see DemandBoard). */
  demand(): Demand {
    const weigh = (e: Entry) => this.#weigh(e);
    return {
      rounds: {
        continuing: this.#queue.roundTotals('continuing', weigh, { requests: 0, tokens: 0 }, DEMAND_ROUNDS),
        new: this.#queue.roundTotals('new', weigh, { requests: 0, tokens: 0 }, DEMAND_ROUNDS),
      },
      pendingSteps: this.#pendingSteps(),
    };
  }

  /** What a queued entry will take from the budget before its message is done. */
  #weigh(entry: Entry): Need {
    if (entry.reserving) return NOTHING;
    return entry.priority === 'new' ? scale(entry.need, this.#callsPerMessage()) : entry.need;
  }

  /** Budget the next steps of messages now in flight are expected to take. */
  #pendingSteps(): Need {
    const k = this.#callsPerMessage();
    return scale(this.#avgNeed, this.#inFlight * (1 - 1 / k));
  }

  /**
   * Time the entry's message still needs once admitted: its calls, and between them the
   * budget its next steps must wait for (short: they go first, but they still need a slot).
   */
  #serviceFor(entry: Entry): number {
    if (entry.priority !== 'new') return this.#serviceMs;
    const k = this.#callsPerMessage();
    return this.#serviceMs * k + (k - 1) * slotMs(this.#avgNeed, this.#options.budget.snapshot());
  }

  /**
   * Whether sending `need` now could put more on its way to the provider than its bucket
   * holds. Calls reserved at once may reach the provider together, later: if its bucket sat
   * full (capped) meanwhile, it lost the refill ours counted, and the late burst would
   * overshoot. Bounding what is outstanding to one bucket closes that gap; it never binds in
   * a steady flow, where far less than a bucket is in flight.
   */
  #tooMuchOutstanding(need: Need): boolean {
    if (this.#outstanding.requests <= 0) return false;
    const share = this.#options.demand ? 1 / Math.max(1, this.#options.demand.replicas()) : (this.#options.outstandingShare ?? 1);
    const view = this.#options.budget.snapshot();
    const over = (name: 'requests' | 'tokens') => this.#outstanding[name] + need[name] > view[name].capacity * share;
    return over('requests') || over('tokens');
  }

  #callsPerMessage(): number {
    return this.#messages > 0.01 ? Math.max(1, this.#calls / this.#messages) : 1;
  }

  #countAdmission(entry: Entry): void {
    if (entry.retry) return;
    this.#calls = this.#calls * DECAY + 1;
    this.#messages = this.#messages * DECAY + (entry.priority === 'new' ? 1 : 0);
    this.#avgNeed =
      this.#admitted <= 1
        ? entry.need
        : { requests: this.#avgNeed.requests * 0.9 + entry.need.requests * 0.1, tokens: this.#avgNeed.tokens * 0.9 + entry.need.tokens * 0.1 };
  }

  /** Promise the shed call a slot of future throughput and say when to come back for it. */
  #retryAfter(entry: Entry, waitMs: number, now: number): number {
    const retryAfterMs = promiseSlot({
      now,
      waitMs,
      slotMs: slotMs(this.#weigh({ ...entry, reserving: false }), this.#options.budget.snapshot()),
      outstanding: this.#promises.outstanding(now),
      serviceMs: this.#serviceFor(entry),
      deadlineAt: entry.deadlineAt,
      minRetryAfterMs: this.#options.minRetryAfterMs,
    });
    this.#promises.add(now + retryAfterMs);
    return retryAfterMs;
  }

  #shed(reason: ShedReason, retryAfterMs: number, message: string): AdmissionShedError {
    this.#sheds[reason] += 1;
    return new AdmissionShedError(reason, retryAfterMs, message);
  }

  #kick(): void {
    void this.#dispatch();
  }

  async #dispatch(): Promise<void> {
    if (this.#dispatching) {
      this.#again = true;
      return;
    }
    this.#dispatching = true;
    try {
      do {
        this.#again = false;
        await this.#serveHead();
      } while (this.#again && !this.#closed);
    } finally {
      this.#dispatching = false;
    }
  }

  async #serveHead(): Promise<void> {
    const { budget, clock } = this.#options;
    for (;;) {
      const head = this.#queue.peek();
      if (!head || this.#closed) return;
      if (this.#learning && this.#inFlight > 0) return; // the probe's answer will kick us
      if (this.#tooMuchOutstanding(head.need)) return; // an answer will kick us
      head.reserving = true;
      const outcome = await budget.reserve(head.need);
      head.reserving = false;
      if (outcome.ok) {
        if (!this.#queue.remove(head)) {
          // Aborted or shed while the reservation was on its way: give it back untouched.
          await budget.settle(outcome.reservation, { delta: { requests: -head.need.requests, tokens: -head.need.tokens } });
          continue;
        }
        head.cleanup();
        const waitedMs = Math.max(0, clock.now() - head.enqueuedAt);
        this.#waits.recordValue(Math.max(1, Math.round(waitedMs * 1000)));
        this.#admitted += 1;
        this.#inFlight += 1;
        this.#outstanding = add(this.#outstanding, head.need);
        this.#countAdmission(head);
        head.resolve(this.#handleFor(outcome.reservation, waitedMs));
        continue;
      }
      if (outcome.reason === 'too-large') {
        if (this.#queue.remove(head)) {
          head.cleanup();
          head.reject(tooLarge(head.need[outcome.bucket], outcome.bucket, outcome.limit));
        }
        continue;
      }
      this.#shedHopeless();
      this.#wake(outcome.waitMs);
      return;
    }
  }

  /** Re-predict every waiting call against the budget as it is now, and shed those that can no longer make it. */
  #shedHopeless(): void {
    const { clock, budget, minRetryAfterMs } = this.#options;
    const now = clock.now();
    const view = budget.snapshot();
    let through: Need = { requests: 0, tokens: 0 };
    const pending = this.#pendingSteps();
    const hopeless: Array<{ entry: Entry; waitMs: number }> = [];
    for (const entry of this.#queue.inOrder()) {
      if (entry.reserving) continue;
      const next = add(through, this.#weigh(entry));
      const ahead = add(next, this.#elsewhere(entry));
      const waitMs = predictWaitMs(entry.priority === 'new' ? add(ahead, pending) : ahead, view);
      const verdict = shedVerdict({ now, deadlineAt: entry.deadlineAt, waitMs, serviceMs: this.#serviceFor(entry), minRetryAfterMs });
      if (verdict.shed) hopeless.push({ entry, waitMs });
      else through = next;
    }
    for (const { entry, waitMs } of hopeless) {
      if (!this.#queue.remove(entry)) continue;
      entry.cleanup();
      entry.reject(this.#shed('deadline', this.#retryAfter(entry, waitMs, now), 'the message can no longer be answered within its deadline at the current provider rate limit'));
    }
  }

  #wake(waitMs: number): void {
    const { clock, pollJitterMs = 0, random = Math.random } = this.#options;
    const delay = Math.max(1, Math.ceil(waitMs + random() * pollJitterMs));
    const at = clock.now() + delay;
    if (this.#cancelWake && this.#wakeAt <= at) return;
    this.#cancelWake?.();
    this.#wakeAt = at;
    this.#cancelWake = clock.setTimer(delay, () => {
      this.#cancelWake = undefined;
      this.#wakeAt = Number.POSITIVE_INFINITY;
      this.#kick();
    });
  }
}

const NOTHING: Need = { requests: 0, tokens: 0 };

function add(a: Need, b: Need): Need {
  return { requests: a.requests + b.requests, tokens: a.tokens + b.tokens };
}

function scale(need: Need, factor: number): Need {
  return { requests: need.requests * factor, tokens: need.tokens * factor };
}

function tooLarge(need: number, bucket: 'requests' | 'tokens', limit: number): ConciergeError {
  return llmRequestTooLarge(`this call needs ${need} ${bucket} but the provider allows ${limit} per minute; shorten the conversation or raise the limit`);
}
