import { createHash } from 'node:crypto';
import type { QueryRunner } from 'typeorm';

/**
 * Tables that hold (or grow to) millions of rows and are written every second by the processor and read by the api.
 * DDL on them needs a lock that conflicts with those writers (ALTER TABLE, CREATE TRIGGER, DROP INDEX: ACCESS
 * EXCLUSIVE or SHARE ROW EXCLUSIVE; a plain CREATE INDEX: SHARE, for the whole build). A DDL statement waiting for
 * its lock also blocks every statement queued behind it, so one long read turns a migration into an outage.
 * Every migration that changes one of these tables goes through this file (migrations.integration.spec.ts checks the sources).
 */
export const BIG_TABLES = ['hourly_fact', 'performance_delta'] as const;

/**
 * How long big-table DDL waits for its lock before it gives up (SQLSTATE 55P03, lock_not_available): the migration
 * then fails, nothing is half-applied (its transaction rolls back), and the run is repeated (tools/migrate is
 * idempotent and serialised by an advisory lock; the Kubernetes Job retries).
 */
export const BIG_TABLE_LOCK_TIMEOUT_MS = 3_000;

/**
 * Runs DDL statements on big tables with `lock_timeout` set. In a migration's transaction (the default) it is
 * `SET LOCAL`, which changes no schema and ends with the transaction; so it may be added to a migration that was
 * already applied elsewhere without changing what it did. Outside a transaction it is set for the session and reset.
 */
export async function bigTableDdl(
  q: QueryRunner,
  statements: string[],
  lockTimeoutMs = BIG_TABLE_LOCK_TIMEOUT_MS,
): Promise<void> {
  const inTransaction = q.isTransactionActive;
  await q.query(`SET ${inTransaction ? 'LOCAL ' : ''}lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
  try {
    for (const sql of statements) await q.query(sql);
  } finally {
    if (!inTransaction) await q.query('RESET lock_timeout');
  }
}

/**
 * Builds (or drops) an index without blocking the table's writers: `CREATE INDEX CONCURRENTLY` takes only a SHARE
 * UPDATE EXCLUSIVE lock. PostgreSQL refuses it inside a transaction block, so the migration must declare
 * `transaction = false` (TypeORM then runs it outside one; tools/migrate runs migrations with transaction 'each',
 * which honours the flag). A build that fails (lock timeout, a duplicate in a unique index, cancellation) leaves an
 * INVALID index behind: it is dropped here, so running the migration again starts clean.
 *
 * `definition` is everything after the index name, e.g. `ON hourly_fact (advertiser_id, hour_start)`.
 */
export async function createIndexConcurrently(
  q: QueryRunner,
  name: string,
  definition: string,
  opts: { unique?: boolean; lockTimeoutMs?: number } = {},
): Promise<void> {
  assertIdentifier(name);
  if (q.isTransactionActive) {
    throw new Error(
      `CREATE INDEX CONCURRENTLY ${name}: the migration must set transaction = false (PostgreSQL refuses it in a transaction)`,
    );
  }
  // IF NOT EXISTS would also skip an INVALID index left by a build that was killed: drop that one first
  const [row] = (await q.query(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1`,
    [name],
  )) as Array<{ valid: boolean }>;
  if (row && !row.valid) await dropIndexConcurrently(q, name, opts.lockTimeoutMs);
  const on = /^\s*ON\s+(?:ONLY\s+)?(\w+)\s+([\s\S]*)$/i.exec(definition);
  if (on && (await isPartitionedTable(q, on[1]))) return createPartitionedIndex(q, name, on[1], on[2], opts);
  try {
    await bigTableDdl(
      q,
      [`CREATE ${opts.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${name} ${definition}`],
      opts.lockTimeoutMs,
    );
  } catch (err) {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`).catch(() => undefined);
    throw err;
  }
}

/**
 * `CREATE INDEX CONCURRENTLY` is refused on a partitioned table, so its index is built the way PostgreSQL documents:
 * the parent's index `ON ONLY` the parent (no build, invalid until every partition has its own), then each
 * partition's index CONCURRENTLY and ATTACHed to it; the last ATTACH makes the parent's index valid. Partitions
 * created later get the index when they are attached. Re-running finishes what an interrupted run left.
 */
async function createPartitionedIndex(
  q: QueryRunner,
  name: string,
  table: string,
  rest: string,
  opts: { unique?: boolean; lockTimeoutMs?: number },
): Promise<void> {
  const unique = opts.unique ? 'UNIQUE ' : '';
  await bigTableDdl(q, [`CREATE ${unique}INDEX IF NOT EXISTS ${name} ON ONLY ${table} ${rest}`], opts.lockTimeoutMs);
  const partitions = (await q.query(
    `SELECT c.relname AS part,
            (SELECT ic.relname FROM pg_inherits ii JOIN pg_class ic ON ic.oid = ii.inhrelid JOIN pg_index x ON x.indexrelid = ic.oid
              WHERE ii.inhparent = to_regclass($2) AND x.indrelid = c.oid) AS attached
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`,
    [table, name],
  )) as Array<{ part: string; attached: string | null }>;
  for (const { part, attached } of partitions) {
    if (attached) continue;
    const child = partitionIndexName(part, name, table);
    await createIndexConcurrently(q, child, `ON ${part} ${rest}`, opts);
    await bigTableDdl(q, [`ALTER INDEX ${name} ATTACH PARTITION ${child}`], opts.lockTimeoutMs);
  }
}

/** `<partition>_<index name without its table prefix>`, shortened with a hash to PostgreSQL's 63 characters. */
function partitionIndexName(partition: string, index: string, table: string): string {
  const suffix = index.startsWith(`${table}_`) ? index.slice(table.length + 1) : index;
  const full = `${partition}_${suffix}`;
  if (full.length <= 63) return full;
  const hash = createHash('sha1').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 54)}_${hash}`;
}

async function isPartitionedTable(q: QueryRunner, table: string): Promise<boolean> {
  const rows = (await q.query(`SELECT 1 FROM pg_class WHERE oid = to_regclass($1) AND relkind = 'p'`, [
    table,
  ])) as unknown[];
  return rows.length > 0;
}

/**
 * Drops an index without blocking the table's writers: `DROP INDEX CONCURRENTLY` outside a transaction. TypeORM
 * reverts a migration in a transaction whatever its `transaction` flag (undoLastMigration honours only the run's
 * mode), so inside one this falls back to a plain DROP INDEX under lock_timeout: a short ACCESS EXCLUSIVE lock (the
 * drop itself is instant) that gives up instead of queueing behind a long reader.
 */
export async function dropIndexConcurrently(
  q: QueryRunner,
  name: string,
  lockTimeoutMs = BIG_TABLE_LOCK_TIMEOUT_MS,
): Promise<void> {
  assertIdentifier(name);
  // an index of a partitioned table cannot be dropped CONCURRENTLY: a plain DROP under the lock timeout
  const [idx] = (await q.query(`SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass($1)`, [name])) as Array<{
    relkind: string;
  }>;
  const concurrently = !q.isTransactionActive && idx?.relkind !== 'I';
  await bigTableDdl(q, [`DROP INDEX ${concurrently ? 'CONCURRENTLY ' : ''}IF EXISTS ${name}`], lockTimeoutMs);
}

function assertIdentifier(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain index name: ${name}`);
}
