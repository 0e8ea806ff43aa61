import { randomBytes } from 'node:crypto';
import { assembleReport } from './assemble-report.js';
import { executeLoadTest } from './execute-load-test.js';
import { planLoadTest, resolveLoadTestOptions, type LoadTestInput } from './load-test-plan.js';
import { startLocalStack } from './local-stack.js';
import type { LoadTestReport } from './report-types.js';

export { LOAD_TEST_DEFAULTS, LOAD_TEST_PRESETS, type LoadTestEvent, type LoadTestInput, type LoadTestOptions } from './load-test-plan.js';

/**
 * Run a progressive load test and return its report, in three steps: plan (options into
 * stages and bounds), execute (run the stages, against a local simulator and server when no
 * target is given), assemble (the report from the plan and the figures). Never throws for
 * what the system under test does: failures are figures. Stopping through `signal` returns
 * a partial report.
 */
export async function runLoadTest(input: LoadTestInput = {}): Promise<LoadTestReport> {
  const options = resolveLoadTestOptions(input, { now: () => performance.now(), today: () => new Date(), startLocalStack });
  const plan = planLoadTest(options);
  const execution = await executeLoadTest(plan, options, options.runId ?? randomBytes(4).toString('hex'));
  return assembleReport(options, plan, execution);
}
