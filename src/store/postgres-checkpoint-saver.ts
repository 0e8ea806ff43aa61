import type { RunnableConfig } from '@langchain/core/runnables';
import { WRITES_IDX_MAP, type ChannelVersions, type Checkpoint, type CheckpointMetadata, type PendingWrite } from '@langchain/langgraph-checkpoint';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import type pg from 'pg';
import { assertSchemaName } from './migration-runner.js';

/**
 * Refuses a checkpoint write for a run this replica may no longer write for (its lease may
 * have expired and another replica may be running the thread): throws.
 */
export type WriteFence = (runId: string) => void;

/**
 * The official `PostgresSaver` (same tables, same serialisation, same reads), writing each
 * checkpoint and each batch of pending writes in one statement instead of a transaction of
 * one statement per channel: a step costs one round trip instead of four to eight, which is
 * most of the database work of a message (measured by `concierge bench scale`). A single
 * statement is atomic, as the transaction was. Every write first passes the fence, so a
 * replica that lost a run's lease cannot add to the thread's history.
 */
export class FencedPostgresSaver extends PostgresSaver {
  readonly #pool: pg.Pool;
  readonly #tables: { blobs: string; checkpoints: string; writes: string };
  fence: WriteFence | undefined;

  constructor(pool: pg.Pool, options: { schema: string }) {
    super(pool, undefined, { schema: options.schema });
    this.#pool = pool;
    const schema = assertSchemaName(options.schema);
    this.#tables = { blobs: `"${schema}".checkpoint_blobs`, checkpoints: `"${schema}".checkpoints`, writes: `"${schema}".checkpoint_writes` };
  }

  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (config.configurable === undefined) throw new Error('Missing "configurable" field in "config" param');
    this.#check(config);
    const { thread_id: threadId, checkpoint_ns: ns = '', checkpoint_id: parentId } = config.configurable as { thread_id: string; checkpoint_ns?: string; checkpoint_id?: string };
    const [blobs, serializedMetadata] = await Promise.all([this._dumpBlobs(threadId, ns, checkpoint.channel_values, newVersions), this._dumpMetadata(metadata)]);
    const column = (i: number) => blobs.map((row) => row[i]);
    await this.#pool.query(
      `WITH blobs AS (
         INSERT INTO ${this.#tables.blobs} (thread_id, checkpoint_ns, channel, version, type, blob)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[])
         ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
       )
       INSERT INTO ${this.#tables.checkpoints} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
       VALUES ($7, $8, $9, $10, $11, $12)
       ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
      [
        column(0),
        column(1),
        column(2),
        column(3),
        column(4),
        blobs.map((row) => (row[5] ? Buffer.from(row[5].buffer, row[5].byteOffset, row[5].byteLength) : null)),
        threadId,
        ns,
        checkpoint.id,
        parentId ?? null,
        this._dumpCheckpoint(checkpoint),
        serializedMetadata,
      ],
    );
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    this.#check(config);
    if (writes.length === 0) return;
    const configurable = (config.configurable ?? {}) as { thread_id: string; checkpoint_ns?: string; checkpoint_id: string };
    const rows = await this._dumpWrites(configurable.thread_id, configurable.checkpoint_ns ?? '', configurable.checkpoint_id, taskId, writes);
    // Special channels (errors, interrupts) replace their earlier write; others keep the first.
    const upsert = writes.every((w) => w[0] in WRITES_IDX_MAP);
    const unique = [...new Map(rows.map((row) => [row[4], row])).values()];
    const column = (i: number) => unique.map((row) => row[i]);
    await this.#pool.query(
      `INSERT INTO ${this.#tables.writes} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::bytea[])
       ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO ${upsert ? 'UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob' : 'NOTHING'}`,
      [column(0), column(1), column(2), column(3), column(4), column(5), column(6), unique.map((row) => Buffer.from(row[7].buffer, row[7].byteOffset, row[7].byteLength))],
    );
  }

  #check(config: RunnableConfig): void {
    const runId = (config.configurable as { run_id?: unknown } | undefined)?.run_id;
    if (this.fence && typeof runId === 'string') this.fence(runId);
  }
}
