/**
 * Every error code Concierge answers or exits with, in one table: the HTTP status of the
 * answer, whether sending the same request again may succeed, whether the answer carries
 * `Retry-After` (and `retry-after-ms`), the exit code of a command that stops on it, and one
 * line of meaning. `ConciergeError` takes its status from here by code, so a code that is not
 * in the table does not compile; docs/errors.md is generated from it (`npm run docs:errors`)
 * and a test fails when the two drift apart.
 *
 * Codes are a contract (clients branch on them, the model reads the booking ones in tool
 * results, load-test reports count them): a code is never renamed, only added.
 *
 * Not here: the simulator's errors (src/sim/openai-error.ts). They are the provider's wire
 * format, OpenAI's own codes (`rate_limit_exceeded`, `insufficient_quota`...), which a
 * client of the real provider reads the same way; the LLM layer turns them into the
 * `PROVIDER_*` codes below.
 */
export interface ErrorSpec {
  /** Which part of the system answers it; the sections of docs/errors.md. */
  area: ErrorArea;
  /** HTTP status of the answer; null when the code is never an HTTP answer (a tool result, a command's exit). */
  status: number | null;
  /** Whether the same request, sent again later, may succeed. */
  retryable: boolean;
  /** Whether the answer carries `Retry-After` and `retry-after-ms` (when the server can estimate the wait). */
  retryAfter: boolean;
  /** Exit code of a command that stops with this error: 2 for a refusal to start (bad input), 1 otherwise. */
  exitCode: 1 | 2;
  meaning: string;
}

export type ErrorArea = 'request' | 'run' | 'llm' | 'booking' | 'tool' | 'start' | 'loadtest';

export const ERROR_AREAS: Readonly<Record<ErrorArea, string>> = {
  request: 'HTTP requests',
  run: 'Runs',
  llm: 'The LLM provider and admission control',
  booking: 'Bookings (REST answers, and tool results the model reads)',
  tool: 'Tool results only',
  start: 'Starting a command',
  loadtest: 'Load tests and reports',
};

const answer = <A extends ErrorArea>(area: A, status: number, meaning: string, more: Partial<Pick<ErrorSpec, 'retryable' | 'retryAfter'>> = {}): ErrorSpec & { area: A } => ({
  area,
  status,
  retryable: more.retryable ?? false,
  retryAfter: more.retryAfter ?? false,
  exitCode: 1,
  meaning,
});

const exit = <A extends ErrorArea>(area: A, exitCode: 1 | 2, meaning: string): ErrorSpec & { area: A } => ({ area, status: null, retryable: false, retryAfter: false, exitCode, meaning });

