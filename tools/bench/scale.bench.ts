/**
 * `npm run bench:scale` — how the costs grow with the data: the same measures on two databases of hourly facts, by
 * default 10 M and 100 M (`--facts 10e6,100e6`; `--small`: 1 M and 10 M), each in its own database, one after the
 * other, and a Markdown table `figure | small | large | small again | ratio` written to bench/results/scale-<date>.md.
 *
 * The data grows the way a bigger agency's does: more advertisers, each the same. Every advertiser has 40 campaigns,
 * every campaign 4 keywords with a fact every hour of the 4 whole months before the current one (monthly partitions
 * of hourly_fact, as the aggregator's maintenance makes them), so a campaign's or an advertiser's slice is the same
 * size at both scales and only the tables (and a month's partition) grow.
 *
 * For each scale:
 *  0. seed: each month's partition is detached, stripped of its indexes, truncated and loaded by COPY … WITH (FREEZE)
 *     in one transaction (copy-facts.ts; two months at a time), its indexes and key rebuilt from the definitions it
 *     had, and attached again (a bulk load: building the indexes by sorting costs about 2.4× less CPU than keeping them
 *     up to date row by row, and frozen rows need no VACUUM); then ANALYZE. The COPY goes into the partitions, so the
 *     rollup_pending triggers of the parent do not fire: the seeded history counts as rolled up. Table sizes on disk
 *     (pg_table_size, pg_indexes_size, pg_total_relation_size summed over the partitions);
 *  1. rollup: the aggregator's RollupService.recomputeDay for the last `--rollup-days` local days (3): wall time and
 *     PostgreSQL CPU per day;
 *  2. api (the built api, api.bench.ts's runLoad): cold — cache off, GET /v1/performance of a random campaign, 30 days
 *     hourly; daily — cache off, a random advertiser's days of step 1 by day (from campaign_daily); warm — cache on,
 *     the same cold query every time. req/s, CPU per request of the api and of its PostgreSQL backends, bytes per
 *     response;
 *  3. processor stage: `--records` (200,000) sp-traffic records preloaded in JetStream, each revising a seeded fact
 *     of a random campaign's last day (an update through the big month's indexes), drained by the built processor:
 *     records/s (first to last commit) and CPU per record of the processor process and of its PostgreSQL backends,
 *     counted from its first commit (after its boot) to its last;
 *  4. retention: dropPartitionsBefore (DETACH CONCURRENTLY + DROP) of the oldest month: time.
 * The first scale's database is kept until the last scale is done, and its api runs are repeated then (A-B-A): the
 * api ratios are to the mean of its two runs, and the two show how much the machine drifted meanwhile. Databases are
 * dropped at the end (`--keep` keeps them).
 *
 * Disk: before each scale the free space of PostgreSQL's data directory is compared with the scale's estimated size
 * (bytes per fact measured at the previous scale, 600 before one, + 15 %, 8 GB kept free): the bench refuses, naming
 * the largest scale that fits, or with `--fit` cuts the scale to that and says so. `--budget-minutes M` cuts a later
 * scale to what seeds in M minutes at the previous scale's rate, and says so.
 *
 * Flags: --facts 10e6,100e6 --small --seconds 15 --connections 16 --records 200000 --rollup-days 3
 *        --load-concurrency 2 --fit --budget-minutes M --keep --out bench/results/scale-<date>.md
 * Needs: `nx build api processor` (the npm script builds them), the machine's PostgreSQL (BENCH_DATABASE_ADMIN_URL,
 * default postgres://postgres@127.0.0.1:5432/postgres) and NATS.
 */
import { mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AMS_RECORDS } from '@ams/contracts';
import {
  addMonths,
  dataSourceOptions,
  dropPartitionsBefore,
  ensureMonthPartitions,
  monthStart,
  partitionName,
  partitionsOf,
  PG_SESSION_OPTIONS,
  runMigrations,
} from '@ams/db';
import { JetStreamService } from '@ams/platform';
import {
  DEFAULT_NATS_URL,
  deleteStreams,
  freePort,
  loadFixture,
  startApp,
  uniquePrefix,
  waitFor,
  workspaceRoot,
} from '@ams/testing';
import { AggregatorEnv } from '../../apps/aggregator/src/config/aggregator.env';
import { RollupRepository } from '../../apps/aggregator/src/rollup/rollup.repository';
import { RollupService } from '../../apps/aggregator/src/rollup/rollup.service';
import { runLoad, withBenchApi, type LoadRun } from './api.bench';
import { copyFacts } from './copy-facts';
import { cpuMs } from './cpu';
import { commitSpanSeconds, committed } from './ingest.bench';
import { benchArgs } from './cli-args';

