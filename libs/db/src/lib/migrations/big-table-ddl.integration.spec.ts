import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../data-source';
import { BIG_TABLES, bigTableDdl, createIndexConcurrently, dropIndexConcurrently } from './big-table-ddl';
import { MIGRATIONS } from './index';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DIR = __dirname;
const BIG = BIG_TABLES.join('|');

/** DDL that locks an existing big table against its writers (index names start with their table's name). */
const LOCKING_PATTERNS = [
  String.raw`\bALTER\s+TABLE(?:\s+ONLY)?(?:\s+IF\s+EXISTS)?\s+(?:${BIG})\b`,
  String.raw`\bCREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?(?:\s+IF\s+NOT\s+EXISTS)?\s+\w+\s+ON\s+(?:ONLY\s+)?(?:${BIG})\b`,
  String.raw`\b(?:CREATE|DROP)\s+TRIGGER(?:\s+IF\s+EXISTS)?\s+\w+[\s\S]*?\bON\s+(?:${BIG})\b`,
  String.raw`\b(?:LOCK\s+TABLE|TRUNCATE|VACUUM\s+FULL|CLUSTER|REINDEX\s+TABLE)\s+(?:${BIG})\b`,
  String.raw`\bDROP\s+INDEX(?:\s+CONCURRENTLY)?(?:\s+IF\s+EXISTS)?\s+(?:${BIG})\w*`,
].map((p) => new RegExp(p, 'i'));
const LOCKING_DDL = { test: (sql: string) => LOCKING_PATTERNS.some((p) => p.test(sql)) };
/** A plain (blocking) index build on a big table */
const BLOCKING_INDEX = new RegExp(
  String.raw`CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY)(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+ON\s+(?:${BIG})\b`,
  'i',
);
/** Migrations applied before this rule: they keep their plain index builds (now under lock_timeout). */
const BUILT_BEFORE_THE_RULE = new Set(['1764390000000-initial-schema.ts', '1764390400000-rollups.ts']);

function migrationSources(): Array<{ file: string; source: string }> {
  return readdirSync(DIR)
    .filter((f) => /^\d{13}-.+\.ts$/.test(f) && !f.endsWith('.spec.ts'))
    .map((file) => ({ file, source: readFileSync(join(DIR, file), 'utf8') }));
}