export const ERROR_CATALOGUE = {
  INVALID_JSON: answer('request', 400, 'The body is not valid JSON.'),
  VALIDATION_FAILED: answer('request', 400, 'The body or query breaks the schema; the message names each field and what it expects.'),
  INVALID_REQUEST: answer('request', 400, 'The request is malformed otherwise: bad URL encoding or Content-Length, or a value the booking domain refuses (`details.field`).'),
  UNAUTHENTICATED: answer('request', 401, 'Missing or unknown `x-api-key`.'),
  FORBIDDEN: answer('request', 403, 'An admin route without an admin key.'),
  NOT_FOUND: answer('request', 404, "No such route, assistant, thread or run; another customer's thread or run answers the same."),
  CONFLICT: answer('request', 409, '`POST /threads` with a `thread_id` that already exists.'),
  MESSAGE_ID_TAKEN: answer('request', 409, 'An input message `id` that a message of the thread (or another message of the same run) already has; leave `id` out to have one assigned.'),
  THREAD_BUSY: answer('request', 409, 'A run is in progress on the thread and `multitask_strategy` is `reject`.', { retryable: true }),
  PAYLOAD_TOO_LARGE: answer('request', 413, 'The body, or one message, is over the limit (`--body-limit-bytes`, `--max-message-chars`).'),
  URI_TOO_LONG: answer('request', 414, 'A path parameter is longer than any id the server hands out.'),
  UNSUPPORTED_MEDIA_TYPE: answer('request', 415, 'A body that is not `application/json`.'),
  HEADERS_TOO_LARGE: answer('request', 431, "The request line and headers together are over the HTTP parser's limit (16 KiB by default)."),
  CLIENT_CLOSED: answer('request', 499, 'The client went away while its run waited for the thread; logged, never sent.'),
  SHUTTING_DOWN: answer('request', 503, 'The server is stopping and takes no new requests.', { retryable: true, retryAfter: true }),
  INTERNAL: answer('request', 500, "An unexpected server error; details only in the server's log."),
  WEB_NOT_BUILT: answer('request', 503, 'A page (`/`, `/owner`, `/ops`, `widget.js`) was asked for, but `npm run build` has not built them into `dist/web`.'),

  RUN_TIMEOUT: answer('run', 504, 'The run exceeded its time limit (`--run-timeout-ms`, never shorter than the message deadline).', { retryable: true }),
  RUN_INTERRUPTED: answer('run', 503, "The server stopped before the run finished (shutdown grace over, a crash, or its replica's lease expired); send the message again.", {
    retryable: true,
    retryAfter: true,
  }),
  RUN_CANCELLED: answer('run', 409, 'The run was cancelled (`POST /threads/:id/runs/:run_id/cancel`) before it finished.'),
  AGENT_ERROR: answer('run', 500, 'Anything else that went wrong inside the agent.'),

  OVERLOADED: answer('llm', 503, 'Shed: the message could not be answered within its deadline, at the provider rate limit or for want of a free run slot on any replica (`details.reason`).', {
    retryable: true,
    retryAfter: true,
  }),
  PROVIDER_RATE_LIMITED: answer('llm', 429, 'The provider kept answering 429 and the next attempt would not fit in the deadline.', { retryable: true, retryAfter: true }),
  PROVIDER_UNAVAILABLE: answer('llm', 503, 'The provider failed repeatedly (5xx, timeouts, no connection) or its circuit is open.', { retryable: true, retryAfter: true }),
  PROVIDER_QUOTA_EXCEEDED: answer('llm', 503, 'The provider account is out of quota (`insufficient_quota`); never retried, the operator has to act.'),
  LLM_REQUEST_TOO_LARGE: answer('llm', 413, "One call needs more tokens than the provider's whole per-minute limit; never retried."),

  SLOT_FULL: answer('booking', 409, 'The slot is fully booked; `alternatives` holds free start times nearby.'),
  ALREADY_CANCELLED: answer('booking', 409, 'The booking is already cancelled.'),
  IDEMPOTENCY_KEY_REUSED: answer('booking', 422, 'An idempotency key sent again with a different request.'),
  BOOKING_NOT_FOUND: answer('booking', 404, "No booking with that code (on a customer's routes and tools, none of theirs: someone else's answers the same)."),
  UNKNOWN_SERVICE: answer('booking', 404, 'No service with that id or name.'),
  OUTSIDE_OPENING_HOURS: answer('booking', 400, 'The appointment would not fit in the opening hours of that day.'),
  IN_THE_PAST: answer('booking', 400, 'The time has passed, or the booking has started.'),
  BEYOND_HORIZON: answer('booking', 400, 'The date is further ahead than the business takes bookings.'),
  INVALID_DATE: answer('booking', 400, 'Not a calendar date as YYYY-MM-DD.'),
  INVALID_TIME: answer('booking', 400, 'Not a time as HH:MM, or one that does not exist that day (clocks go forward).'),
  STORE_BUSY: answer('booking', 503, 'The booking database stayed locked by other writers longer than the busy timeout.', { retryable: true }),
  CODE_SPACE_EXHAUSTED: answer('booking', 500, 'No free confirmation code was found after several attempts.', { retryable: true }),
  STORE_INCONSISTENT: answer('booking', 500, "The occupancy counters disagree with the bookings; the change was rolled back."),

  NOT_EXECUTED: { ...exit('tool', 1, 'A tool call interrupted before it ran (the run stopped); the action did not happen.'), retryable: true },
  UNKNOWN_TOOL: exit('tool', 1, 'The model called a tool that does not exist.'),

  CONFIG_INVALID: exit('start', 2, 'A flag or environment variable is invalid; the message names the flag, the variable and what is allowed.'),
  AUTH_REQUIRED: exit('start', 2, 'No API keys are configured and the server was asked to listen on a non-loopback address.'),
  BUSINESS_FILE_INVALID: exit('start', 2, 'The business file cannot be read or breaks its schema; the message lists each problem.'),
  DEPENDENCY_UNREACHABLE: { ...exit('start', 1, 'Postgres or Redis could not be reached at start; the message names the URL (password masked) and the cause.'), retryable: true },

  THRESHOLD_INVALID: exit('loadtest', 2, 'A `--threshold` expression cannot be read.'),
  LOADTEST_OPTIONS_INVALID: exit('loadtest', 2, 'The load-test options contradict each other (an open model without arrival rates...).'),
  LOCAL_STACK_FAILED: exit('loadtest', 1, 'The local simulator, server or balancer (load tests, `concierge cluster`) did not start, or died before printing its address.'),
  REPORT_INVALID: exit('loadtest', 1, 'A file given to `report compare` or `plan --from` is not a load-test report this version understands.'),
  INVALID_ANSWER: exit('loadtest', 1, 'The server under test answered something the load tester cannot read (recorded as a failure, never thrown).'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes of one area, e.g. `ErrorCodeOf<'booking'>`. */
export type ErrorCodeOf<A extends ErrorArea> = { [K in ErrorCode]: (typeof ERROR_CATALOGUE)[K]['area'] extends A ? K : never }[ErrorCode];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}
