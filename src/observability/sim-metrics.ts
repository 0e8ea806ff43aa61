import { Counter, Gauge, Registry } from 'prom-client';
import type { SimStats } from '../sim/sim-stats.js';
import type { Exposition } from './metrics-route.js';
import { withProcessMetrics } from './process-metrics.js';
import { setCounter } from './server-metrics.js';

/**
 * What the provider simulator exports on its `/metrics`: requests, 429s by what ran out,
 * tokens (charged is what its TPM bucket took), the buckets' levels, requests in flight and
 * injected faults. All read from the engine's counters at scrape time, so they match
 * `/sim/stats` exactly; `POST /sim/reset` zeroes them, which Prometheus reads as a counter
 * reset.
 */
export function createSimMetrics(stats: () => SimStats): Exposition {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'concierge_sim_requests_total', help: 'Chat completion requests the simulator received (rejected and invalid ones included).', registers });
  const completions = new Counter({ name: 'concierge_sim_completions_total', help: 'Completions answered in full.', registers });
  const rateLimited = new Counter({
    name: 'concierge_sim_rate_limited_total',
    help: 'Answers 429 from the organisation limiter, by kind: requests (RPM), tokens (TPM), too_large (more than the whole TPM).',
    labelNames: ['kind'],
    registers,
  });
  const tokens = new Counter({
    name: 'concierge_sim_tokens_total',
    help: 'Tokens of admitted requests by type: prompt, cached (part of prompt), completion, and charged (what the TPM bucket took: prompt plus max completion).',
    labelNames: ['type'],
    registers,
  });
  const rejected = new Counter({
    name: 'concierge_sim_rejected_total',
    help: 'Requests refused other than by the rate limiter, by reason: bad_request, insufficient_quota, queue_full.',
    labelNames: ['reason'],
    registers,
  });
  const faults = new Counter({
    name: 'concierge_sim_faults_total',
    help: 'Faults injected on purpose, by kind: server_error, hang, cut_stream, slow_response.',
    labelNames: ['kind'],
    registers,
  });
  const bucketRemaining = new Gauge({ name: 'concierge_sim_bucket_remaining', help: 'What the organisation’s rate-limit bucket holds now (requests or tokens).', labelNames: ['resource'], registers });
  const bucketLimit = new Gauge({ name: 'concierge_sim_bucket_limit', help: 'The organisation’s rate limit per minute (requests or tokens).', labelNames: ['resource'], registers });
  const inFlight = new Gauge({ name: 'concierge_sim_in_flight', help: 'Chat completion requests in progress.', registers });

  const refresh = () => {
    const s = stats();
    setCounter(requests, [{ labels: {}, value: s.requests }]);
    setCounter(completions, [{ labels: {}, value: s.completionsOk }]);
    setCounter(rateLimited, [
      { labels: { kind: 'requests' }, value: s.rateLimited.requests },
      { labels: { kind: 'tokens' }, value: s.rateLimited.tokens },
      { labels: { kind: 'too_large' }, value: s.rateLimited.tooLarge },
    ]);
    setCounter(tokens, [
      { labels: { type: 'prompt' }, value: s.tokens.prompt },
      { labels: { type: 'cached' }, value: s.tokens.cached },
      { labels: { type: 'completion' }, value: s.tokens.completion },
      { labels: { type: 'charged' }, value: s.tokens.charged },
    ]);
    setCounter(rejected, [
      { labels: { reason: 'bad_request' }, value: s.badRequests },
      { labels: { reason: 'insufficient_quota' }, value: s.insufficientQuota },
      { labels: { reason: 'queue_full' }, value: s.queueFull },
    ]);
    setCounter(faults, [
      { labels: { kind: 'server_error' }, value: s.injected.serverErrors },
      { labels: { kind: 'hang' }, value: s.injected.hangs },
      { labels: { kind: 'cut_stream' }, value: s.injected.cutStreams },
      { labels: { kind: 'slow_response' }, value: s.injected.slowResponses },
    ]);
    bucketRemaining.set({ resource: 'requests' }, s.limits.remainingRequests);
    bucketRemaining.set({ resource: 'tokens' }, s.limits.remainingTokens);
    bucketLimit.set({ resource: 'requests' }, s.limits.rpm);
    bucketLimit.set({ resource: 'tokens' }, s.limits.tpm);
    inFlight.set(s.concurrency.current);
  };

  return {
    contentType: registry.contentType,
    async render() {
      refresh();
      return withProcessMetrics(await registry.metrics());
    },
  };
}
