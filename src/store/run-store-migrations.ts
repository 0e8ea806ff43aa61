import type { MigrationSet } from './migration-runner.js';

/** The error recorded on runs that an earlier version left unfinished without saying why. */
const LEGACY_INTERRUPTED = `'{"code":"RUN_INTERRUPTED","message":"the server stopped before the run finished; send the message again","status":503}'`;

/**
 * Threads and runs in the embedded SQLite file. Version 1 is the table layout the thread
 * registry had; version 2 adds what replicas and queued runs need: the payload a claimer
 * executes, the owner and lease, and the one-running-run-per-thread index.
 */
export const SQLITE_RUN_MIGRATIONS: MigrationSet = {
  component: 'runs',
  legacyTable: 'agent_registry_migrations',
  migrations: [
    {
      version: 1,
      name: 'threads and runs',
      sql: `
        CREATE TABLE agent_threads (
          thread_id   TEXT PRIMARY KEY,
          customer_id TEXT NOT NULL,
          created_at  TEXT NOT NULL,
          updated_at  TEXT NOT NULL,
          metadata    TEXT NOT NULL,
          status      TEXT NOT NULL,
          usage       TEXT NOT NULL
        );
        CREATE INDEX agent_threads_customer ON agent_threads (customer_id);
        CREATE TABLE agent_runs (
          run_id             TEXT PRIMARY KEY,
          thread_id          TEXT NOT NULL REFERENCES agent_threads (thread_id),
          assistant_id       TEXT NOT NULL,
          created_at         TEXT NOT NULL,
          updated_at         TEXT NOT NULL,
          status             TEXT NOT NULL,
          metadata           TEXT NOT NULL,
          multitask_strategy TEXT NOT NULL,
          usage              TEXT,
          error              TEXT
        );
        CREATE INDEX agent_runs_thread ON agent_runs (thread_id, created_at);
      `,
    },
    {
      version: 2,
      name: 'queued runs, owners and leases',
      sql: `
        ALTER TABLE agent_runs ADD COLUMN payload TEXT;
        ALTER TABLE agent_runs ADD COLUMN background INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE agent_runs ADD COLUMN owner TEXT;
        ALTER TABLE agent_runs ADD COLUMN lease_expires_at INTEGER;
        ALTER TABLE agent_runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
        -- Runs an earlier version left unfinished have no payload to resume from.
        UPDATE agent_runs SET status = 'interrupted' WHERE status IN ('pending', 'running');
        UPDATE agent_runs SET error = ${LEGACY_INTERRUPTED} WHERE status = 'interrupted' AND error IS NULL;
        UPDATE agent_threads SET status = 'error' WHERE status = 'busy';
        CREATE UNIQUE INDEX agent_runs_one_running_per_thread ON agent_runs (thread_id) WHERE status = 'running';
        CREATE INDEX agent_runs_queued ON agent_runs (status) WHERE status IN ('pending', 'running');
      `,
    },
    {
      version: 3,
      name: 'deadlines of queued runs',
      sql: `
        -- Real ms within which the message is answered, from when the run could first start; NULL: none.
        ALTER TABLE agent_runs ADD COLUMN deadline_ms INTEGER;
      `,
    },
  ],
};

/**
 * The same in Postgres, for replicas. `seq` orders runs (created_at can tie); JSONB for what
 * is JSON; instants as timestamptz set by the database's clock.
 */
