import { z } from 'zod';

/**
 * A whole number in a query string, within [min, max]: digits only, so `1.5`, `1e309`, `-1`,
 * ` 2`, `0x10` and a repeated key (`?limit=1&limit=2`, which arrives as a list) are refused
 * with 400 naming the field, rather than coerced into something the database chokes on.
 */
export function queryInt(min: number, max: number) {
  return z
    .string({ error: 'must be given once, as a whole number' })
    .regex(/^\d{1,15}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

/** `limit` and `offset` of a paged list: both optional, with the list's own largest page. */
export function pagingQuery(maxLimit: number) {
  return {
    limit: queryInt(1, maxLimit).optional(),
    offset: queryInt(0, 1_000_000_000).optional(),
  };
}
