import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../shared/api-error.js';
import type { JsonApi } from '../shared/json-api.js';
import { format, LineChart } from './line-chart.js';
import { addSample, HISTORY_MS, type Limit, type Sample, type Stats } from './stats-history.js';

/** How often `/stats` is read: often enough to see a load test move, cheap for the server. */
const DEFAULT_EVERY_MS = 1000;

function pollInterval(): number {
  const asked = Number(new URLSearchParams(location.search).get('every'));
  return Number.isFinite(asked) && asked >= 200 ? asked : DEFAULT_EVERY_MS;
}

/** `/ops`: the server's live state from `GET /stats`, polled, with the last ten minutes charted. */
export function OpsView({ api, onAuthFailed }: { api: JsonApi; onAuthFailed: () => void }) {
  const [stats, setStats] = useState<Stats | undefined>(undefined);
  const [history, setHistory] = useState<Sample[]>([]);
  const [lost, setLost] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<number | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const every = pollInterval();
    const poll = async () => {
      try {
        const next = await api.get<Stats>('/stats');
        if (stopped) return;
        const at = Date.now();
        setStats(next);
        setHistory((h) => addSample(h, next, at));
        setUpdatedAt(at);
        setLost(false);
      } catch (error) {
        if (error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')) return onAuthFailed();
        setLost(true);
      }
      // The next poll starts after this one ends, so a slow server is never asked twice at once.
      if (!stopped) timer = setTimeout(poll, every);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api]);

  const a = stats?.admission;
  const m = stats?.messages;
  const series = <K extends keyof Sample>(key: K) => history.map((s) => s[key] as number | null);
  return (
    <div class="ops">
      <header class="ops-header">
        <h1>Live view</h1>
        <p class={lost ? 'problem' : 'hint'} role="status">
          {lost ? 'Cannot reach the server; retrying…' : updatedAt ? `Updated ${new Date(updatedAt).toLocaleTimeString()}` : 'Connecting…'}
          {a && a.timeScale !== 1 ? ` · time scale ${a.timeScale}: the provider runs ${Math.round(1 / a.timeScale)}x faster than real time` : ''}
          {a?.admission === 'off' ? ' · admission control is off: no budget is tracked' : ''}
        </p>
      </header>
      <section aria-labelledby="now-title">
        <h2 id="now-title">Now</h2>
        <dl class="figures">
          <Figure id="runs-in-progress" label="Runs in progress" value={format(stats?.runsInProgress ?? null, '')} />
          <Figure id="queue-depth" label="Admission queue" value={a ? `${a.queue.depth}` : '–'} note={a ? `${a.queue.continuing} continuing, ${a.queue.new} new` : undefined} />
          <Figure id="queue-wait" label="Queue wait p50 / p95" value={a ? `${format(a.queueWaitMs.p50, 'ms')} / ${format(a.queueWaitMs.p95, 'ms')}` : '–'} />
          <Figure id="requests-budget" label="Requests left this minute" value={budget(a?.budget.requests)} />
          <Figure id="tokens-budget" label="Tokens left this minute" value={budget(a?.budget.tokens)} />
          <Figure id="rate-limited" label="Provider 429s" value={a ? `${a.provider.rateLimited}` : '–'} note={a ? `of ${a.provider.calls} calls` : undefined} />
          <Figure id="sheds" label="Shed (503 OVERLOADED)" value={a ? `${a.sheds.total}` : '–'} note={a ? `${a.sheds.deadline} past deadline, ${a.sheds['queue-full']} queue full` : undefined} />
          <Figure
            id="latency"
            label={`Message latency p50 / p95 (last ${m?.latencyMs.windowSec ?? 60} s)`}
            value={m ? `${format(m.latencyMs.p50, 'ms')} / ${format(m.latencyMs.p95, 'ms')}` : '–'}
            note={m ? `${m.latencyMs.count} answered in the window` : undefined}
          />
          <Figure id="answered" label="Messages answered / failed" value={m ? `${m.answered} / ${m.failed}` : '–'} />
          <Figure id="cost" label="Cost so far" value={m ? `$${m.costUsd.toFixed(4)}` : '–'} />
          <Figure id="event-loop" label="Event-loop lag p99" value={format(stats?.eventLoopLag?.p99Ms ?? null, 'ms')} note={a ? `circuit ${a.circuit.state}` : undefined} />
        </dl>
      </section>
      <section aria-labelledby="charts-title">
        <h2 id="charts-title">Last {Math.round(HISTORY_MS / 60_000)} minutes</h2>
        <div class="charts">
          <LineChart title="Runs in progress and queued" unit="" series={[{ name: 'runs', tone: 'a', values: series('runs') }, { name: 'queued', tone: 'b', values: series('queue') }]} />
          <LineChart title="Provider budget left" unit="%" max={100} series={[{ name: 'requests', tone: 'a', values: series('requestsLeftPct') }, { name: 'tokens', tone: 'b', values: series('tokensLeftPct') }]} />
          <LineChart title="Message latency" unit="ms" series={[{ name: 'p50', tone: 'a', values: series('p50') }, { name: 'p95', tone: 'b', values: series('p95') }]} />
          <LineChart title="429s and sheds per poll" unit="" bars series={[{ name: '429s', tone: 'a', values: series('rateLimited') }, { name: 'sheds', tone: 'b', values: series('sheds') }]} />
        </div>
      </section>
    </div>
  );
}

function budget(limit: Limit | undefined): string {
  if (!limit || limit.limit === null || limit.remaining === null) return '–';
  return `${Math.round(limit.remaining).toLocaleString()} of ${Math.round(limit.limit).toLocaleString()}`;
}

function Figure({ id, label, value, note }: { id: string; label: string; value: string; note?: string | undefined }) {
  return (
    <div class="figure" data-figure={id}>
      <dt>{label}</dt>
      <dd>
        <span class="value">{value}</span>
        {note && <span class="note">{note}</span>}
      </dd>
    </div>
  );
}
