import { createHash } from 'node:crypto';

/**
 * The customer as logs name it: the first 16 hex digits of the SHA-256 of the id, enough to
 * follow one customer's requests and runs and to match a known id, without writing the id
 * (an email address or a phone number, often) into the logs.
 */
export function customerHash(customerId: string): string {
  return createHash('sha256').update(customerId).digest('hex').slice(0, 16);
}
