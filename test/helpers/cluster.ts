import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '../../src/cluster/local-cluster.js';
import { dropSchema, freshSchemaName, PG_URL } from './postgres.js';
import { dropKeys, freshPrefix, REDIS_URL } from './redis.js';

export interface TestCluster {
  cluster: LocalCluster;
  schema: string;
  prefix: string;
  /** Stop every process, then drop the schema and the Redis keys of this cluster. */
  stop(): Promise<void>;
}

/**
 * Replicas of the built CLI on a Postgres schema and a Redis prefix of their own, behind
 * HAProxy with fast health checks. CLUSTER_LOG_DIR keeps every process's log (and HAProxy's
 * requests) for a look after a failure.
 */
export async function startTestCluster(options: Partial<LocalClusterOptions> & { name: string }): Promise<TestCluster> {
  const schema = freshSchemaName(options.name);
  const prefix = freshPrefix();
  const cluster = await startLocalCluster({
    replicas: 3,
    databaseUrl: PG_URL,
    databaseSchema: schema,
    redisUrl: REDIS_URL,
    redisPrefix: prefix,
    checkIntervalMs: 500,
    logDir: process.env.CLUSTER_LOG_DIR,
    ...options,
  });
  return {
    cluster,
    schema,
    prefix,
    async stop() {
      await cluster.stop();
      await dropSchema(schema);
      await dropKeys(prefix);
    },
  };
}
