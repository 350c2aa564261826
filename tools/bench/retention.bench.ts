/**
 * `npm run bench:retention` — the partitioned schema's two costs that grow with the data, on a throw-away database
 * `ams_test_bench_*` of the PostgreSQL at TEST_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 * Not a jest test; prints its figures.
 *
 * Flags: --facts N (1000000: hourly facts, and as many deltas, in the database before the upgrade)
 *        --month M (1000000: facts in the month that retention then drops)
 *
 *  1. upgrade: the schema of the previous release with N facts and N deltas over the last 60 days, then the
 *     MonthlyPartitions migration while a writer inserts one fact and one delta every 10 ms: the migration's total
 *     time and the longest single insert of the writer during it (the ingestion stall: the switch's locks);
 *  2. retention: M facts written into one monthly partition, then dropPartitionsBefore (DETACH CONCURRENTLY + DROP)
 *     while the writer runs: the drop's time and the writer's longest insert.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { addMonths, dataSourceOptions, dropPartitionsBefore, MIGRATIONS, monthStart, partitionsOf } from '@ams/db';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const secondsSince = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

/** Inserts one fact and one delta every `everyMs` (a stand-in for the processor) and records each insert's time. */
function startWriter(url: string, hourOf: () => Date, everyMs = 10) {
  const client = new Client({ connectionString: url });
  let running = true;
  let n = 0;
  const latencies: number[] = [];
  const done = (async () => {
    await client.connect();
    while (running) {
      const hour = hourOf().toISOString();
      const t = process.hrtime.bigint();
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO performance_delta (advertiser_id, idempotency_id, dataset_id, ad_product, marketplace_id, campaign_id,
           ad_group_id, ad_id, keyword_id, placement, hour_start, utc_offset_minutes, clicks)
         VALUES ('W', $1, 'sp-traffic', 'SP', 'M', 'CW', 'G', 'A', 'K', 'TOP', $2, 0, 1) ON CONFLICT DO NOTHING`,
        [`w-${n}`, hour],
      );
      await client.query(
        `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
           hour_start, utc_offset_minutes, ad_product, clicks) VALUES ('W', 'M', 'CW', 'G', 'A', 'K' || $1, 'TOP', $2, 0, 'SP', 1)
         ON CONFLICT (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start)
         DO UPDATE SET clicks = hourly_fact.clicks + 1`,
        [String(n % 100), hour],
      );
      await client.query('COMMIT');
      latencies.push(secondsSince(t) * 1000);
      n++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await done;
      const sorted = [...latencies].sort((a, b) => a - b);
      return { writes: n, p50Ms: sorted[Math.floor(sorted.length / 2)] ?? 0, maxMs: sorted[sorted.length - 1] ?? 0 };
    },
  };
}

async function main(): Promise<void> {
  const facts = flag('facts', 1_000_000);
  const month = flag('month', 1_000_000);
  const adminUrl = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `ams_test_bench_${randomBytes(3).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  let ds: DataSource | undefined;
  try {
    // 1. the previous release's schema with facts in it
    const old = await new DataSource({
      ...dataSourceOptions({ url: url.toString(), poolSize: 2 }),
      // the schema before monthly partitions
      migrations: MIGRATIONS.slice(
        0,
        MIGRATIONS.findIndex((m) => m.name === 'MonthlyPartitions1765100000000'),
      ),
    }).initialize();
    await old.runMigrations({ transaction: 'each' });
    const from = new Date(Date.now() - 60 * 86_400_000);
    from.setUTCMinutes(0, 0, 0);
    let t = process.hrtime.bigint();
    await old.query(
      `INSERT INTO performance_delta (advertiser_id, idempotency_id, dataset_id, ad_product, marketplace_id, campaign_id,
         ad_group_id, ad_id, keyword_id, placement, hour_start, utc_offset_minutes, impressions, clicks, cost)
       SELECT 'A' || (g % 20), 'id-' || g, 'sp-traffic', 'SP', 'M', 'C' || (g % 500), 'G' || (g % 7), 'A1', 'K' || g, 'TOP',
              $1::timestamptz + make_interval(hours => g % 1440), -420, g % 1000, g % 9, (g % 1000) / 100.0
         FROM generate_series(1, $2::int) g`,
      [from.toISOString(), facts],
    );
    await old.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
         hour_start, utc_offset_minutes, ad_product, impressions, clicks, cost)
       SELECT advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start,
              utc_offset_minutes, ad_product, impressions, clicks, cost FROM performance_delta ORDER BY 1, 2, 3, 4, 5, 6, 7, 8`,
    );
    await old.query('VACUUM ANALYZE hourly_fact');
    await old.query('VACUUM ANALYZE performance_delta');
    out(`loaded ${facts.toLocaleString('en')} facts and deltas in ${secondsSince(t).toFixed(1)} s`);
    const sums = async (d: DataSource) =>
      JSON.stringify(await d.query(`SELECT count(*)::text AS n, sum(cost)::text AS cost FROM hourly_fact`));
    const before = await sums(old);
    await old.destroy();

    const writer = startWriter(url.toString(), () => new Date(Date.now() - 3_600_000));
    await new Promise((r) => setTimeout(r, 500));
    ds = await new DataSource(dataSourceOptions({ url: url.toString(), poolSize: 4 })).initialize();
    t = process.hrtime.bigint();
    await ds.runMigrations({ transaction: 'each' });
    const migration = secondsSince(t);
    await new Promise((r) => setTimeout(r, 500));
    const w1 = await writer.stop();
    const after = JSON.parse(await sums(ds)) as Array<{ n: string; cost: string }>;
    const expected = JSON.parse(before) as Array<{ n: string; cost: string }>;
    out(
      `upgrade of ${facts.toLocaleString('en')} facts + deltas: migration ${migration.toFixed(2)} s; writer (1 fact + 1 delta / 10 ms): ` +
        `${w1.writes} commits, p50 ${w1.p50Ms.toFixed(1)} ms, longest ${w1.maxMs.toFixed(0)} ms; facts kept: ` +
        `${Number(after[0].n) >= Number(expected[0].n) ? 'all' : 'MISSING'}`,
    );

    // 2. a month of facts, then dropped
    const target = addMonths(monthStart(new Date()), 1);
    t = process.hrtime.bigint();
    await ds.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
         hour_start, utc_offset_minutes, ad_product, impressions, clicks, cost)
       SELECT 'A' || (g % 20), 'M', 'C' || (g % 500), 'G' || (g % 7), 'A1', 'K' || g, 'TOP',
              $1::timestamptz + make_interval(hours => g % 672), -420, 'SP', g % 1000, g % 9, (g % 1000) / 100.0
         FROM generate_series(1, $2::int) g`,
      [target.toISOString(), month],
    );
    out(
      `loaded ${month.toLocaleString('en')} facts into ${target.toISOString().slice(0, 7)} in ${secondsSince(t).toFixed(1)} s`,
    );
    const size = (await ds.query(
      `SELECT pg_size_pretty(pg_total_relation_size(c.oid)) AS s FROM pg_class c WHERE c.relname = $1`,
      [`hourly_fact_p${target.toISOString().slice(0, 7).replace('-', '_')}`],
    )) as Array<{ s: string }>;
    // the writer works on a month that stays (in a real deployment: the current one)
    const writer2 = startWriter(url.toString(), () => addMonths(target, 1));
    await new Promise((r) => setTimeout(r, 500));
    t = process.hrtime.bigint();
    const legacy = await dropPartitionsBefore(ds, 'hourly_fact', target); // the legacy partition: the upgraded facts
    const dropLegacy = secondsSince(t);
    out(
      `retention: dropped ${legacy.map((p) => p.name).join(', ')} (${facts.toLocaleString('en')} facts) in ${dropLegacy.toFixed(3)} s`,
    );
    t = process.hrtime.bigint();
    const dropped = await dropPartitionsBefore(ds, 'hourly_fact', addMonths(target, 1));
    const drop = secondsSince(t);
    await new Promise((r) => setTimeout(r, 500));
    const w2 = await writer2.stop();
    out(
      `retention: dropped ${dropped.map((p) => p.name).join(', ')} (the month: ${month.toLocaleString('en')} facts, ${size[0]?.s}) ` +
        `in ${drop.toFixed(3)} s; writer: ${w2.writes} commits, p50 ${w2.p50Ms.toFixed(1)} ms, longest ${w2.maxMs.toFixed(0)} ms`,
    );
    out(`partitions left: ${(await partitionsOf(ds, 'hourly_fact')).map((p) => p.name).join(', ')}`);
  } finally {
    await ds?.destroy();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
