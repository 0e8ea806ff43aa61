import type { AdmissionStats } from '../llm/admission.js';
import type { ShedReason } from '../llm/admission-errors.js';
import { CIRCUIT_STATE_VALUE, setCounter, type BudgetResource, type ServerMetrics } from './server-metrics.js';

const SHED_REASONS: readonly ShedReason[] = ['deadline', 'queue-full', 'closing'];
const RESOURCES: readonly BudgetResource[] = ['requests', 'tokens'];

/**
 * The admission gate's state as metrics, read at each scrape from the same snapshot `/stats`
 * shows: queue depth, calls in flight, sheds by reason, the budget left, the circuit per
 * model, and whether the shared budget's Redis answers. Reading at scrape time costs nothing
 * per call, and the two views can never disagree.
 */
export function watchAdmission(metrics: ServerMetrics, stats: () => AdmissionStats): void {
  metrics.onScrape(() => {
    const s = stats();
    metrics.admissionQueueDepth.set(s.queue.depth);
    metrics.admissionInFlight.set(s.inFlight);
    setCounter(
      metrics.admissionShed,
      SHED_REASONS.map((reason) => ({ labels: { reason }, value: s.sheds[reason] })),
    );
    if (s.admission === 'on') {
      for (const resource of RESOURCES) {
        const bucket = s.budget[resource];
        if (bucket.limit === null || bucket.remainingRatio === null) continue;
        metrics.budgetLimit.set({ resource }, bucket.limit);
        metrics.budgetRemainingRatio.set({ resource }, bucket.remainingRatio);
      }
    }
    for (const [model, circuit] of Object.entries(s.circuit.byModel)) {
      metrics.circuitState.set({ gen_ai_request_model: model }, CIRCUIT_STATE_VALUE[circuit.state]);
    }
    if (s.backend === 'redis') metrics.dependencyUp.set({ dependency: 'redis' }, s.degraded ? 0 : 1);
  });
}
