import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from './data-source';
import { COORDINATOR_LOCAL, DISTRIBUTED, REFERENCE } from './distribution';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('keys ready for a distributed PostgreSQL (real PostgreSQL, migrated schema)', () => {
  const name = `ams_test_dist_${randomBytes(4).toString('hex')}`;
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const admin = new Client({ connectionString: ADMIN_URL });
  let db: Client;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await runMigrations(url);
    db = new Client({ connectionString: url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('classifies every table of the schema exactly once (a new table must say where it goes)', async () => {
    const { rows } = await db.query<{ t: string }>(
      `SELECT c.relname AS t FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
          AND NOT c.relispartition ORDER BY 1`,
    );
    const classified = [
      ...Object.values(DISTRIBUTED).flat(),
      ...Object.keys(REFERENCE),
      ...Object.keys(COORDINATOR_LOCAL),
    ];
    expect(new Set(classified).size).toBe(classified.length);
    expect(rows.map((r) => r.t)).toEqual([...classified].sort());
  });

  it('every unique key of a fact, rollup and state table starts with advertiser_id', async () => {
    const tables = Object.values(DISTRIBUTED).flat();
    const { rows } = await db.query<{ t: string; key: string; first: string }>(
      `SELECT c.relname AS t, ic.relname AS key, a.attname AS first
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
        WHERE i.indisunique AND c.relname = ANY($1::text[]) ORDER BY 1, 2`,
      [tables],
    );
    expect(rows.length).toBeGreaterThanOrEqual(tables.length - 1); // rollup_pending has no key (append-only)
    expect(rows.filter((r) => r.first !== 'advertiser_id')).toEqual([]);
    // and every distributed table has the column
    const { rows: cols } = await db.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name = 'advertiser_id' AND table_name = ANY($1::text[])`,
      [tables],
    );
    expect(cols.map((c) => c.t).sort()).toEqual([...tables].sort());
  });
});