/** The SQL a migration hands straight to `q.query(…)`, table creations of its own excepted (nobody else can hold them). */
function directStatements(source: string): string[] {
  const created = new Set([...source.matchAll(/CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi)].map((m) => m[1]));
  return [...source.matchAll(/\bq\.query\(\s*`([\s\S]*?)`/g)]
    .map((m) => m[1])
    .filter((sql) => !BIG_TABLES.some((t) => created.has(t) && new RegExp(String.raw`\b${t}\b`).test(sql)));
}

describe('migrations on big tables (source scan)', () => {
  const sources = migrationSources();

  it('finds the migrations', () => {
    expect(sources.length).toBeGreaterThanOrEqual(7);
  });

  it.each(sources.map((s) => [s.file, s.source]))(
    '%s runs its big-table DDL through bigTableDdl (lock_timeout)',
    (_file, source) => {
      const offending = directStatements(source).filter((sql) => LOCKING_DDL.test(sql));
      expect(offending).toEqual([]);
    },
  );

  it.each(sources.filter((s) => !BUILT_BEFORE_THE_RULE.has(s.file)).map((s) => [s.file, s.source]))(
    '%s builds indexes on big tables CONCURRENTLY (createIndexConcurrently, transaction = false)',
    (_file, source) => {
      expect(source).not.toMatch(BLOCKING_INDEX);
      if (/createIndexConcurrently|dropIndexConcurrently/.test(source))
        expect(source).toMatch(/transaction\s*=\s*false/);
    },
  );

  it('the scan catches what it should', () => {
    expect(
      directStatements('await q.query(`ALTER TABLE hourly_fact SET (fillfactor = 70)`)').filter((s) =>
        LOCKING_DDL.test(s),
      ),
    ).toHaveLength(1);
    expect(LOCKING_DDL.test('CREATE INDEX foo ON performance_delta (x)')).toBe(true);
    expect(LOCKING_DDL.test('DROP INDEX IF EXISTS hourly_fact_hour_start_brin')).toBe(true);
    expect(LOCKING_DDL.test('CREATE TRIGGER t AFTER INSERT ON hourly_fact FOR EACH STATEMENT')).toBe(true);
    expect(LOCKING_DDL.test('INSERT INTO rollup_pending SELECT * FROM hourly_fact')).toBe(false);
    expect(BLOCKING_INDEX.test('CREATE INDEX CONCURRENTLY IF NOT EXISTS x ON hourly_fact (a)')).toBe(false);
    expect(BLOCKING_INDEX.test('CREATE INDEX x ON hourly_fact (a)')).toBe(true);
  });
});

describe('big-table DDL helpers (real PostgreSQL)', () => {
  const name = `ams_test_ddl_${randomBytes(4).toString('hex')}`;
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const admin = new Client({ connectionString: ADMIN_URL });
  let ds: DataSource;
  let q: QueryRunner;
  let holder: Client;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await runMigrations(url);
    ds = await new DataSource(dataSourceOptions({ url, poolSize: 2 })).initialize();
    q = ds.createQueryRunner();
    holder = new Client({ connectionString: url });
    await holder.connect();
  });
  afterAll(async () => {
    await q?.release();
    await holder?.end().catch(() => undefined);
    await ds?.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('gives up after lock_timeout instead of queueing behind a long reader, and changes nothing', async () => {
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM hourly_fact'); // ACCESS SHARE until the transaction ends
    await q.startTransaction();
    const t0 = Date.now();
    await expect(bigTableDdl(q, ['ALTER TABLE hourly_fact ADD COLUMN spec_probe int'], 300)).rejects.toMatchObject({
      code: '55P03',
    });
    const waited = Date.now() - t0;
    await q.rollbackTransaction();
    await holder.query('COMMIT');
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(5_000);
    const cols = await ds.query(
      `SELECT 1 FROM information_schema.columns WHERE table_name = 'hourly_fact' AND column_name = 'spec_probe'`,
    );
    expect(cols).toEqual([]);
    // SET LOCAL ended with the transaction
    expect(await ds.query('SHOW lock_timeout')).toEqual([{ lock_timeout: '0' }]);
  });

  it('builds an index concurrently while a writer holds its transaction open, and refuses to run in a transaction', async () => {
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO rollup_pending (advertiser_id, campaign_id, local_date) VALUES ('a', 'c', '2025-06-03')`,
    );
    // a writer on hourly_fact (ROW EXCLUSIVE) does not conflict with CONCURRENTLY's SHARE UPDATE EXCLUSIVE
    await holder.query(`UPDATE hourly_fact SET clicks = clicks WHERE false`);
    const building = createIndexConcurrently(
      q,
      'hourly_fact_spec_probe_idx',
      'ON hourly_fact (advertiser_id, keyword_id)',
      { lockTimeoutMs: 10_000 },
    );
    // CONCURRENTLY waits for transactions that could see the table: let the writer finish
    await new Promise((r) => setTimeout(r, 100));
    await holder.query('COMMIT');
    await building;
    const [idx] = (await ds.query(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'hourly_fact_spec_probe_idx'`,
    )) as Array<{ valid: boolean }>;
    expect(idx).toEqual({ valid: true });
    await createIndexConcurrently(q, 'hourly_fact_spec_probe_idx', 'ON hourly_fact (advertiser_id, keyword_id)'); // idempotent

    await q.startTransaction();
    await expect(
      createIndexConcurrently(q, 'hourly_fact_spec_probe2_idx', 'ON hourly_fact (keyword_id)'),
    ).rejects.toThrow(/transaction = false/);
    await q.rollbackTransaction();
  });

  it('runs a transaction = false migration with a concurrent index through runMigrations (transaction each)', async () => {
    class ProbeIndex9999999999999 implements MigrationInterface {
      name = 'ProbeIndex9999999999999';
      transaction = false;
      async up(r: QueryRunner): Promise<void> {
        await createIndexConcurrently(r, 'performance_delta_spec_probe_idx', 'ON performance_delta (dataset_id)');
      }
      async down(r: QueryRunner): Promise<void> {
        await dropIndexConcurrently(r, 'performance_delta_spec_probe_idx');
      }
    }
    const probe = await new DataSource({
      ...dataSourceOptions({ url, poolSize: 1 }),
      migrations: [...MIGRATIONS, ProbeIndex9999999999999],
    }).initialize();
    try {
      expect((await probe.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual([
        'ProbeIndex9999999999999',
      ]);
      const valid = async () =>
        (await probe.query(
          `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'performance_delta_spec_probe_idx'`,
        )) as Array<{ valid: boolean }>;
      expect(await valid()).toEqual([{ valid: true }]);
      await probe.undoLastMigration({ transaction: 'each' });
      expect(await valid()).toEqual([]);
    } finally {
      await probe.destroy();
    }
  });
});
