import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';
import { dropSchema as dropSchemaAt } from '../../src/store/postgres-pool.js';

/** The shared test server (127.0.0.1:5432, database `test`, trust auth). */
export const PG_URL = `postgres://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/test`;

/** A schema name of our own: tests running at the same time never see each other's tables. */
export function freshSchemaName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Run statements on a connection of its own in `schema` (assertions on stored rows). */
export async function sqlIn<T extends pg.QueryResultRow>(schema: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`SET search_path = ${schema}`);
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Drop a schema this test created (never one it did not). */
export async function dropSchema(schema: string): Promise<void> {
  await dropSchemaAt(PG_URL, schema);
}
