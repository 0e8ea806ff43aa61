import { HumanMessage, AIMessage } from '@langchain/core/messages';
import { MessagesAnnotation, StateGraph } from '@langchain/langgraph';
import { afterAll, describe, expect, it } from 'vitest';
import { openState, type State } from '../src/store/open-state.js';
import { dropSchema, freshSchemaName, PG_URL, sqlIn } from './helpers/postgres.js';

/**
 * The Postgres state as replicas open it: one pool per process, every table in one schema,
 * migrations and LangGraph's checkpoint tables created once however many start together.
 */

const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

function open(schema: string, poolSize = 2, durableCommits?: 'bookings' | 'all'): Promise<State> {
  return openState({ db: ':memory:', databaseUrl: PG_URL, databaseSchema: schema, databasePoolSize: poolSize, model: 'gpt-4o-mini', ...(durableCommits ? { durableCommits } : {}) });
}

/** What `synchronous_commit` was in force when each booking row was written (a trigger records it). */
async function recordCommitMode(schema: string): Promise<void> {
  await sqlIn(schema, 'CREATE TABLE commit_modes (code text, mode text)');
  await sqlIn(
    schema,
    `CREATE FUNCTION record_commit_mode() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN INSERT INTO commit_modes VALUES (NEW.code, current_setting('synchronous_commit')); RETURN NEW; END $$`,
  );
  await sqlIn(schema, 'CREATE TRIGGER commit_mode AFTER INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION record_commit_mode()');
}

