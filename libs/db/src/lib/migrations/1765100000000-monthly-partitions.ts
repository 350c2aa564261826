import { MigrationInterface, QueryRunner } from 'typeorm';
import { BIG_TABLE_LOCK_TIMEOUT_MS, bigTableDdl, createIndexConcurrently } from './big-table-ddl';

/** The primary key of each table once partitioned: advertiser first, the partition key (hour_start) included. */
const KEYS = {
  performance_delta: ['advertiser_id', 'idempotency_id', 'hour_start'],
  hourly_fact: [
    'advertiser_id',
    'marketplace_id',
    'campaign_id',
    'ad_group_id',
    'ad_id',
    'keyword_id',
    'placement',
    'hour_start',
  ],
} as const;
/** The primary key of each table before (what `down` restores). */
const OLD_KEYS = { performance_delta: ['advertiser_id', 'idempotency_id'], hourly_fact: KEYS.hourly_fact } as const;
type Table = keyof typeof KEYS;
/** Storage parameters of each partition (a partitioned parent has none): hourly_fact leaves room for HOT updates. */
const STORAGE: Record<Table, string> = { performance_delta: '', hourly_fact: ' WITH (fillfactor = 70)' };
/** Monthly partitions made ahead by the migration; the aggregator's maintenance job keeps this many from then on. */
const MONTHS_AHEAD = 3;
/** VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE (writers and readers go on): it only waits for other DDL or VACUUM. */
const VALIDATE_LOCK_TIMEOUT_MS = 60_000;

/** The rollup_pending triggers of hourly_fact, as `RollupPending1764392100000` made them (frozen here). */
const PENDING_TRIGGERS = [
  `CREATE TRIGGER hourly_fact_pending_insert AFTER INSERT ON hourly_fact
   REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_pending_mark()`,
  `CREATE TRIGGER hourly_fact_pending_update AFTER UPDATE ON hourly_fact
   REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_pending_mark()`,
  `CREATE TRIGGER hourly_fact_pending_delete AFTER DELETE ON hourly_fact
   REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_pending_mark()`,
];
const DROP_PENDING_TRIGGERS = ['insert', 'update', 'delete'].map(
  (op) => `DROP TRIGGER IF EXISTS hourly_fact_pending_${op} ON hourly_fact`,
);

/**
 * `performance_delta` and `hourly_fact` become tables partitioned by month on `hour_start` (declarative, RANGE), so
 * retention drops whole months (O(1)) and queries on a time range read only its months.
 *
 * Keys: a partitioned table's unique keys must contain the partition key, so performance_delta's key becomes
 * (advertiser_id, idempotency_id, hour_start). Dedupe still holds: a redelivered record is the same record (AMS:
 * "same idempotency_id ⇒ true duplicate"), so it carries the same time_window_start, hence the same hour_start, and
 * conflicts on the new key exactly as on the old one. hourly_fact's key already ended with hour_start.
 *
 * The same path serves an empty and a loaded database, and stops the writers for milliseconds, not for a copy:
 * 1. `CHECK (hour_start < B) NOT VALID` on the existing table (a short lock under lock_timeout), B = the first day of
 *    the month after the one two days from now: no record for B or later can arrive before the switch commits;
 * 2. `VALIDATE CONSTRAINT` — the scan of every row, under SHARE UPDATE EXCLUSIVE: writes and reads go on;
 * 3. performance_delta: `CREATE UNIQUE INDEX CONCURRENTLY` on the new key (online);
 * 4. one short transaction (ACCESS EXCLUSIVE, lock_timeout 3 s): the table is renamed `<table>_legacy` (its indexes
 *    too), the partitioned parent is created with the same columns, keys and indexes, the old table is ATTACHed as the
 *    partition [MINVALUE, B) — no scan (the validated CHECK proves the bound) and no index build (each parent index
 *    adopts the equal one of the old table) — then MONTHS_AHEAD monthly partitions from B, and the triggers.
 * Retention drops `<table>_legacy` once B is older than the table's horizon. On a new database the legacy partition
 * is empty and holds what arrives before B. Each table is switched on its own; a run that stopped half way is
 * repeated safely (a table already partitioned is skipped).
 *
 * Release order: apps of this release first (the processor's `ON CONFLICT DO NOTHING` works on both keys), then this
 * migration. Measured lock time and the runbook: docs/scaling.md.
 */
