/**
 * `npm run bench:rollup` — how long the aggregator takes to recompute one advertiser-local day of rollups
 * (campaign_hourly, keyword_daily, ad_group_daily, campaign_daily) for N campaigns × 24 hours, on a throw-away
 * database `ams_test_bench_*` (created, migrated, dropped) of the PostgreSQL at TEST_DATABASE_ADMIN_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres). Not a jest test; prints its figures.
 *
 * Flags: --campaigns N (10000) --keywords K (1: facts per campaign-hour) --chunk C (500: campaigns per transaction)
 *
 *  1. sweep, cold:      recomputeDay on empty rollups (every row inserted)
 *  2. sweep, unchanged: the same again (every row recomputed, none written)
 *  3. sweep, changed:   after every fact of the day changed (every row rewritten)
 *  4. events:           one burst of events touching every campaign-hour of the day (after another change)
 * Tables are vacuumed after each bulk change of the facts, as autovacuum would between real changes.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '@ams/db';
import { AggregatorEnv } from '../../apps/aggregator/src/config/aggregator.env';
import { RollupRepository } from '../../apps/aggregator/src/rollup/rollup.repository';
import { RecomputeSummary, RollupService } from '../../apps/aggregator/src/rollup/rollup.service';

const DAY = '2026-06-15';
const OFFSET_MINUTES = -420; // a US advertiser in summer: the local day is 07:00Z .. 07:00Z next day

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const out = (line: string) => process.stdout.write(`${line}\n`);

async function timed(label: string, work: () => Promise<RecomputeSummary>): Promise<number> {
  const start = process.hrtime.bigint();
  const s = await work();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rows = Object.entries(s.rows)
    .map(([t, r]) => `${t} ${r.computed}/${r.written}w${r.deleted ? `/${r.deleted}d` : ''}`)
    .join(', ');
  out(
    `${label.padEnd(18)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${s.transactions} transactions  (rows computed/written: ${rows})`,
  );
  return ms;
}

async function main(): Promise<void> {
  const campaigns = flag('campaigns', 10_000);
  const keywords = flag('keywords', 1);
  const chunk = flag('chunk', 500);
  const adminUrl = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `ams_test_bench_${randomBytes(3).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;

  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  let ds: DataSource | undefined;
  try {
    await runMigrations(url.toString());
    ds = await new DataSource(
      dataSourceOptions({ url: url.toString(), poolSize: 2, applicationName: 'rollup-bench' }),
    ).initialize();

    const seedStart = Date.now();
    // 100 advertisers × campaigns/100, 24 hours of one local day, `keywords` facts per campaign-hour
    await ds.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start,
                                utc_offset_minutes, ad_product, currency, keyword_text, match_type, impressions, clicks, cost,
                                viewable_impressions, orders_7d, sales_7d, units_7d, orders_14d, sales_14d, units_14d)
       SELECT 'ADV' || (c % 100), 'ATVPDKIKX0DER', (10000000000000 + c)::text, (20000000000000 + c * 10 + k % 3)::text,
              (30000000000000 + c)::text, (40000000000000 + c * 100 + k)::text, 'Top of Search',
              ($1::date + interval '7 hours' + h * interval '1 hour') AT TIME ZONE 'UTC', $2, 'sp', 'USD', 'kw ' || k, 'EXACT',
              100 + (c + h + k) % 900, (c + h + k) % 17, ((c * 7 + h * 13 + k) % 5000) / 100.0, 80 + (c + h) % 700,
              (c + h) % 3, ((c + h) % 3) * 24.99, (c + h) % 3, (c + h) % 4, ((c + h) % 4) * 24.99, (c + h) % 4
       FROM generate_series(1, $3::int) AS c, generate_series(0, 23) AS h, generate_series(1, $4::int) AS k`,
      [DAY, OFFSET_MINUTES, campaigns, keywords],
    );
    await ds.query('ANALYZE hourly_fact');
    const facts = campaigns * 24 * keywords;
    out(
      `rollup bench: ${campaigns.toLocaleString('en-US')} campaigns × 24 hours × ${keywords} keyword(s) = ${facts.toLocaleString('en-US')} hourly facts (seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s), ${chunk} campaigns per transaction`,
    );

    const env = Object.assign(new AggregatorEnv(), { AGGREGATOR_CAMPAIGNS_PER_TRANSACTION: chunk });
    const rollups = new RollupService(env, new RollupRepository(ds));

    const cold = await timed('sweep, cold', () => rollups.recomputeDay(DAY));
    await ds.query('ANALYZE campaign_hourly, keyword_daily, ad_group_daily, campaign_daily');
    await timed('sweep, unchanged', () => rollups.recomputeDay(DAY));
    // every fact of the day changes (vacuumed afterwards, as autovacuum would)
    await ds.query(`UPDATE hourly_fact SET clicks = clicks + 1, cost = cost + 0.01`);
    await ds.query('VACUUM ANALYZE hourly_fact');
    await timed('sweep, changed', () => rollups.recomputeDay(DAY));
    await ds.query(`UPDATE hourly_fact SET impressions = impressions + 1`);
    await ds.query('VACUUM ANALYZE hourly_fact, campaign_hourly, keyword_daily, ad_group_daily, campaign_daily');
    const touched = (await ds.query(
      `SELECT DISTINCT advertiser_id AS "advertiserId", campaign_id AS "campaignId", hour_start AS "hourStart",
              utc_offset_minutes AS "utcOffsetMinutes" FROM hourly_fact`,
    )) as Array<{ advertiserId: string; campaignId: string; hourStart: Date; utcOffsetMinutes: number }>;
    await timed('events, changed', () =>
      rollups.applyTouched(touched.map((t) => ({ ...t, hourStart: t.hourStart.toISOString() }))),
    );
    out(
      `one local day of ${campaigns.toLocaleString('en-US')} campaigns × 24 hours recomputed from scratch in ${(cold / 1000).toFixed(2)} s`,
    );
  } finally {
    await ds?.destroy();
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [name],
    );
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
