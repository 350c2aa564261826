import type { DataSource, EntityManager } from 'typeorm';
import { BIG_TABLE_LOCK_TIMEOUT_MS } from './migrations/big-table-ddl';
import { addMonths, monthStart } from './retention';

/**
 * Monthly partitions of the two big tables (declarative, RANGE on hour_start; made by `MonthlyPartitions1765100000000`).
 *
 * - A month's partition is a plain table `<table>_pYYYY_MM` created empty and ATTACHed: ATTACH takes SHARE UPDATE
 *   EXCLUSIVE on the parent, so writers and readers go on (CREATE TABLE … PARTITION OF would take ACCESS EXCLUSIVE).
 *   Creation is serialised by a transaction advisory lock per table and is idempotent: the aggregator's maintenance
 *   job makes them ahead, the processor makes a missing one on demand before it writes a batch.
 * - A partition is dropped by DETACH … CONCURRENTLY (SHARE UPDATE EXCLUSIVE: no writer or reader waits) and DROP
 *   TABLE of the detached table: O(1), no DELETE, no dead rows, no trigger (rollup_pending is not marked).
 * - There is no DEFAULT partition: a row for a month without a partition is refused by PostgreSQL (SQLSTATE 23514),
 *   which the processor prevents (it creates the month first) or quarantines with the reason — never stored silently
 *   in a catch-all.
 */
export const PARTITIONED_TABLES = ['performance_delta', 'hourly_fact'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

/** `pg_advisory_xact_lock(PARTITION_LOCK_NAMESPACE, key)`: one creator per table at a time. */
export const PARTITION_LOCK_NAMESPACE = 0x414d5350; // 'AMSP'
const TABLE_LOCK_KEYS: Record<PartitionedTable, number> = { performance_delta: 1, hourly_fact: 2 };
/** Storage parameters of each table's partitions (a partitioned parent has none). */
const STORAGE: Record<PartitionedTable, string> = { performance_delta: '', hourly_fact: ' WITH (fillfactor = 70)' };

export interface PartitionRange {
  name: string;
  /** null: MINVALUE (the legacy partition) */
  from: Date | null;
  /** null: MAXVALUE */
  to: Date | null;
  /** a DETACH CONCURRENTLY that was interrupted: finish it */
  detachPending: boolean;
}

type Row = { name: string; bound: string; pending: boolean };

/** A TypeORM DataSource, EntityManager or QueryRunner, or a node-postgres Client or Pool. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** The partitions of a table in bound order; [] when the table is not partitioned (a database not yet migrated). */
export async function partitionsOf(db: Queryable, table: PartitionedTable): Promise<PartitionRange[]> {
  const result = (await db.query(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, i.inhdetachpending AS pending
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass($1)
      ORDER BY c.relname`,
    [table],
  )) as Row[] | { rows: Row[] };
  // TypeORM answers the rows, node-postgres a result holding them
  const rows = Array.isArray(result) ? result : result.rows;
  return rows
    .map((r) => ({ name: r.name, ...parseBound(r.bound), detachPending: r.pending }))
    .sort((a, b) => (a.from?.getTime() ?? -Infinity) - (b.from?.getTime() ?? -Infinity));
}

/** `FOR VALUES FROM ('2027-01-01 00:00:00+00') TO ('2027-02-01 00:00:00+00')`, MINVALUE/MAXVALUE allowed. */
export function parseBound(bound: string): { from: Date | null; to: Date | null } {
  const m = /FROM \((MINVALUE|'[^']+')\) TO \((MAXVALUE|'[^']+')\)/.exec(bound);
  if (!m) throw new Error(`not a range partition bound: ${bound}`);
  const at = (v: string) =>
    v.startsWith("'") ? new Date(v.slice(1, -1).replace(' ', 'T').replace(/\+00$/, 'Z')) : null;
  return { from: at(m[1]), to: at(m[2]) };
}

/** Whether `at` falls inside one of the ranges. */
export function covered(parts: PartitionRange[], at: Date): boolean {
  const t = at.getTime();
  return parts.some((p) => (p.from === null || p.from.getTime() <= t) && (p.to === null || t < p.to.getTime()));
}

export function partitionName(table: PartitionedTable, month: Date): string {
  return `${table}_p${month.toISOString().slice(0, 7).replace('-', '_')}`;
}

/**
 * Makes the monthly partitions of `table` for every month of `instants` that no partition covers yet; returns the
 * names made. Nothing when the table is not partitioned. Serialised per table; each month in its own short
 * transaction (lock_timeout 3 s, so a creator never queues behind DDL that holds the parent).
 */
export async function ensureMonthPartitions(
  ds: DataSource,
  table: PartitionedTable,
  instants: Date[],
): Promise<string[]> {
  const months = [...new Map(instants.map((i) => monthStart(i)).map((m) => [m.getTime(), m])).values()].sort(
    (a, b) => a.getTime() - b.getTime(),
  );
  const made: string[] = [];
  let parts = await partitionsOf(ds, table);
  if (!parts.length) return made;
  for (const month of months) {
    if (covered(parts, month)) continue;
    const name = partitionName(table, month);
    const created = await ds.transaction(async (em: EntityManager) => {
      await em.query(`SET LOCAL lock_timeout = ${BIG_TABLE_LOCK_TIMEOUT_MS}`);
      await em.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [
        PARTITION_LOCK_NAMESPACE,
        TABLE_LOCK_KEYS[table],
      ]);
      parts = await partitionsOf(em, table); // another creator may have made it meanwhile
      if (covered(parts, month)) return false;
      const next = addMonths(month, 1);
      // a range that overlaps another partition partly (never made here: months only) is PostgreSQL's error to give
      await em.query(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS)${STORAGE[table]}`);
      await em.query(
        `ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${month.toISOString()}') TO ('${next.toISOString()}')`,
      );
      return true;
    });
    if (created) made.push(name);
    parts = await partitionsOf(ds, table);
  }
  return made;
}

/**
 * Drops every partition of `table` that ends at or before `horizon` (the legacy partition included, once its upper
 * bound is that old): DETACH CONCURRENTLY, then DROP TABLE. Returns the partitions dropped. Runs outside any
 * transaction (DETACH CONCURRENTLY requires it) on a connection of its own.
 */
export async function dropPartitionsBefore(
  ds: DataSource,
  table: PartitionedTable,
  horizon: Date,
): Promise<PartitionRange[]> {
  const parts = (await partitionsOf(ds, table)).filter((p) => p.to !== null && p.to.getTime() <= horizon.getTime());
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query(`SET lock_timeout = ${BIG_TABLE_LOCK_TIMEOUT_MS}`);
    for (const p of parts) {
      await runner.query(
        p.detachPending
          ? `ALTER TABLE ${table} DETACH PARTITION ${p.name} FINALIZE`
          : `ALTER TABLE ${table} DETACH PARTITION ${p.name} CONCURRENTLY`,
      );
      await runner.query(`DROP TABLE ${p.name}`);
    }
  } finally {
    await runner.query('RESET lock_timeout').catch(() => undefined);
    await runner.release();
  }
  return parts;
}