export class MonthlyPartitions1765100000000 implements MigrationInterface {
  name = 'MonthlyPartitions1765100000000';
  transaction = false;

  public async up(q: QueryRunner): Promise<void> {
    const bound = await legacyBound(q);
    for (const table of ['performance_delta', 'hourly_fact'] as const) {
      if (await isPartitioned(q, table)) continue;
      const check = `${table}_legacy_bound`;
      if (!(await constraintExists(q, table, check))) {
        await bigTableDdl(q, [
          `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (hour_start < '${bound}') NOT VALID`,
        ]);
      }
      await bigTableDdl(q, [`ALTER TABLE ${table} VALIDATE CONSTRAINT ${check}`], VALIDATE_LOCK_TIMEOUT_MS);
      if (table === 'performance_delta') {
        await createIndexConcurrently(q, 'performance_delta_key_hour_idx', `ON performance_delta (${KEYS[table]})`, {
          unique: true,
        });
      }
      await inTransaction(q, () => switchTable(q, table, bound));
    }
    // budget_usage_event is kept a bounded time: the aggregator's retention job deletes it by arrival
    await createIndexConcurrently(q, 'budget_usage_event_received_idx', 'ON budget_usage_event (received_at)');
  }

  public async down(q: QueryRunner): Promise<void> {
    const run = async () => {
      for (const table of ['hourly_fact', 'performance_delta'] as const) {
        if (!(await isPartitioned(q, table))) continue;
        const indexes = await secondaryIndexes(q, table);
        const copy = `${table}_unpartitioned`;
        await bigTableDdl(q, [
          `CREATE TABLE ${copy} (LIKE ${table} INCLUDING DEFAULTS)${STORAGE[table]}`,
          `INSERT INTO ${copy} SELECT * FROM ${table}`,
          `DROP TABLE ${table}`,
          `ALTER TABLE ${copy} RENAME TO ${table}`,
          `ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (${OLD_KEYS[table].join(', ')})`,
          // a partitioned parent's index reads `ON ONLY`: the plain table takes it without
          ...indexes.map((i) => i.def.replace(' ON ONLY ', ' ON ')),
          ...(table === 'hourly_fact' ? PENDING_TRIGGERS : []),
        ]);
      }
      await q.query(`DROP INDEX IF EXISTS budget_usage_event_received_idx`);
    };
    // TypeORM reverts in a transaction whatever `transaction` says; on its own, make one
    if (q.isTransactionActive) await run();
    else await inTransaction(q, run);
  }
}

/** Step 4: the short switch, in the caller's transaction. */
async function switchTable(q: QueryRunner, table: Table, bound: string): Promise<void> {
  const legacy = `${table}_legacy`;
  const indexes = await secondaryIndexes(q, table);
  const own = (await q.query(
    `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = $1::regclass ORDER BY c.relname`,
    [table],
  )) as Array<{ name: string }>;
  const statements = [
    ...(table === 'hourly_fact' ? DROP_PENDING_TRIGGERS : []),
    `ALTER TABLE ${table} RENAME TO ${legacy}`,
    // every index of the old table keeps its place under the legacy name; the parent takes the names back
    ...own.map((i) => `ALTER INDEX ${i.name} RENAME TO ${legacyIndexName(i.name, table)}`),
  ];
  if (table === 'performance_delta') {
    statements.push(
      `ALTER TABLE ${legacy} DROP CONSTRAINT ${legacyIndexName(`${table}_pkey`, table)}`,
      `ALTER TABLE ${legacy} ADD CONSTRAINT ${legacy}_pkey PRIMARY KEY USING INDEX ${legacyIndexName('performance_delta_key_hour_idx', table)}`,
    );
  }
  const from = bound;
  const months = await monthsAhead(q, bound);
  statements.push(
    `CREATE TABLE ${table} (LIKE ${legacy} INCLUDING DEFAULTS) PARTITION BY RANGE (hour_start)`,
    `ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (${KEYS[table].join(', ')})`,
    // the same secondary indexes, by their definitions (an index on a parent with no partition yet is instant)
    ...indexes.filter((i) => i.name !== 'performance_delta_key_hour_idx').map((i) => i.def),
    // no scan (the validated CHECK implies the bound), no index build (each parent index adopts its twin)
    `ALTER TABLE ${table} ATTACH PARTITION ${legacy} FOR VALUES FROM (MINVALUE) TO ('${from}')`,
    `ALTER TABLE ${legacy} DROP CONSTRAINT ${table}_legacy_bound`,
    ...months.map(
      (m) =>
        `CREATE TABLE ${table}_p${m.label} PARTITION OF ${table} FOR VALUES FROM ('${m.from}') TO ('${m.to}')${STORAGE[table]}`,
    ),
    ...(table === 'hourly_fact' ? PENDING_TRIGGERS : []),
  );
  await bigTableDdl(q, statements, BIG_TABLE_LOCK_TIMEOUT_MS);
}

