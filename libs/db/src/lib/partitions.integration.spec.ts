import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';
import { MIGRATIONS } from './migrations';
import { covered, dropPartitionsBefore, ensureMonthPartitions, parseBound, partitionsOf } from './partitions';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The schema before monthly partitions: every migration up to it (later ones follow it in the upgrade). */
const PREVIOUS = MIGRATIONS.slice(
  0,
  MIGRATIONS.findIndex((m) => m.name === 'MonthlyPartitions1765100000000'),
);

/** `n` facts and their deltas for one advertiser, one per hour from `from` (2 campaigns, 2 keywords). */
async function loadFacts(db: DataSource, from: string, n: number, advertiser = 'ADV1'): Promise<void> {
  await db.query(
    `INSERT INTO performance_delta (advertiser_id, idempotency_id, dataset_id, ad_product, marketplace_id, currency,
       campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start, utc_offset_minutes, impressions, clicks, cost)
     SELECT $1, 'id-' || $1 || '-' || g, 'sp-traffic', 'SPONSORED_PRODUCTS', 'ATVPDKIKX0DER', 'USD',
            'C' || (g % 2), 'G1', 'A1', 'K' || (g % 4), 'TOP', $2::timestamptz + make_interval(hours => g), -420,
            g, g % 7, (g % 100) / 10.0
       FROM generate_series(0, $3::int - 1) g`,
    [advertiser, from, n],
  );
  await db.query(
    `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
       hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost)
     SELECT advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start,
            utc_offset_minutes, ad_product, currency, impressions, clicks, cost
       FROM performance_delta WHERE advertiser_id = $1 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8`,
    [advertiser],
  );
}

async function totals(db: DataSource): Promise<unknown> {
  return db.query(
    `SELECT (SELECT count(*)::int FROM hourly_fact) AS facts, (SELECT sum(cost)::text FROM hourly_fact) AS cost,
            (SELECT sum(clicks)::text FROM hourly_fact) AS clicks, (SELECT count(*)::int FROM performance_delta) AS deltas,
            (SELECT sum(impressions)::text FROM performance_delta) AS impressions`,
  );
}

