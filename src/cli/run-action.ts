import { ERROR_CATALOGUE } from '../shared/error-catalogue.js';
import { isConciergeError } from '../shared/errors.js';

/**
 * Wrap a subcommand's action so that every failure ends the same way: a known error prints
 * its code and message and exits with the catalogue's exit code (2 for a refusal to start,
 * 1 otherwise; a bad configuration prints only its list of bad settings), and an unexpected
 * one exits 1 with its stack.
 */
export function runAction<A extends unknown[]>(action: (...args: A) => Promise<void | number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await action(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (error) {
      if (isConciergeError(error)) {
        process.stderr.write(error.code === 'CONFIG_INVALID' ? `${error.message}\n` : `error ${error.code}: ${error.message}\n`);
        process.exitCode = ERROR_CATALOGUE[error.code].exitCode;
      } else {
        process.stderr.write(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = 1;
      }
    }
  };
}

/** Resolve when the process is asked to stop (Ctrl-C or SIGTERM), once. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
