import { fetch as undiciFetch } from 'undici';
import type { AgentClient } from './agent-client.js';
import { stageFigures } from './prometheus-figures.js';
import { parseExposition, type Exposition } from './prometheus-text.js';
import type { ServerObservation, StageReport } from './report-types.js';
import { EVENT_LOOP_LAG_FIELDS, firstNumericField, QUEUE_DEPTH_FIELDS, SIM_RATE_LIMITED_FIELDS, SIM_RATE_LIMITED_GROUP, SIM_REQUEST_FIELDS, sumNumericFields } from './stats-fields.js';

/**
 * Samples the servers' `GET /stats` during a stage (event-loop lag, work in progress), and
 * scrapes their `GET /metrics` at its start and end for the server's own figures. A server
 * without a route (404) or that refuses it (401/403) is simply not asked again: the report
 * then says "not reported" instead of guessing.
 */
export class ServerStatsPoller {
  readonly #clients: AgentClient[];
  readonly #intervalMs: number;
  readonly #unavailable = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #samples = 0;
  #maxLag: { path: string; value: number } | undefined;
  #maxQueue: { path: string; value: number } | undefined;
  #last: unknown = null;
  #inFlight = false;
  /** Scrapes of every target at the stage's start; undefined when one could not be read. */
  #metricsBefore: Exposition[] | undefined;
  #metricsUnavailable = false;

  constructor(clients: AgentClient[], intervalMs: number) {
    this.#clients = clients;
    this.#intervalMs = intervalMs;
  }

  get available(): boolean {
    return this.#unavailable.size < this.#clients.length;
  }

  /** Reset the servers' own stats windows (event-loop lag) when they allow it, then sample periodically. */
  async start(): Promise<void> {
    this.#samples = 0;
    this.#maxLag = undefined;
    this.#maxQueue = undefined;
    this.#last = null;
    await Promise.all(this.#clients.map((client, index) => (this.#unavailable.has(index) ? undefined : client.post('/stats/reset'))));
    this.#metricsBefore = await this.#scrapeAll();
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), this.#intervalMs);
    this.#timer.unref();
  }

  async sample(): Promise<void> {
    if (this.#inFlight || !this.available) return;
    this.#inFlight = true;
    try {
      await Promise.all(
        this.#clients.map(async (client, index) => {
          if (this.#unavailable.has(index)) return;
          const answer = await client.getJson('/stats', 5000);
          if (!answer || answer.status === 404 || answer.status === 401 || answer.status === 403) {
            this.#unavailable.add(index);
            return;
          }
          if (answer.status !== 200) return;
          this.#samples++;
          this.#last = answer.body;
          const lag = firstNumericField(answer.body, EVENT_LOOP_LAG_FIELDS);
          if (lag && (!this.#maxLag || lag.value > this.#maxLag.value)) this.#maxLag = lag;
          const queue = firstNumericField(answer.body, QUEUE_DEPTH_FIELDS);
          if (queue && (!this.#maxQueue || queue.value > this.#maxQueue.value)) this.#maxQueue = queue;
        }),
      );
    } finally {
      this.#inFlight = false;
    }
  }

  async stop(): Promise<ServerObservation> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.available) await this.sample();
    const before = this.#metricsBefore;
    const after = before ? await this.#scrapeAll() : undefined;
    const prometheus = before && after ? stageFigures(before, after) : null;
    return {
      prometheus,
      statsAvailable: this.#samples > 0,
      samples: this.#samples,
      maxEventLoopLagMs: this.#maxLag?.value ?? null,
      eventLoopLagField: this.#maxLag?.path ?? null,
      maxQueueDepth: this.#maxQueue?.value ?? null,
      queueDepthField: this.#maxQueue?.path ?? null,
      last: this.#last,
    };
  }

  /**
   * `/metrics` of every target, or undefined when one could not be read. A target without the
   * route or that refuses our key (404, 401, 403) is not asked again.
   */
  async #scrapeAll(): Promise<Exposition[] | undefined> {
    if (this.#metricsUnavailable) return undefined;
    const scrapes = await Promise.all(
      this.#clients.map(async (client) => {
        const answer = await client.getText('/metrics', 5000);
        if (answer && [401, 403, 404].includes(answer.status)) this.#metricsUnavailable = true;
        if (!answer || answer.status !== 200) return undefined;
        try {
          return parseExposition(answer.text);
        } catch {
          return undefined;
        }
      }),
    );
    return scrapes.every((s): s is Exposition => s !== undefined) ? scrapes : undefined;
  }
}

/** The simulator's own counters: what the provider saw. Only when the simulator is ours. */
export class SimulatorObserver {
  readonly #baseUrl: string;

  constructor(simUrl: string) {
    this.#baseUrl = simUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  }

  /** Zero the simulator's counters (and its rate-limit buckets) so each stage starts clean. */
  async reset(): Promise<boolean> {
    try {
      const response = await undiciFetch(`${this.#baseUrl}/sim/reset`, { method: 'POST', signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }

  /** `GET /sim/stats` as it is. */
  async stats(): Promise<unknown> {
    const response = await undiciFetch(`${this.#baseUrl}/sim/stats`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET /sim/stats answered ${response.status}`);
    return response.json();
  }

  async observe(): Promise<StageReport['provider']> {
    try {
      const response = await undiciFetch(`${this.#baseUrl}/sim/stats`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) return NO_PROVIDER_STATS;
      const stats = (await response.json()) as unknown;
      const group = sumNumericFields(stats, SIM_RATE_LIMITED_GROUP);
      const single = group ? undefined : firstNumericField(stats, SIM_RATE_LIMITED_FIELDS);
      return {
        source: 'simulator',
        rateLimited: group?.total ?? single?.value ?? null,
        rateLimitedDetail: group ? group.parts.map((p) => `${p.path} ${p.value}`).join(', ') : (single?.path ?? null),
        requests: firstNumericField(stats, SIM_REQUEST_FIELDS)?.value ?? null,
        stats,
      };
    } catch {
      return NO_PROVIDER_STATS;
    }
  }
}

export const NO_PROVIDER_STATS: StageReport['provider'] = Object.freeze({ source: 'none', rateLimited: null, rateLimitedDetail: null, requests: null, stats: null }) as StageReport['provider'];