describe('monthly partitions (real PostgreSQL)', () => {
  const name = `ams_test_parts_${randomBytes(4).toString('hex')}`;
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const admin = new Client({ connectionString: ADMIN_URL });
  let db: DataSource;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await db?.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('upgrades a database with facts in it: every fact kept, sums equal, writes and marks work after', async () => {
    const old = await new DataSource({ ...dataSourceOptions({ url, poolSize: 2 }), migrations: PREVIOUS }).initialize();
    await old.runMigrations({ transaction: 'each' });
    // three months of history, up to the hour before now
    const from = new Date(Date.now() - 90 * 86_400_000);
    from.setUTCMinutes(0, 0, 0);
    await loadFacts(old, from.toISOString(), 2_000);
    await old.query(`DELETE FROM rollup_pending`);
    const before = await totals(old);
    await old.destroy();

    db = await new DataSource(dataSourceOptions({ url, poolSize: 4 })).initialize();
    expect((await db.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual(
      MIGRATIONS.slice(PREVIOUS.length).map((m) => m.name),
    );
    expect(MIGRATIONS[PREVIOUS.length].name).toBe('MonthlyPartitions1765100000000');
    expect(await totals(db)).toEqual(before);
    expect(await db.query(`SELECT count(*)::int AS n FROM rollup_pending`)).toEqual([{ n: 0 }]); // no rewrite, no marks

    for (const table of ['hourly_fact', 'performance_delta'] as const) {
      const parts = await partitionsOf(db, table);
      // the old table became the legacy partition [MINVALUE, first of next month or the one after), then 3+ months
      expect(parts[0]).toMatchObject({ name: `${table}_legacy`, from: null });
      expect(parts.length).toBeGreaterThanOrEqual(4);
      const legacyRows = (await db.query(`SELECT count(*)::int AS n FROM ${table}_legacy`)) as Array<{ n: number }>;
      expect(legacyRows[0].n).toBe(2_000);
      for (let i = 1; i < parts.length; i++) expect(parts[i].from).toEqual(parts[i - 1].to); // contiguous months
    }
    // the key of a delta now includes its hour; a redelivered record (same id, same hour) still adds nothing
    const dup = await db.query(
      `INSERT INTO performance_delta (advertiser_id, idempotency_id, dataset_id, ad_product, marketplace_id, campaign_id,
         ad_group_id, ad_id, keyword_id, placement, hour_start, utc_offset_minutes)
       SELECT advertiser_id, idempotency_id, dataset_id, ad_product, marketplace_id, campaign_id, ad_group_id, ad_id,
              keyword_id, placement, hour_start, utc_offset_minutes FROM performance_delta ORDER BY 1, 2 LIMIT 10
       ON CONFLICT DO NOTHING RETURNING 1`,
    );
    expect(dup).toEqual([]);
    // writes through the parent after the switch: a new hour in a monthly partition, upserted, marked for rollups
    const next = (await partitionsOf(db, 'hourly_fact'))[1].from as Date;
    const upsert = `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id,
        placement, hour_start, utc_offset_minutes, ad_product, clicks)
      VALUES ('ADV1', 'M', 'C9', 'G', 'A', 'K', 'TOP', $1, 0, 'SPONSORED_PRODUCTS', 2)
      ON CONFLICT (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start)
      DO UPDATE SET clicks = hourly_fact.clicks + EXCLUDED.clicks`;
    await db.query(upsert, [next.toISOString()]);
    await db.query(upsert, [next.toISOString()]);
    expect(
      await db.query(`SELECT clicks::int, tableoid::regclass::text AS part FROM hourly_fact WHERE campaign_id = 'C9'`),
    ).toEqual([{ clicks: 4, part: `hourly_fact_p${next.toISOString().slice(0, 7).replace('-', '_')}` }]);
    expect(await db.query(`SELECT DISTINCT campaign_id FROM rollup_pending`)).toEqual([{ campaign_id: 'C9' }]);
  });

  it('makes a missing month on demand, once, even when asked concurrently; no month is made twice', async () => {
    const parts = await partitionsOf(db, 'hourly_fact');
    const last = parts[parts.length - 1].to as Date;
    const far = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 2, 15));
    const row = `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id,
        placement, hour_start, utc_offset_minutes, ad_product) VALUES ('ADV1', 'M', 'C8', 'G', 'A', 'K', 'TOP', $1, 0, 'SP')`;
    // no DEFAULT partition: a row for a month without a partition is refused, not stored somewhere silently
    await expect(db.query(row, [far.toISOString()])).rejects.toMatchObject({ code: '23514' });
    const made = await Promise.all([
      ensureMonthPartitions(db, 'hourly_fact', [far]),
      ensureMonthPartitions(db, 'hourly_fact', [far, far]),
    ]);
    expect(made.flat()).toEqual([`hourly_fact_p${far.toISOString().slice(0, 7).replace('-', '_')}`]);
    await db.query(row, [far.toISOString()]);
    expect(covered(await partitionsOf(db, 'hourly_fact'), far)).toBe(true);
    expect(await ensureMonthPartitions(db, 'hourly_fact', [far])).toEqual([]);
    // the new partition has the parent's key and indexes (attached, valid), and its storage
    const idx = (await db.query(
      `SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = $1 AND i.indisvalid`,
      [`hourly_fact_p${far.toISOString().slice(0, 7).replace('-', '_')}`],
    )) as Array<{ n: number }>;
    expect(idx[0].n).toBe(3);
  });

  it('prunes: a query on a time range reads only its months (plan and run time)', async () => {
    const parts = await partitionsOf(db, 'hourly_fact');
    const month = parts[1].from as Date;
    const plan = (await db.query(
      `EXPLAIN (COSTS OFF) SELECT sum(clicks) FROM hourly_fact WHERE campaign_id = 'C9'
        AND hour_start >= $1::timestamptz AND hour_start < $1::timestamptz + interval '1 day'`,
      [month.toISOString()],
    )) as Array<{ 'QUERY PLAN': string }>;
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain(parts[1].name);
    for (const other of parts.filter((p) => p.name !== parts[1].name)) expect(text).not.toContain(other.name);
  });

  it('drops whole months only when they end at or before the horizon, the legacy one too, without marks', async () => {
    const parts = await partitionsOf(db, 'performance_delta');
    const legacyEnd = parts[0].to as Date;
    // a horizon inside the first monthly partition: only the legacy partition ends before it
    const dropped = await dropPartitionsBefore(db, 'performance_delta', new Date(legacyEnd.getTime() + 86_400_000));
    expect(dropped.map((p) => p.name)).toEqual(['performance_delta_legacy']);
    const after = await partitionsOf(db, 'performance_delta');
    expect(after[0].from).toEqual(legacyEnd);
    expect(await db.query(`SELECT to_regclass('performance_delta_legacy') AS t`)).toEqual([{ t: null }]);
    expect(await dropPartitionsBefore(db, 'performance_delta', legacyEnd)).toEqual([]);

    const marks = (await db.query(`SELECT count(*)::int AS n FROM rollup_pending`)) as Array<{ n: number }>;
    await dropPartitionsBefore(db, 'hourly_fact', legacyEnd);
    expect(await db.query(`SELECT count(*)::int AS n FROM hourly_fact WHERE hour_start < $1`, [legacyEnd])).toEqual([
      { n: 0 },
    ]);
    expect(await db.query(`SELECT count(*)::int AS n FROM rollup_pending`)).toEqual(marks); // a drop is no DELETE
  });

  it('reads partition bounds as PostgreSQL writes them', () => {
    expect(parseBound(`FOR VALUES FROM (MINVALUE) TO ('2027-01-01 00:00:00+00')`)).toEqual({
      from: null,
      to: new Date('2027-01-01T00:00:00Z'),
    });
    expect(parseBound(`FOR VALUES FROM ('2027-01-01 00:00:00+00') TO ('2027-02-01 00:00:00+00')`)).toEqual({
      from: new Date('2027-01-01T00:00:00Z'),
      to: new Date('2027-02-01T00:00:00Z'),
    });
    expect(() => parseBound('DEFAULT')).toThrow(/not a range/);
  });
});
