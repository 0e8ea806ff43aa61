import { ConciergeError } from '../shared/errors.js';

/** A threshold expression such as `p(95)<10000` could not be parsed. Exit code 2 like any bad flag. */
export class ThresholdSyntaxError extends ConciergeError {
  constructor(expression: string, problem: string) {
    super('THRESHOLD_INVALID', `threshold ${JSON.stringify(expression)}: ${problem}`, { status: 400, details: { expression } });
  }
}

/** The simulator or server child process did not start (or died before printing its address). */
export class LocalStackError extends ConciergeError {
  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super('LOCAL_STACK_FAILED', message, { status: 500, ...options });
  }
}

/** A file given to `report compare` is not a load-test report this version understands. */
export class ReportFormatError extends ConciergeError {
  constructor(file: string, problem: string) {
    super('REPORT_INVALID', `${file}: ${problem}`, { status: 400, details: { file } });
  }
}