const args = benchArgs();
function num(name: string, fallback: number): number {
  const v = Number(args.get(name) ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}
const SMALL = args.get('small') === 'true';
const SCALES = (args.get('facts') ?? (SMALL ? '1e6,10e6' : '10e6,100e6')).split(',').map((s) => {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 100_000) throw new Error(`--facts: ${s} is not a number of facts ≥ 100,000`);
  return n;
});
const SECONDS = num('seconds', SMALL ? 8 : 15);
const CONNECTIONS = num('connections', 16);
const RECORDS = num('records', SMALL ? 50_000 : 200_000);
const ROLLUP_DAYS = num('rollup-days', 3);
const LOAD_CONCURRENCY = num('load-concurrency', 2);
const BUDGET_MINUTES = args.has('budget-minutes') ? num('budget-minutes', 1) : undefined;
const KEEP = args.get('keep') === 'true';
const FIT = args.get('fit') === 'true';
const ADMIN = process.env['BENCH_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const KEY = 'bench-scale-key-0123456789abcdef';

/** The data's shape: every advertiser has CAMPAIGNS_PER_ADVERTISER campaigns × KEYWORDS keywords, a fact an hour. */
const CAMPAIGNS_PER_ADVERTISER = 40;
const KEYWORDS = 4;
const MONTHS = 4;
const OFFSET_MINUTES = -420; // US advertisers in summer time: local days run 07:00Z .. 07:00Z
/** Before the first scale measured its own: bytes on disk per fact (heap + indexes), from a 1 M trial. */
const DEFAULT_BYTES_PER_FACT = 600;
/** Free space left on the disk after the estimate, for WAL and everything else on the machine. */
const DISK_MARGIN_BYTES = 8 * 2 ** 30;

const END = monthStart(new Date()); // the facts end where the current month starts…
const START = addMonths(END, -MONTHS); // …and begin MONTHS whole months before
const HOURS = (END.getTime() - START.getTime()) / 3_600_000;
const HOURLY_FROM = new Date(END.getTime() - 30 * 86_400_000);

const campaignId = (c: number) => String(100000000000000 + c);
const advertiserOf = (c: number) => `ADV${Math.floor(c / CAMPAIGNS_PER_ADVERTISER)}`;
const adGroupOf = (c: number, k: number) => String(200000000000000 + c * 2 + (k % 2));
const adOf = (c: number, k: number) => String(300000000000000 + c * KEYWORDS + k);
const keywordOf = (c: number, k: number) => String(400000000000000 + c * KEYWORDS + k);
const PLACEMENT = 'Top of Search on-Amazon';
const MARKETPLACE = 'ATVPDKIKX0DER';

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const GB = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GB`;
const out = (line: string) => process.stdout.write(`${line}\n`);

/** One scale's figures, by key; `value` is what the ratio is taken of, `text` what the table shows. */
type Figures = Map<string, { value: number; text: string }>;

/** The facts of one month's hours for campaigns [0, campaigns), in copy-facts.ts's column order. */
function* monthRows(campaigns: number, from: Date, to: Date): Generator<string> {
  const hours: string[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += 3_600_000) hours.push(new Date(t).toISOString());
  for (let c = 0; c < campaigns; c++) {
    const prefix = `${advertiserOf(c)}\t${MARKETPLACE}\t${campaignId(c)}\t`;
    for (let h = 0; h < hours.length; h++) {
      for (let k = 0; k < KEYWORDS; k++) {
        const clicks = (c + h + k) % 9;
        const orders = clicks % 3;
        yield `${prefix}${adGroupOf(c, k)}\t${adOf(c, k)}\t${keywordOf(c, k)}\t${PLACEMENT}\t${hours[h]}\t${OFFSET_MINUTES}\tsp\tUSD\t${100 + ((h * 7 + k) % 400)}\t${clicks}\t${(clicks * 0.87).toFixed(2)}\t${orders}\t${(orders * 24.99).toFixed(2)}\n`;
      }
    }
  }
}

/**
 * Loads one month: its partition is detached, its indexes (and the key) dropped, the rows COPYed, the same indexes and
 * key built again from the definitions it had, and the partition attached again (each parent index adopts its twin).
 */
async function loadMonth(url: string, month: Date, campaigns: number): Promise<void> {
  const name = partitionName('hourly_fact', month);
  const pg = new Client({ connectionString: url, options: PG_SESSION_OPTIONS });
  await pg.connect();
  try {
    await pg.query(`SET maintenance_work_mem = '256MB'`);
    await pg.query(`ALTER TABLE hourly_fact DETACH PARTITION ${name}`);
    const constraints = (
      await pg.query<{ name: string; def: string }>(
        `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
          WHERE conrelid = $1::regclass AND contype IN ('p', 'u')`,
        [name],
      )
    ).rows;
    const indexes = (
      await pg.query<{ name: string; def: string }>(
        `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
          WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
        [name],
      )
    ).rows;
    for (const k of constraints) await pg.query(`ALTER TABLE ${name} DROP CONSTRAINT ${k.name}`);
    for (const i of indexes) await pg.query(`DROP INDEX ${i.name}`);
    // truncated in the COPY's transaction: COPY FREEZE writes the rows frozen and all-visible (no VACUUM to follow)
    await pg.query('BEGIN');
    await pg.query(`TRUNCATE ${name}`);
    await copyFacts(pg, monthRows(campaigns, month, addMonths(month, 1)), {
      table: name,
      analyze: false,
      freeze: true,
    });
    await pg.query('COMMIT');
    for (const k of constraints) await pg.query(`ALTER TABLE ${name} ADD CONSTRAINT ${k.name} ${k.def}`);
    for (const i of indexes) await pg.query(i.def);
    await pg.query(
      `ALTER TABLE hourly_fact ATTACH PARTITION ${name} FOR VALUES FROM ('${month.toISOString()}') TO ('${addMonths(month, 1).toISOString()}')`,
    );
  } finally {
    await pg.end();
  }
}

