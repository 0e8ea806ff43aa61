import { ConciergeError } from '../shared/errors.js';

/** A threshold expression such as `p(95)<10000` could not be parsed (exit 2, like any bad flag). */
export function thresholdInvalid(expression: string, problem: string): ConciergeError {
  return new ConciergeError('THRESHOLD_INVALID', `threshold ${JSON.stringify(expression)}: ${problem}`, { details: { expression } });
}

/** The simulator or server child process did not start (or died before printing its address). */
export function localStackFailed(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}): ConciergeError {
  return new ConciergeError('LOCAL_STACK_FAILED', message, options);
}

/** A file given to `report compare` is not a load-test report this version understands. */
export function reportInvalid(file: string, problem: string): ConciergeError {
  return new ConciergeError('REPORT_INVALID', `${file}: ${problem}`, { details: { file } });
}

/** Load-test options that contradict each other. */
export function loadTestOptionsInvalid(message: string): ConciergeError {
  return new ConciergeError('LOADTEST_OPTIONS_INVALID', message);
}
