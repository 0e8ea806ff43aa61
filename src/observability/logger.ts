import { pino, type DestinationStream, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level: LogLevel;
  /** Where the JSON lines go. Default: stderr, pretty-printed when it is a terminal. */
  destination?: DestinationStream;
  /** Default: whether stderr is a terminal (and no destination is given). */
  pretty?: boolean;
}

/**
 * Fields that could carry a secret or what a customer wrote, wherever a log call puts them:
 * their values are replaced before the line is written. The request and run lines never put
 * them there in the first place; this catches an error or a debug line that would.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'apiKey',
  'body',
  'input',
  'messages',
  'content',
  '*.apiKey',
  '*.body',
  '*.input',
  '*.messages',
  '*.content',
];

/**
 * The process's structured logger (pino, the one fastify uses): one JSON object per line on
 * stderr, so that stdout keeps the single "listening on" line scripts read. On a terminal the
 * lines are pretty-printed instead (pino-pretty, in pino's worker thread).
 */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (options.destination) return pino(base, options.destination);
  // Silent: no destination at all, rather than a stream on stderr that is never written.
  if (options.level === 'silent') return pino(base, { write: () => {} });
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  return pino(base, pino.destination({ dest: 2, sync: false }));
}