/** CPU (ms) so far of each PostgreSQL backend of `db` whose application_name is `app`, by pid. */
async function backendCpu(pg: Client, db: string, app: string): Promise<Map<number, number>> {
  const { rows } = await pg.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
    [db, app],
  );
  return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
}

/** CPU (ms) the backends of `after` spent since `before` (a backend that opened in between counts from 0). */
function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, cpu] of after) ms += cpu - (before.get(pid) ?? 0);
  return ms;
}

/** Sizes of hourly_fact summed over its partitions, in bytes. */
async function sizes(pg: Client): Promise<{ table: number; indexes: number; total: number; rows: number }> {
  const { rows } = await pg.query(
    `SELECT sum(pg_table_size(inhrelid))::bigint AS t, sum(pg_indexes_size(inhrelid))::bigint AS i,
            sum(pg_total_relation_size(inhrelid))::bigint AS total,
            sum((SELECT reltuples FROM pg_class WHERE oid = inhrelid))::bigint AS n
       FROM pg_inherits WHERE inhparent = 'hourly_fact'::regclass`,
  );
  return {
    table: Number(rows[0].t),
    indexes: Number(rows[0].i),
    total: Number(rows[0].total),
    rows: Number(rows[0].n),
  };
}

/** Free bytes on the file system of PostgreSQL's data directory (this machine's; the bench runs beside it). */
async function freeBytes(pg: Client): Promise<number> {
  let dir = '/';
  try {
    dir = (await pg.query<{ d: string }>('SHOW data_directory')).rows[0].d;
    statfsSync(dir);
  } catch {
    dir = '/';
  }
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

interface ScalePlan {
  requested: number;
  campaigns: number;
  facts: number;
  note?: string;
}

/**
 * Campaigns for `requested` facts (whole campaigns). Refused when they will not fit on PostgreSQL's disk (`freeBytes`,
 * at `bytesPerFact` + 15 %, DISK_MARGIN_BYTES kept free), or with --fit cut to the largest that does; with
 * --budget-minutes also cut to what seeds in that time at `rowsPerSecond` (the previous scale's rate). Each cut is
 * said in `notes`.
 */
function plan(
  requested: number,
  disk: { freeBytes: number; bytesPerFact: number },
  rowsPerSecond: number | undefined,
  opts: { fit: boolean; budgetMinutes?: number },
): ScalePlan {
  const perCampaign = HOURS * KEYWORDS;
  const M = (facts: number) => `${fmt(facts / 1e6, 1)} M`;
  let campaigns = Math.max(1, Math.round(requested / perCampaign));
  const notes: string[] = [];
  const fitsDisk = Math.floor((disk.freeBytes - DISK_MARGIN_BYTES) / 1.15 / disk.bytesPerFact / perCampaign);
  if (fitsDisk < campaigns) {
    const why =
      `${M(requested)} facts do not fit this machine's disk: about ${GB(requested * disk.bytesPerFact * 1.15)} needed ` +
      `(${fmt(disk.bytesPerFact)} bytes per fact + 15 %), ${GB(disk.freeBytes)} free on PostgreSQL's disk with ` +
      `${GB(DISK_MARGIN_BYTES)} kept free; the largest that fits is about ${M(Math.max(0, fitsDisk) * perCampaign)}`;
    if (!opts.fit || fitsDisk < 1) throw new Error(`${why} (pass --facts with less, or --fit)`);
    notes.push(`${why}: cut to that (--fit)`);
    campaigns = fitsDisk;
  }
  if (opts.budgetMinutes !== undefined && rowsPerSecond !== undefined) {
    const fitsTime = Math.floor((rowsPerSecond * opts.budgetMinutes * 60) / perCampaign);
    if (fitsTime < campaigns) {
      notes.push(
        `${M(campaigns * perCampaign)} facts would take about ${fmt((campaigns * perCampaign) / rowsPerSecond / 60, 0)} min ` +
          `to seed at the previous scale's ${fmt(rowsPerSecond)} rows/s, over the ${opts.budgetMinutes} min budget ` +
          `(--budget-minutes): cut to ${M(Math.max(1, fitsTime) * perCampaign)}`,
      );
      campaigns = Math.max(1, fitsTime);
    }
  }
  return { requested, campaigns, facts: campaigns * perCampaign, note: notes.length ? notes.join('; ') : undefined };
}

async function measureScale(
  admin: Client,
  scale: ScalePlan,
  keepForRepeat: boolean,
): Promise<{ figures: Figures; seedRate: number; bytesPerFact: number; ctx: ApiContext }> {
  const figures: Figures = new Map();
  const put = (key: string, value: number, text: string) => figures.set(key, { value, text });
  const label = `${fmt(scale.facts / 1e6, 1)} M`;
  const db = `ams_bench_scale_${scale.facts}`;
  const url = ADMIN.replace(/\/[^/]*$/, `/${db}`);

  out(
    `\n## ${label} facts (${fmt(scale.campaigns)} campaigns of ${fmt(Math.ceil(scale.campaigns / CAMPAIGNS_PER_ADVERTISER))} advertisers), database ${db}`,
  );
  out(`disk: ${GB(await freeBytes(admin))} free on PostgreSQL's before the seed`);
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${db}`);
  const pg = new Client({ connectionString: url, options: PG_SESSION_OPTIONS });
  let ds: DataSource | undefined;
  let done = false;
  try {
    await runMigrations(url);
    await pg.connect();
    ds = await new DataSource(dataSourceOptions({ url, poolSize: 2, applicationName: 'scale-bench' })).initialize();

    // monthly partitions for the seeded months (and the current one): the migration's legacy partition of a new
    // database covers every month before the next one, so it goes first (it is empty)
    const legacy = (await partitionsOf(ds, 'hourly_fact')).find((p) => p.from === null);
    if (legacy?.to) await dropPartitionsBefore(ds, 'hourly_fact', legacy.to);
    const months = Array.from({ length: MONTHS }, (_, i) => addMonths(START, i));
    await ensureMonthPartitions(ds, 'hourly_fact', [...months, END]);

    // 0. seed
    const t0 = performance.now();
    const queue = [...months];
    await Promise.all(
      Array.from({ length: Math.min(LOAD_CONCURRENCY, months.length) }, async () => {
        for (let m = queue.shift(); m; m = queue.shift()) await loadMonth(url, m, scale.campaigns);
      }),
    );
    const seedSeconds = (performance.now() - t0) / 1000;
    const seedRate = scale.facts / seedSeconds;
    out(
      `seeded ${fmt(scale.facts)} facts in ${fmt(seedSeconds)} s (${fmt(seedRate)} rows/s: COPY, index builds, ATTACH)`,
    );
    put('seed', seedSeconds, `${fmt(seedSeconds)} s (${fmt(seedRate)} rows/s)`);
    const tv = performance.now();
    await pg.query('ANALYZE hourly_fact');
    const analyzeSeconds = (performance.now() - tv) / 1000;
    out(`ANALYZE hourly_fact: ${fmt(analyzeSeconds, 1)} s`);
    put('analyze', analyzeSeconds, `${fmt(analyzeSeconds, 1)} s`);
    const size = await sizes(pg);
    const measuredBytesPerFact = size.total / scale.facts;
    out(
      `hourly_fact: table ${GB(size.table)}, indexes ${GB(size.indexes)}, total ${GB(size.total)} (${fmt(measuredBytesPerFact)} bytes per fact)`,
    );
    put('size-table', size.table, GB(size.table));
    put('size-indexes', size.indexes, GB(size.indexes));
    put('size-total', size.total, `${GB(size.total)} (${fmt(measuredBytesPerFact)} B/fact)`);
    const oldest = partitionName('hourly_fact', START);
    const { rows: monthSize } = await pg.query(
      `SELECT pg_total_relation_size($1::regclass)::bigint AS b, (SELECT reltuples FROM pg_class WHERE oid = $1::regclass)::bigint AS n`,
      [oldest],
    );

    // 1. rollup days: the last ROLLUP_DAYS whole local days of the data
    const days = Array.from({ length: ROLLUP_DAYS }, (_, i) =>
      new Date(END.getTime() - (ROLLUP_DAYS + 1 - i) * 86_400_000).toISOString().slice(0, 10),
    );
    const rollups = new RollupService(new AggregatorEnv(), new RollupRepository(ds));
    const dayTimes: number[] = [];
    const dayCpu: number[] = [];
    for (const day of days) {
      const c0 = await backendCpu(pg, db, 'scale-bench');
      const t = performance.now();
      const s = await rollups.recomputeDay(day);
      dayTimes.push((performance.now() - t) / 1000);
      dayCpu.push(cpuSince(c0, await backendCpu(pg, db, 'scale-bench')) / 1000);
      out(
        `rollup ${day}: ${s.campaigns} campaigns in ${dayTimes[dayTimes.length - 1].toFixed(2)} s, PostgreSQL CPU ${dayCpu[dayCpu.length - 1].toFixed(2)} s`,
      );
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    put('rollup', mean(dayTimes), `${mean(dayTimes).toFixed(2)} s (PostgreSQL CPU ${mean(dayCpu).toFixed(2)} s)`);
    put('rollup-cpu', mean(dayCpu), `${mean(dayCpu).toFixed(2)} s`);

    // 2. api: cold hourly and daily (cache off), then warm (cache on)
    const ctx: ApiContext = { url, db, campaigns: scale.campaigns, days };
    for (const [k, v] of await apiRuns(ctx, pg)) figures.set(k, v);

    // 3. processor stage: records revising seeded facts of the last day, preloaded in JetStream
    await processorStage(url, db, pg, scale.campaigns, put);

    // 4. retention: the oldest month
    const tr = performance.now();
    const dropped = await dropPartitionsBefore(ds, 'hourly_fact', addMonths(START, 1));
    const dropSeconds = (performance.now() - tr) / 1000;
    if (dropped.map((p) => p.name).join() !== oldest)
      throw new Error(`retention dropped ${dropped.map((p) => p.name)}`);
    out(
      `retention: ${oldest} (${fmt(Number(monthSize[0].n))} facts, ${GB(Number(monthSize[0].b))}) dropped in ${dropSeconds.toFixed(3)} s`,
    );
    put(
      'retention',
      dropSeconds,
      `${dropSeconds.toFixed(3)} s (${fmt(Number(monthSize[0].n) / 1e6, 1)} M facts, ${GB(Number(monthSize[0].b))})`,
    );
    put('month-size', Number(monthSize[0].b), GB(Number(monthSize[0].b)));
    done = true;
    return { figures, seedRate, bytesPerFact: measuredBytesPerFact, ctx };
  } finally {
    await ds?.destroy();
    await pg.end().catch(() => undefined);
    if (!KEEP && !(done && keepForRepeat)) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  }
}

/** Where a scale's data is, for its api runs (run again for the first scale after the last one's). */
interface ApiContext {
  url: string;
  db: string;
  campaigns: number;
  /** the local days recomputed into the rollups */
  days: string[];
}

/**
 * The api runs of one scale against the built api (api.bench.ts's runLoad): cold hourly and daily with the response
 * cache off, then warm with it on. Each answer is checked first (200, the expected rows); a run with a non-2xx answer
 * or an error fails the bench.
 */
async function apiRuns(ctx: ApiContext, pg: Client): Promise<Figures> {
  const figures: Figures = new Map();
  const put = (key: string, value: number, text: string) => figures.set(key, { value, text });
  const { url, db, days } = ctx;
  const scale = { campaigns: ctx.campaigns };
  const hourly = (c: number) =>
    `/v1/performance?campaignId=${campaignId(c)}&from=${HOURLY_FROM.toISOString()}&to=${END.toISOString()}&granularity=hour&limit=1000`;
  const advertisers = Math.ceil(scale.campaigns / CAMPAIGNS_PER_ADVERTISER);
  const daily = (a: number) =>
    `/v1/performance?advertiserId=ADV${a}&from=${days[0]}&to=${days[days.length - 1]}&granularity=day&limit=1000`;
  const random = (n: number) => Math.floor(Math.random() * n);
  const runs: Array<{ key: string; cache: boolean; path: () => string; check: string; rows: number }> = [
    { key: 'cold', cache: false, path: () => hourly(random(scale.campaigns)), check: hourly(7), rows: 720 },
    {
      key: 'daily',
      cache: false,
      path: () => daily(random(advertisers - 1)), // the last advertiser may have fewer campaigns
      check: daily(0),
      rows: 0, // whatever the api groups a daily answer by: it must not be empty
    },
    { key: 'warm', cache: true, path: () => hourly(7), check: hourly(7), rows: 720 },
  ];
  for (const cache of [false, true]) {
    await withBenchApi({ url, key: KEY, cache }, async (api) => {
      for (const run of runs.filter((r) => r.cache === cache)) {
        const res = await fetch(`${api.baseUrl}${run.check}`, { headers: { authorization: `Bearer ${KEY}` } });
        const body = (await res.json()) as { data?: unknown[] };
        if (res.status !== 200 || !body.data?.length || (run.rows && body.data.length !== run.rows))
          throw new Error(
            `api ${run.key}: ${res.status}, ${body.data?.length} rows${run.rows ? `, ${run.rows} expected` : ''}`,
          );
        out(`api ${run.key}: one answer holds ${body.data.length} rows (${run.check})`);
        const r: LoadRun = await runLoad({
          api,
          pg,
          db,
          key: KEY,
          path: run.path,
          seconds: SECONDS,
          connections: CONNECTIONS,
        });
        out(
          `api ${run.key}: ${fmt(r.requestsPerSecond)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms; CPU per request ` +
            `api ${r.apiCpuMs.toFixed(2)} ms, PostgreSQL ${r.pgCpuMs.toFixed(2)} ms; ${fmt(r.bytes)} bytes per response; ` +
            `non-2xx ${r.non2xx}, errors ${r.errors}; load ${r.loadBefore.toFixed(1)} → ${r.loadAfter.toFixed(1)}`,
        );
        if (r.non2xx || r.errors || r.timeouts)
          throw new Error(`api ${run.key}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
        put(`${run.key}-rps`, r.requestsPerSecond, fmt(r.requestsPerSecond));
        put(`${run.key}-api`, r.apiCpuMs, `${r.apiCpuMs.toFixed(2)} ms`);
        put(`${run.key}-pg`, r.pgCpuMs, `${r.pgCpuMs.toFixed(2)} ms`);
        put(`${run.key}-cpu`, r.apiCpuMs + r.pgCpuMs, `${(r.apiCpuMs + r.pgCpuMs).toFixed(2)} ms`);
        put(`${run.key}-bytes`, r.bytes, fmt(r.bytes));
        put(`${run.key}-load`, r.loadAfter, `${r.loadBefore.toFixed(1)} → ${r.loadAfter.toFixed(1)}`);
      }
    });
  }

  return figures;
}

