import { createHash } from 'node:crypto';
import { ConciergeError } from '../shared/errors.js';

export interface Principal {
  customerId: string;
  admin: boolean;
}

export interface AuthOptions {
  apiKeys: ReadonlyMap<string, string>;
  adminKeys: ReadonlySet<string>;
  host: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/** A customer id a dev-mode caller may choose for itself: short, no spaces or odd characters. */
const DEV_CUSTOMER = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * Who is calling. Keys map to customers; admin keys may use the owner's API. Dev mode (no keys
 * at all, loopback only) lets each caller name itself with `x-customer-id`, so a load test on
 * one machine can give every simulated user its own customer.
 */
export function createAuthenticator(options: AuthOptions) {
  const devMode = options.apiKeys.size === 0 && options.adminKeys.size === 0;
  if (devMode && !isLoopbackHost(options.host)) {
    throw new ConciergeError(
      'AUTH_REQUIRED',
      `no API keys are configured, so the server may only listen on a loopback address (got ${options.host}); set CONCIERGE_API_KEYS and CONCIERGE_ADMIN_KEYS`,
    );
  }
  return {
    devMode,
    /** `bearer`: also take the key from `Authorization: Bearer <key>` when there is no `x-api-key`. */
    authenticate(headers: Record<string, string | string[] | undefined>, how: { bearer?: boolean } = {}): Principal {
      if (devMode) {
        const named = headers['x-customer-id'];
        if (named === undefined) return { customerId: 'dev', admin: true };
        // A name that is not one would silently merge its caller into the shared `dev` customer.
        if (typeof named !== 'string' || !DEV_CUSTOMER.test(named)) {
          throw new ConciergeError('VALIDATION_FAILED', 'x-customer-id: must be 1-128 letters, digits or . _ : @ - (no spaces)');
        }
        return { customerId: named, admin: true };
      }
      const key = headers['x-api-key'] ?? (how.bearer ? bearerToken(headers.authorization) : undefined);
      if (typeof key !== 'string' || key.length === 0) throw new ConciergeError('UNAUTHENTICATED', how.bearer ? 'missing x-api-key or Authorization: Bearer header' : 'missing x-api-key header');
      // Each admin key is its own customer (for threads it opens), named without revealing the key.
      if (options.adminKeys.has(key)) return { customerId: `admin:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`, admin: true };
      const customerId = options.apiKeys.get(key);
      if (!customerId) throw new ConciergeError('UNAUTHENTICATED', 'unknown API key');
      return { customerId, admin: false };
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

function bearerToken(header: string | string[] | undefined): string | undefined {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}