describe('Postgres state', () => {
  it('ten replicas opening a fresh schema at once migrate it exactly once', async () => {
    const schema = freshSchemaName('state_test');
    schemas.push(schema);
    const states = await Promise.all(Array.from({ length: 10 }, () => open(schema)));
    try {
      const migrated = states.map((s) => s.migrated);
      expect(migrated.filter((m) => (m.bookings ?? []).length > 0)).toEqual([{ bookings: [1], runs: [1, 2] }]);
      expect(migrated.filter((m) => (m.bookings ?? []).length === 0)).toHaveLength(9);
      expect(await sqlIn(schema, 'SELECT component, version FROM concierge_migrations ORDER BY component, version')).toEqual([
        { component: 'bookings', version: 1 },
        { component: 'runs', version: 1 },
        { component: 'runs', version: 2 },
      ]);
      // The checkpointer's own migrations ran once too (it records one row per step).
      const steps = await sqlIn<{ v: number }>(schema, 'SELECT v FROM checkpoint_migrations ORDER BY v');
      expect(steps.map((r) => r.v)).toEqual([0, 1, 2, 3, 4]);
      // Every replica works on the shared state.
      const thread = await states[3]!.runs.createThread({ customerId: 'ann', metadata: {} });
      expect((await states[7]!.runs.getThread(thread.thread_id))?.customer_id).toBe('ann');
      expect((await states[5]!.bookings.listServices()).length).toBeGreaterThan(0);
    } finally {
      await Promise.all(states.map((s) => s.close()));
    }
  });

  it('waits for the disk on booking commits only, unless every commit is asked to', async () => {
    for (const durable of ['bookings', 'all'] as const) {
      const schema = freshSchemaName('state_test');
      schemas.push(schema);
      const state = await open(schema, 2, durable);
      try {
        await recordCommitMode(schema);
        // Conversation state, runs and leases share the pool's default.
        const client = await state.pool!.connect();
        const poolMode = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
        client.release();
        expect(poolMode).toBe(durable === 'all' ? 'on' : 'off');
        const date = state.bookings.today();
        const from = new Date(Date.parse(`${date}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
        const slot = (await state.bookings.availability({ service: 'classic-haircut', from, to: new Date(Date.parse(`${from}T00:00:00Z`) + 6 * 86_400_000).toISOString().slice(0, 10) })).slots[0]!;
        const { booking } = await state.bookings.book({ customerId: 'ann', service: 'classic-haircut', date: slot.date, time: slot.time });
        // A confirmed booking is flushed before it is answered, whatever the pool does.
        expect(await sqlIn(schema, 'SELECT code, mode FROM commit_modes')).toEqual([{ code: booking.code, mode: 'on' }]);
        // And the pool's default is back for the next borrower of that connection.
        const again = await state.pool!.connect();
        expect((await again.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit).toBe(poolMode);
        again.release();
      } finally {
        await state.close();
      }
    }
  });

  it('keeps each thread to its latest checkpoints, and the conversation whole', async () => {
    const schema = freshSchemaName('state_test');
    schemas.push(schema);
    const state = await open(schema, 3);
    try {
      const graph = new StateGraph(MessagesAnnotation)
        .addNode('echo', (s: typeof MessagesAnnotation.State) => ({ messages: [new AIMessage(`echo ${s.messages.length}`)] }))
        .addEdge('__start__', 'echo')
        .compile({ checkpointer: state.checkpointer });
      const config = { configurable: { thread_id: 'thread-1' } };
      const other = { configurable: { thread_id: 'thread-2' } };
      for (let turn = 1; turn <= 5; turn += 1) {
        await graph.invoke({ messages: [new HumanMessage(`turn ${turn}`)] }, config);
        expect(await state.pruner!.prune('thread-1')).toBeGreaterThanOrEqual(turn === 1 ? 0 : 1);
      }
      await graph.invoke({ messages: [new HumanMessage('elsewhere')] }, other);
      const count = async (table: string, thread: string) =>
        Number((await sqlIn<{ n: string }>(schema, `SELECT count(*) AS n FROM ${table} WHERE thread_id = $1`, [thread]))[0]!.n);
      expect(await count('checkpoints', 'thread-1')).toBe(2);
      // No blob is left that a kept checkpoint does not refer to.
      const orphans = await sqlIn(
        schema,
        `SELECT b.channel, b.version FROM checkpoint_blobs b WHERE b.thread_id = 'thread-1' AND NOT EXISTS (
           SELECT 1 FROM checkpoints c, jsonb_each_text(c.checkpoint -> 'channel_versions') v
           WHERE c.thread_id = b.thread_id AND v.key = b.channel AND v.value = b.version)`,
      );
      expect(orphans).toEqual([]);
      // Another thread is untouched by this one's pruning.
      expect(await count('checkpoints', 'thread-2')).toBeGreaterThan(2);
      const snapshot = await graph.getState(config);
      const messages = (snapshot.values as typeof MessagesAnnotation.State).messages.map((m) => String(m.content));
      expect(messages).toEqual(Array.from({ length: 5 }, (_, i) => [`turn ${i + 1}`, `echo ${2 * i + 1}`]).flat());
    } finally {
      await state.close();
    }
  });

  it('writes checkpoints only for runs this process still holds (the write fence)', async () => {
    const schema = freshSchemaName('state_test');
    schemas.push(schema);
    const state = await open(schema, 3);
    try {
      const fenced: string[] = [];
      let held = true;
      state.setWriteFence((runId) => {
        fenced.push(runId);
        if (!held) throw new Error(`run ${runId} is no longer ours`);
      });
      const graph = new StateGraph(MessagesAnnotation)
        .addNode('echo', () => ({ messages: [new AIMessage('echo')] }))
        .addEdge('__start__', 'echo')
        .compile({ checkpointer: state.checkpointer });
      const config = (runId: string) => ({ configurable: { thread_id: 'fenced', run_id: runId } });
      await graph.invoke({ messages: [new HumanMessage('one')] }, config('run-1'));
      expect(fenced.length).toBeGreaterThan(0);
      expect(new Set(fenced)).toEqual(new Set(['run-1']));
      const before = await sqlIn<{ n: string }>(schema, "SELECT count(*) AS n FROM checkpoints WHERE thread_id = 'fenced'");
      held = false;
      await expect(graph.invoke({ messages: [new HumanMessage('two')] }, config('run-2'))).rejects.toThrow(/no longer ours/);
      expect(await sqlIn(schema, "SELECT count(*) AS n FROM checkpoints WHERE thread_id = 'fenced'")).toEqual(before);
      const messages = ((await graph.getState(config('run-3'))).values as typeof MessagesAnnotation.State).messages.map((m) => String(m.content));
      expect(messages).toEqual(['one', 'echo']);
    } finally {
      await state.close();
    }
  });
});