/**
 * RECORDS sp-traffic records in JetStream, then the built processor drains them. Each record revises the seeded fact
 * of a random campaign, keyword and hour of the last day (an upsert that updates a row of the month's big indexes).
 */
async function processorStage(
  url: string,
  db: string,
  pg: Client,
  campaigns: number,
  put: (key: string, value: number, text: string) => void,
): Promise<void> {
  const template = loadFixture('02') as Record<string, unknown>;
  const prefix = uniquePrefix('benchscaleproc');
  const js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'bench-scale' });
  await js.connect();
  try {
    await js.ensureStream({ name: 'AMS', subjects: ['ams.>'], maxAgeMs: 3_600_000 });
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < RECORDS; i += 1000) {
      await js.publishMany(
        Array.from({ length: Math.min(1000, RECORDS - i) }, (_, j) => {
          const c = rand(campaigns);
          const k = rand(KEYWORDS);
          const hour = new Date(END.getTime() - (1 + rand(24)) * 3_600_000);
          return {
            to: AMS_RECORDS.at('sp-traffic'),
            msgId: `scale-${i + j}`,
            data: {
              ...template,
              idempotency_id: `scale-${i + j}`,
              advertiser_id: advertiserOf(c),
              marketplace_id: MARKETPLACE,
              campaign_id: campaignId(c),
              ad_group_id: adGroupOf(c, k),
              ad_id: adOf(c, k),
              keyword_id: keywordOf(c, k),
              placement: PLACEMENT,
              time_window_start: hour.toISOString(),
              clicks: 1,
              impressions: 10,
              cost: 0.25,
            },
          };
        }),
      );
    }
    const processor = await startApp(
      'processor',
      { DATABASE_URL: url, NATS_URL: DEFAULT_NATS_URL, NATS_PREFIX: prefix, LOG_LEVEL: 'warn' },
      { port: await freePort() },
    );
    try {
      // counted from the first commit (the process has booted) to the last
      let first = 0;
      await waitFor(async () => (first = await committed(processor)) > 0, {
        timeoutMs: 120_000,
        intervalMs: 20,
        description: 'the processor commits its first batch',
      });
      const cpu0 = { proc: cpuMs(processor.pid), pg: await backendCpu(pg, db, 'processor') };
      const load0 = os.loadavg()[0];
      await waitFor(async () => (await committed(processor)) >= RECORDS, {
        timeoutMs: 1_800_000,
        intervalMs: 200,
        description: 'the processor drains the stage',
      });
      const pgCpu = cpuSince(cpu0.pg, await backendCpu(pg, db, 'processor'));
      const procCpu = cpuMs(processor.pid) - cpu0.proc;
      const counted = RECORDS - first;
      const rate = RECORDS / (await commitSpanSeconds(pg));
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM performance_delta`);
      if (Number(rows[0].n) !== RECORDS)
        throw new Error(`processor stage: ${rows[0].n} deltas stored, ${RECORDS} sent`);
      const perProc = (procCpu * 1000) / counted;
      const perPg = (pgCpu * 1000) / counted;
      out(
        `processor stage: ${fmt(RECORDS)} records, ${fmt(rate)} records/s (first to last commit); CPU per record ` +
          `processor ${fmt(perProc)} µs, PostgreSQL backends ${fmt(perPg)} µs; load ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`,
      );
      put('stage-rate', rate, `${fmt(rate)} records/s`);
      put('stage-proc', perProc, `${fmt(perProc)} µs`);
      put('stage-pg', perPg, `${fmt(perPg)} µs`);
      put('stage-cpu', perProc + perPg, `${fmt(perProc + perPg)} µs`);
    } finally {
      await processor.stop();
    }
  } finally {
    await js.close();
    await deleteStreams(prefix);
  }
}

const ROWS: Array<[string, string]> = [
  ['seed', 'seed: COPY into detached month partitions, index builds, ATTACH (wall time)'],
  ['analyze', 'ANALYZE hourly_fact after the seed'],
  ['size-table', 'hourly_fact on disk: heap (pg_table_size, all partitions)'],
  ['size-indexes', 'hourly_fact on disk: indexes'],
  ['size-total', 'hourly_fact on disk: total'],
  ['stage-rate', 'processor stage, each record an update of a seeded fact (first to last commit)'],
  ['stage-proc', 'processor stage: CPU per record, processor process'],
  ['stage-pg', 'processor stage: CPU per record, its PostgreSQL backends'],
  ['stage-cpu', 'processor stage: CPU per record, processor + PostgreSQL'],
  ['cold-rps', 'api cold (cache off), 1 campaign × 30 days hourly: req/s'],
  ['cold-api', 'api cold: CPU per request, api'],
  ['cold-pg', 'api cold: CPU per request, PostgreSQL backends'],
  ['cold-cpu', 'api cold: CPU per request, api + PostgreSQL'],
  ['cold-bytes', 'api cold: bytes per response'],
  ['cold-load', 'api cold: load average before → after'],
  ['daily-rps', 'api daily (cache off), 1 advertiser × the rollup days by day: req/s'],
  ['daily-api', 'api daily: CPU per request, api'],
  ['daily-pg', 'api daily: CPU per request, PostgreSQL backends'],
  ['daily-cpu', 'api daily: CPU per request, api + PostgreSQL'],
  ['daily-bytes', 'api daily: bytes per response'],
  ['warm-rps', 'api warm (cache on, the same query): req/s'],
  ['warm-cpu', 'api warm: CPU per request, api + PostgreSQL'],
  ['warm-bytes', 'api warm: bytes per response'],
  ['rollup', 'aggregator: one local day recomputed (RollupService.recomputeDay), mean'],
  ['rollup-cpu', 'aggregator: one local day, PostgreSQL CPU'],
  ['retention', 'retention: drop the oldest month (DETACH CONCURRENTLY + DROP)'],
];

async function main(): Promise<void> {
  const loadBefore = os.loadavg();
  const started = new Date();
  const admin = new Client({ connectionString: ADMIN });
  await admin.connect();
  const header = [
    `# bench:scale — ${started.toISOString()}`,
    '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, node ${process.version}, ` +
      `${(await admin.query('SHOW server_version')).rows[0].server_version.split(' ')[0]} PostgreSQL; load average before ` +
      `${loadBefore.map((l) => l.toFixed(2)).join(' / ')} (1 / 5 / 15 min).`,
    `Data: ${CAMPAIGNS_PER_ADVERTISER} campaigns per advertiser × ${KEYWORDS} keywords × every hour of ` +
      `${START.toISOString().slice(0, 10)} .. ${END.toISOString().slice(0, 10)} (${MONTHS} monthly partitions); api runs ${SECONDS} s, ` +
      `${CONNECTIONS} connections; processor stage ${fmt(RECORDS)} records; ${ROLLUP_DAYS} rollup days.`,
  ];
  for (const l of header) out(l);
  const results: Array<{ plan: ScalePlan; figures: Figures }> = [];
  let seedRate: number | undefined;
  let bytesPerFact = DEFAULT_BYTES_PER_FACT;
  let first: ApiContext | undefined;
  /** the first scale's api figures measured again after the last scale's (A-B-A: the machine's drift shows) */
  let again: Figures | undefined;
  try {
    for (const [i, requested] of SCALES.entries()) {
      const p = plan(requested, { freeBytes: await freeBytes(admin), bytesPerFact }, seedRate, {
        fit: FIT,
        budgetMinutes: BUDGET_MINUTES,
      });
      if (p.note) out(`\n**${p.note}**`);
      const r = await measureScale(admin, p, i === 0 && SCALES.length > 1);
      results.push({ plan: p, figures: r.figures });
      if (i === 0) first = r.ctx;
      seedRate = r.seedRate;
      bytesPerFact = r.bytesPerFact;
    }
    if (first && SCALES.length > 1) {
      out(`\n## ${fmt(results[0].plan.facts / 1e6, 1)} M facts again: the api runs`);
      const pg = new Client({ connectionString: first.url, options: PG_SESSION_OPTIONS });
      await pg.connect();
      try {
        again = await apiRuns(first, pg);
      } finally {
        await pg.end();
      }
    }
  } finally {
    if (first && !KEEP) await admin.query(`DROP DATABASE IF EXISTS ${first.db} WITH (FORCE)`);
    await admin.end();
  }
  const loadAfter = os.loadavg();
  const [a, b] = [results[0], results[results.length - 1]];
  const name = (p: ScalePlan) => `${fmt(p.facts / 1e6, 1)} M`;
  const lines = [
    ...header,
    `Load average after: ${loadAfter.map((l) => l.toFixed(2)).join(' / ')}. Finished ${new Date().toISOString()}.`,
    ...results.filter((r) => r.plan.note).map((r) => `\n**${r.plan.note}.**`),
    '',
    `| figure | ${name(a.plan)} | ${name(b.plan)} | ${name(a.plan)} again (api, after) | ratio |`,
    '|---|---:|---:|---:|---:|',
    ...ROWS.flatMap(([k, label]) => {
      const [x, y, z] = [a.figures.get(k), b.figures.get(k), again?.get(k)];
      if (!x || !y) return [];
      // api figures: against the mean of the small scale's two runs, which bracket the large one's
      const base = z ? (x.value + z.value) / 2 : x.value;
      const ratio = k.endsWith('-load') ? '' : `${(y.value / base).toFixed(2)}×`;
      return [`| ${label} | ${x.text} | ${y.text} | ${z?.text ?? ''} | ${ratio} |`];
    }),
    '',
    `Facts ratio: ${(b.plan.facts / a.plan.facts).toFixed(2)}×. The api rows' ratio is to the mean of the ` +
      `${name(a.plan)} runs before and after the ${name(b.plan)} one. CPU per request and per record are the processes' own ` +
      '(/proc), what stays comparable on a shared machine; wall-clock figures (req/s, seconds) move with its load.',
  ];
  const file =
    args.get('out') ?? join(workspaceRoot(), 'bench', 'results', `scale-${started.toISOString().slice(0, 10)}.md`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  out(`\n${lines.slice(header.length).join('\n')}\n\nwritten to ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