export const POSTGRES_RUN_MIGRATIONS: MigrationSet = {
  component: 'runs',
  migrations: [
    {
      version: 1,
      name: 'threads, runs, owners and leases',
      sql: `
        CREATE TABLE agent_threads (
          thread_id   TEXT PRIMARY KEY,
          customer_id TEXT NOT NULL,
          created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
          updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
          metadata    JSONB NOT NULL,
          status      TEXT NOT NULL CHECK (status IN ('idle', 'busy', 'error')),
          usage       JSONB NOT NULL
        );
        CREATE INDEX agent_threads_customer ON agent_threads (customer_id);

        CREATE TABLE agent_runs (
          seq                BIGSERIAL NOT NULL UNIQUE,
          run_id             TEXT PRIMARY KEY,
          thread_id          TEXT NOT NULL REFERENCES agent_threads (thread_id),
          assistant_id       TEXT NOT NULL,
          created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
          updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
          status             TEXT NOT NULL CHECK (status IN ('pending', 'running', 'success', 'error', 'timeout', 'interrupted')),
          metadata           JSONB NOT NULL,
          multitask_strategy TEXT NOT NULL,
          usage              JSONB,
          error              JSONB,
          payload            JSONB,
          background         BOOLEAN NOT NULL DEFAULT FALSE,
          owner              TEXT,
          lease_expires_at   TIMESTAMPTZ,
          cancel_requested   BOOLEAN NOT NULL DEFAULT FALSE,
          CHECK (status <> 'running' OR (owner IS NOT NULL AND lease_expires_at IS NOT NULL))
        );
        -- At most one run executes per thread: a fact of the database, whichever replica asks.
        CREATE UNIQUE INDEX agent_runs_one_running_per_thread ON agent_runs (thread_id) WHERE status = 'running';
        CREATE INDEX agent_runs_thread ON agent_runs (thread_id, seq);
        CREATE INDEX agent_runs_pending ON agent_runs (seq) WHERE status = 'pending';
        CREATE INDEX agent_runs_leases ON agent_runs (lease_expires_at) WHERE status = 'running';

        -- Create a run on a thread: start it (owned by p_owner, with a lease) when the thread
        -- has nothing running or queued and it is not a background run; otherwise queue it,
        -- unless the strategy is reject and the thread is busy (then no row). The thread's
        -- row lock orders creations on one thread; each statement of a function sees what
        -- committed before it, so the count after the lock is the truth.
        CREATE FUNCTION concierge_create_run(p_run_id TEXT, p_thread_id TEXT, p_assistant_id TEXT, p_metadata JSONB, p_strategy TEXT,
                                             p_payload JSONB, p_owner TEXT, p_background BOOLEAN, p_lease_ms BIGINT)
        RETURNS SETOF agent_runs LANGUAGE plpgsql AS $$
        DECLARE
          v_running BIGINT;
          v_pending BIGINT;
          v_start BOOLEAN;
        BEGIN
          PERFORM 1 FROM agent_threads WHERE thread_id = p_thread_id FOR UPDATE;
          SELECT count(*) FILTER (WHERE status = 'running'), count(*) FILTER (WHERE status = 'pending') INTO v_running, v_pending
            FROM agent_runs WHERE thread_id = p_thread_id AND status IN ('pending', 'running');
          v_start := NOT p_background AND v_running = 0 AND v_pending = 0;
          IF NOT v_start AND p_strategy = 'reject' AND v_running + v_pending > 0 THEN
            RETURN;
          END IF;
          IF v_start THEN
            UPDATE agent_threads SET status = 'busy', updated_at = now() WHERE thread_id = p_thread_id;
          END IF;
          RETURN QUERY
            INSERT INTO agent_runs (run_id, thread_id, assistant_id, status, metadata, multitask_strategy, payload, background, owner, lease_expires_at)
            VALUES (p_run_id, p_thread_id, p_assistant_id, CASE WHEN v_start THEN 'running' ELSE 'pending' END, p_metadata, p_strategy, p_payload,
                    p_background, CASE WHEN v_start THEN p_owner END, CASE WHEN v_start THEN now() + p_lease_ms * interval '1 millisecond' END)
            RETURNING *;
        END
        $$;

        -- A thread's usage plus a run's, summed field by field in the UPDATE that finishes the
        -- run: the thread's row lock orders concurrent finishes, with no read-modify-write trip.
        CREATE FUNCTION concierge_add_usage(total JSONB, run JSONB) RETURNS JSONB LANGUAGE sql IMMUTABLE AS $$
          SELECT coalesce(jsonb_object_agg(k,
                   CASE WHEN jsonb_typeof(total -> k) = 'number' AND jsonb_typeof(run -> k) = 'number'
                        THEN to_jsonb((total ->> k)::numeric + (run ->> k)::numeric)
                        ELSE coalesce(nullif(run -> k, '""'::jsonb), total -> k) END), '{}'::jsonb)
          FROM (SELECT jsonb_object_keys(total) UNION SELECT jsonb_object_keys(run)) AS keys (k)
        $$;
      `,
    },
    {
      version: 2,
      name: 'deadlines of queued runs',
      // The nine-argument function stays for replicas of the previous version during a
      // rolling upgrade: their runs have no deadline, as before.
      sql: `
        -- Real ms within which the message is answered, from when the run could first start
        -- (its creation, or the end of its thread's previous run); NULL: none.
        ALTER TABLE agent_runs ADD COLUMN deadline_ms BIGINT;

        CREATE FUNCTION concierge_create_run(p_run_id TEXT, p_thread_id TEXT, p_assistant_id TEXT, p_metadata JSONB, p_strategy TEXT,
                                             p_payload JSONB, p_owner TEXT, p_background BOOLEAN, p_lease_ms BIGINT, p_deadline_ms BIGINT)
        RETURNS SETOF agent_runs LANGUAGE plpgsql AS $$
        DECLARE
          v_running BIGINT;
          v_pending BIGINT;
          v_start BOOLEAN;
        BEGIN
          PERFORM 1 FROM agent_threads WHERE thread_id = p_thread_id FOR UPDATE;
          SELECT count(*) FILTER (WHERE status = 'running'), count(*) FILTER (WHERE status = 'pending') INTO v_running, v_pending
            FROM agent_runs WHERE thread_id = p_thread_id AND status IN ('pending', 'running');
          v_start := NOT p_background AND v_running = 0 AND v_pending = 0;
          IF NOT v_start AND p_strategy = 'reject' AND v_running + v_pending > 0 THEN
            RETURN;
          END IF;
          IF v_start THEN
            UPDATE agent_threads SET status = 'busy', updated_at = now() WHERE thread_id = p_thread_id;
          END IF;
          RETURN QUERY
            INSERT INTO agent_runs (run_id, thread_id, assistant_id, status, metadata, multitask_strategy, payload, background, owner, lease_expires_at, deadline_ms)
            VALUES (p_run_id, p_thread_id, p_assistant_id, CASE WHEN v_start THEN 'running' ELSE 'pending' END, p_metadata, p_strategy, p_payload,
                    p_background, CASE WHEN v_start THEN p_owner END, CASE WHEN v_start THEN now() + p_lease_ms * interval '1 millisecond' END, p_deadline_ms)
            RETURNING *;
        END
        $$;
      `,
    },
  ],
};
