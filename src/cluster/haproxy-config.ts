export interface HaproxyConfigOptions {
  /** Where clients connect, e.g. `127.0.0.1:8700` or `:8700`. */
  bind: string;
  /** Where the statistics page listens (its CSV at `/stats;csv` tells which replicas are up). */
  statsBind?: string;
  servers: Array<{ name: string; address: string }>;
  /** Health check path; a replica answering anything but 200 gets no new requests. Default /readyz. */
  healthPath?: string;
  /** Between health checks. Default 1000 ms. */
  checkIntervalMs?: number;
  /** The longest a request may last (runs, streams). Default 330 s: the 300 s run timeout and a margin. */
  requestTimeoutMs?: number;
  /** Log every request to stderr (HAProxy's httplog format). */
  logRequests?: boolean;
}

/**
 * An HAProxy configuration for Concierge replicas: round robin per request, no stickiness (any
 * replica answers any request), health checks on `/readyz` so a replica that is shutting
 * down or has lost its database stops getting traffic, and a request whose connection to a
 * replica failed sent to another (`retry-on conn-failure` with `option redispatch`: nothing
 * reached the dead replica, so nothing runs twice). Responses are never retried: a run may
 * have started, and the client decides.
 */
export function haproxyConfig(options: HaproxyConfigOptions): string {
  const check = options.checkIntervalMs ?? 1000;
  const timeout = options.requestTimeoutMs ?? 330_000;
  const lines = [
    'global',
    '  maxconn 4096',
    ...(options.logRequests ? ['  log stderr format raw local0'] : []),
    '',
    'defaults',
    '  mode http',
    ...(options.logRequests ? ['  log global', '  option httplog'] : []),
    '  timeout connect 5s',
    `  timeout client ${timeout}ms`,
    `  timeout server ${timeout}ms`,
    '  timeout http-keep-alive 60s',
    // A replica busy with runs may answer its health check slowly; slow is not down.
    '  timeout check 3s',
    '  option redispatch',
    '  retries 3',
    '  retry-on conn-failure',
    '',
    'frontend concierge',
    `  bind ${options.bind}`,
    '  default_backend replicas',
    '',
    'backend replicas',
    '  balance roundrobin',
    `  option httpchk GET ${options.healthPath ?? '/readyz'}`,
    '  http-check expect status 200',
    `  default-server inter ${check}ms fastinter ${Math.max(100, Math.floor(check / 2))}ms fall 3 rise 1`,
    ...options.servers.map((s) => `  server ${s.name} ${s.address} check`),
  ];
  if (options.statsBind) lines.push('', 'frontend stats', `  bind ${options.statsBind}`, '  stats enable', '  stats uri /stats', '  stats refresh 5s');
  return `${lines.join('\n')}\n`;
}

/** The servers' states from HAProxy's CSV statistics (`/stats;csv`): name -> UP, DOWN, ... */
export function serverStates(csv: string, backend = 'replicas'): Map<string, string> {
  const states = new Map<string, string>();
  const [header, ...rows] = csv.trim().split('\n');
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const [px, sv, status] = [columns.indexOf('pxname'), columns.indexOf('svname'), columns.indexOf('status')];
  for (const row of rows) {
    const cells = row.split(',');
    if (cells[px] === backend && cells[sv] !== 'BACKEND' && cells[sv] !== 'FRONTEND') states.set(cells[sv]!, cells[status]!);
  }
  return states;
}
