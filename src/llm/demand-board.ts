import type { Priority } from './admission-queue.js';
import type { Need } from './token-bucket.js';

/** Rounds of the round robin a replica reports; the last holds every later round too. */
export const DEMAND_ROUNDS = 8;

/**
 * What one replica's admission queue waits for, in the shape predictions need: per priority
 * class, the need of each round of its round robin (round r = the r-th queued call of every
 * customer), and the next steps of its messages in flight, which jump every queue.
 */
export interface Demand {
  rounds: Record<Priority, Need[]>;
  pendingSteps: Need;
}

/**
 * The other replicas' demand, as last seen. Replicas sharing one provider budget each queue a
 * part of the traffic; a gate that predicted waits from its own queue alone would see a third
 * of the queue with three replicas and shed too little. With the board, a new call waits
 * behind everything continuing anywhere, the next steps of messages anywhere, and, of the
 * new calls elsewhere, the rounds the round robin serves before its own: so the shed
 * decision, and the fair share between customers, are those of one queue.
 */
export interface DemandBoard {
  others(): Demand;
  /** A call arrived: a board that refreshes from elsewhere may refresh now. */
  nudge?(): void;
  /** Replicas sharing the budget, this one included. */
  replicas(): number;
  close(): Promise<void>;
}

const ZERO: Need = { requests: 0, tokens: 0 };

export function emptyDemand(): Demand {
  return { rounds: { continuing: Array.from({ length: DEMAND_ROUNDS }, () => ({ ...ZERO })), new: Array.from({ length: DEMAND_ROUNDS }, () => ({ ...ZERO })) }, pendingSteps: { ...ZERO } };
}

/** Several replicas' demand, summed round by round. */
export function sumDemand(demands: Iterable<Demand>): Demand {
  const total = emptyDemand();
  for (const d of demands) {
    for (const priority of ['continuing', 'new'] as const) {
      d.rounds[priority].forEach((need, r) => {
        const slot = total.rounds[priority][Math.min(r, DEMAND_ROUNDS - 1)]!;
        slot.requests += need.requests;
        slot.tokens += need.tokens;
      });
    }
    total.pendingSteps.requests += d.pendingSteps.requests;
    total.pendingSteps.tokens += d.pendingSteps.tokens;
  }
  return total;
}

/** Rounds 0..index of a class, summed: what the round robin serves before, and with, a call at `index`. */
export function throughRound(rounds: Need[], index: number): Need {
  const sum = { ...ZERO };
  for (let r = 0; r <= Math.min(Math.max(index, 0), rounds.length - 1); r += 1) {
    sum.requests += rounds[r]!.requests;
    sum.tokens += rounds[r]!.tokens;
  }
  return sum;
}

/**
 * Replicas in one process sharing demand without delay (tests, and the bench's in-process
 * comparisons): each replica's board sees the others' queues as they are.
 */
export class MemoryDemandBoards {
  readonly #sources = new Map<string, () => Demand>();

  board(replicaId: string, source: () => Demand): DemandBoard {
    this.#sources.set(replicaId, source);
    return {
      others: () => sumDemand([...this.#sources].filter(([id]) => id !== replicaId).map(([, s]) => s())),
      replicas: () => this.#sources.size,
      close: async () => {
        this.#sources.delete(replicaId);
      },
    };
  }
}