function legacyIndexName(name: string, table: Table): string {
  return name.startsWith(`${table}_`) ? `${table}_legacy_${name.slice(table.length + 1)}` : `${name}_legacy`;
}

/** The first instant of the month after the one two days from now (UTC), as PostgreSQL writes a timestamptz in UTC. */
async function legacyBound(q: QueryRunner): Promise<string> {
  // a CHECK left by an interrupted run keeps its bound: the rows validated against it must fit the legacy partition
  const [left] = (await q.query(
    `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
      WHERE c.conname IN ('performance_delta_legacy_bound', 'hourly_fact_legacy_bound') ORDER BY c.conname LIMIT 1`,
  )) as Array<{ def: string }>;
  const kept = left ? /'([^']+)'/.exec(left.def)?.[1] : undefined;
  if (kept) {
    const [row] = (await q.query(
      `SELECT to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS b`,
      [kept],
    )) as Array<{ b: string }>;
    return row.b;
  }
  const [row] = (await q.query(
    `SELECT to_char(date_trunc('month', (now() AT TIME ZONE 'UTC') + interval '2 days') + interval '1 month',
                    'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS b`,
  )) as Array<{ b: string }>;
  return row.b;
}

/** Monthly ranges from `bound` up to MONTHS_AHEAD months after the current one. */
async function monthsAhead(q: QueryRunner, bound: string): Promise<Array<{ label: string; from: string; to: string }>> {
  return (await q.query(
    `SELECT to_char(m, 'YYYY_MM') AS label, to_char(m, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS from,
            to_char(m + interval '1 month', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS to
       FROM generate_series(($1::timestamptz AT TIME ZONE 'UTC'),
                            date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => $2::int),
                            interval '1 month') AS m
      ORDER BY m`,
    [bound, MONTHS_AHEAD],
  )) as Array<{ label: string; from: string; to: string }>;
}

async function isPartitioned(q: QueryRunner, table: string): Promise<boolean> {
  const rows = (await q.query(`SELECT 1 FROM pg_class WHERE oid = to_regclass($1) AND relkind = 'p'`, [
    table,
  ])) as unknown[];
  return rows.length > 0;
}

async function constraintExists(q: QueryRunner, table: string, name: string): Promise<boolean> {
  const rows = (await q.query(`SELECT 1 FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2`, [
    table,
    name,
  ])) as unknown[];
  return rows.length > 0;
}

/** The indexes of a table that back no constraint, with their definitions (CREATE INDEX … ON public.<table> …). */
async function secondaryIndexes(q: QueryRunner, table: string): Promise<Array<{ name: string; def: string }>> {
  return (await q.query(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      ORDER BY c.relname`,
    [table],
  )) as Array<{ name: string; def: string }>;
}

async function inTransaction(q: QueryRunner, work: () => Promise<void>): Promise<void> {
  await q.startTransaction();
  try {
    await work();
    await q.commitTransaction();
  } catch (err) {
    await q.rollbackTransaction();
    throw err;
  }
}
