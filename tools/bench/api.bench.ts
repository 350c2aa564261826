/**
 * `npm run bench:api` — GET /v1/performance for one campaign over 30 days, hourly, on a database
 * seeded with ≥ 10 million hourly fact rows (COPY), measured with autocannon against the built api.
 *
 * Runs, each against a freshly started api:
 * - cold: the response cache off (API_CACHE_MAX_ENTRIES=0) and every request for a random one of the campaigns, so
 *   the api computes every answer (what a miss costs);
 * - warm: the cache on and the same query every time, so every request after the first is a hit (the best case);
 * - day, facts / day, rollups: an advertiser's daily totals over 50 days (its 40 campaigns), a random advertiser per
 *   request, cache off — first with every campaign-day marked pending (summed from the facts), then after the built
 *   aggregator drained the marks into the daily rollups (read from campaign_daily); the drain's time is printed too.
 * Besides throughput and latency it prints the CPU time per request of the api process and of its PostgreSQL
 * backends, and the machine's load average: on a shared 2-core machine the wall-clock figures move with whatever
 * else runs, the CPU per request much less.
 *
 * Flags: --rows 10000000 --campaigns 2000 --seconds 20 --connections 16 --db ams_bench_api --keep --mode all|both|cold|warm|day
 * (both: cold and warm; all: those and day)
 * The seeded database is kept with --keep and reused when it already holds enough rows.
 * A/B: --base-entry PATH (another build's main.js, e.g. of the commit before a change) runs every mode with that build
 * and with this one, alternately (--rounds 2: base, new, base, new), and prints each one's CPU per request side by
 * side with the ratio new / base. --cpu-prof DIR starts the api with `node --cpu-prof` (profiles written to DIR).
 * --advertiser: the cold and warm queries name the campaign's advertiser too, as the dashboard does.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { Client } from 'pg';
import { localDateSql, PG_SESSION_OPTIONS, runMigrations } from '@ams/db';
import { deleteStreams, freePort, startApp, uniquePrefix } from '@ams/testing';
import { copyFacts } from './copy-facts';
import { cpuMs } from './cpu';
import { benchArgs } from './cli-args';

const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;
interface AutocannonResult {
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  requests: { average: number; total: number };
  throughput: { total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

const args = benchArgs();
const ROWS = Number(args.get('rows') ?? 10_000_000);
const CAMPAIGNS = Number(args.get('campaigns') ?? 2000);
const SECONDS = Number(args.get('seconds') ?? 20);
const CONNECTIONS = Number(args.get('connections') ?? 16);
const DB = args.get('db') ?? 'ams_bench_api';
const KEEP = args.get('keep') === 'true';
const MODE = args.get('mode') ?? 'all';
const BASE_ENTRY = args.get('base-entry');
const ROUNDS = Number(args.get('rounds') ?? 2);
const CPU_PROF = args.get('cpu-prof');
/** cold/warm ask as the dashboard does: advertiserId with the campaignId */
const ADVERTISER = args.get('advertiser') === 'true';
const ADMIN = process.env['BENCH_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const url = ADMIN.replace(/\/[^/]*$/, `/${DB}`);
const KEY = 'bench-api-key-0123456789abcdef';
const DAYS = 30;
const ADVERTISERS = 50;
/** the daily run's range: 50 advertiser-local days inside the seeded window */
const DAY_FROM = '2025-05-10';
const DAY_TO = '2025-06-28';
const END = Date.UTC(2025, 5, 30); // seeded window ends 2025-06-30T00:00Z
const HOURS = Math.ceil(ROWS / CAMPAIGNS); // rows per campaign, one per hour going back from END…
// …spread over keywords: each campaign has KEYWORDS rows per hour for HOURS / KEYWORDS hours
const KEYWORDS = 4;

async function seed(pg: Client): Promise<void> {
  const { rows } = await pg.query(`SELECT count(*)::bigint AS n FROM hourly_fact`);
  if (Number(rows[0].n) >= ROWS) {
    console.log(`reusing ${Number(rows[0].n).toLocaleString('en-US')} hourly_fact rows in ${DB}`);
    return;
  }
  await pg.query('TRUNCATE hourly_fact');
  const hoursPerCampaign = Math.ceil(HOURS / KEYWORDS);
  let produced = 0;
  function* seedRows(): Generator<string> {
    for (let c = 0; c < CAMPAIGNS && produced < ROWS; c++) {
      const campaign = String(100000000000000 + c);
      const advertiser = `ADV${c % ADVERTISERS}`;
      for (let h = 0; h < hoursPerCampaign && produced < ROWS; h++) {
        const hour = new Date(END - (h + 1) * 3_600_000).toISOString();
        for (let k = 0; k < KEYWORDS && produced < ROWS; k++, produced++) {
          const clicks = (c + h + k) % 9;
          yield `${advertiser}\tATVPDKIKX0DER\t${campaign}\tG${k % 2}\tA${k}\tK${k}\tTop of Search on-Amazon\t${hour}\t-420\tsp\tUSD\t${100 + ((h * 7 + k) % 400)}\t${clicks}\t${(clicks * 0.87).toFixed(2)}\t${clicks % 3}\t${((clicks % 3) * 24.99).toFixed(2)}\n`;
        }
      }
    }
  }
  const s = await copyFacts(pg, seedRows());
  console.log(
    `seeded ${produced.toLocaleString('en-US')} rows with COPY in ${s.toFixed(0)} s (${Math.round(produced / s).toLocaleString('en-US')} rows/s)`,
  );
}

async function main(): Promise<void> {
  const admin = new Client({ connectionString: ADMIN });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB])).rowCount;
  if (!exists) await admin.query(`CREATE DATABASE ${DB}`);
  await runMigrations(url);
  const pg = new Client({ connectionString: url, options: PG_SESSION_OPTIONS });
  await pg.connect();
  try {
    await seed(pg);
    const { rows: size } = await pg.query(
      `SELECT count(*)::bigint AS n, (SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'hourly_fact'::regclass) AS size FROM hourly_fact`,
    );
    console.log(`hourly_fact: ${Number(size[0].n).toLocaleString('en-US')} rows, ${size[0].size}`);

    const modes: Mode[] =
      MODE === 'all'
        ? ['cold', 'warm', 'day-facts', 'day-rollups']
        : MODE === 'both'
          ? ['cold', 'warm']
          : MODE === 'day'
            ? ['day-facts', 'day-rollups']
            : [MODE as Mode];
    const rows: Array<[string, string]> = [];
    // one variant (this build) unless --base-entry asks for an A/B: then base and new alternately, ROUNDS times each
    const variants: Array<Variant | undefined> = BASE_ENTRY
      ? Array.from({ length: ROUNDS }, (): Variant[] => [
          { name: 'base', entry: BASE_ENTRY },
          { name: 'new', entry: undefined },
        ]).flat()
      : [undefined];
    const runs = modes.flatMap((m) => variants.map((v, i) => [m, v, i === 0] as const));
    for (const [mode, variant, firstOfMode] of runs) {
      if (mode === 'day-facts' && firstOfMode) await markEverything(pg);
      if (mode === 'day-rollups' && firstOfMode) rows.push(await drainIntoRollups(pg));
      await withBenchApi(
        {
          url,
          key: KEY,
          cache: mode === 'warm',
          entry: variant?.entry,
          nodeArgs: CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : undefined,
        },
        async (api) => {
          const measured = await measure(mode, api, pg);
          if (variant) abRuns.push({ mode, variant: variant.name, rows: measured });
          else rows.push(...measured);
        },
      );
    }
    console.log(
      `\nGET /v1/performance (cold/warm: 1 campaign, 30 days hourly; day: 1 advertiser, 50 days daily), ${CONNECTIONS} connections, ${SECONDS} s each:`,
    );
    // two columns, as tools/bench/system.bench.ts collects them
    console.log('| measure | figure |\n|---|---|');
    for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
    if (abRuns.length) printAb(modes);
  } finally {
    await pg.end();
    if (!KEEP) await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.end();
  }
}

type Mode = 'cold' | 'warm' | 'day-facts' | 'day-rollups';

/** An A/B side: `base` runs --base-entry, `new` this build (dist/apps/api). */
interface Variant {
  name: 'base' | 'new';
  entry: string | undefined;
}

/** The measured runs of an A/B (--base-entry), in the order they ran. */
const abRuns: Array<{ mode: Mode; variant: 'base' | 'new'; rows: Array<[string, string]> }> = [];

/**
 * The A/B table: per mode, each run's CPU per request (api / PostgreSQL) and requests/s, then the medians of base and
 * new side by side with the ratio new / base.
 */
function printAb(modes: Mode[]): void {
  const cpuOf = (rows: Array<[string, string]>) => {
    const v = rows.find(([k]) => k.endsWith('CPU per request: api / PostgreSQL / autocannon'))?.[1] ?? '';
    const [api, pgCpu] = v.split(' / ').map((x) => Number.parseFloat(x));
    const rps = Number((rows.find(([k]) => k.endsWith(': requests/s'))?.[1] ?? '0').replace(/,/g, ''));
    const load = rows.find(([k]) => k.endsWith('load average (1 min) before / after'))?.[1] ?? '';
    return { api, pg: pgCpu, rps, load };
  };
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  console.log(`\nA/B: base = ${BASE_ENTRY}, new = this build; CPU per request in ms (runs in the order they ran):`);
  console.log(
    '| mode | run | api | PostgreSQL | api + PostgreSQL | requests/s | load before / after |\n|---|---|---|---|---|---|---|',
  );
  for (const r of abRuns) {
    const c = cpuOf(r.rows);
    console.log(
      `| ${r.mode} | ${r.variant} | ${c.api.toFixed(2)} | ${c.pg.toFixed(2)} | ${(c.api + c.pg).toFixed(2)} | ${c.rps} | ${c.load} |`,
    );
  }
  console.log('\n| mode | measure | base | new | new / base |\n|---|---|---|---|---|');
  for (const mode of modes) {
    const of = (v: 'base' | 'new') =>
      abRuns.filter((r) => r.mode === mode && r.variant === v).map((r) => cpuOf(r.rows));
    const [b, n] = [of('base'), of('new')];
    if (!b.length || !n.length) continue;
    const line = (what: string, pick: (c: ReturnType<typeof cpuOf>) => number, digits: number) => {
      const [mb, mn] = [median(b.map(pick)), median(n.map(pick))];
      console.log(`| ${mode} | ${what} | ${mb.toFixed(digits)} | ${mn.toFixed(digits)} | ${(mn / mb).toFixed(2)} |`);
    };
    line('CPU ms/request, api', (c) => c.api, 2);
    line('CPU ms/request, PostgreSQL', (c) => c.pg, 2);
    line('CPU ms/request, api + PostgreSQL', (c) => c.api + c.pg, 2);
    line('requests/s', (c) => c.rps, 0);
  }
}

/** Marks every campaign-day of the seeded facts pending, as a write would (so daily answers come from the facts). */
async function markEverything(pg: Client): Promise<void> {
  const t0 = performance.now();
  await pg.query('DELETE FROM rollup_pending');
  await pg.query(`INSERT INTO rollup_pending (advertiser_id, campaign_id, local_date)
    SELECT DISTINCT advertiser_id, campaign_id, ${localDateSql(null)}
    FROM hourly_fact`);
  const { rows } = await pg.query('SELECT count(*)::int AS n FROM rollup_pending');
  console.log(
    `day, facts: ${Number(rows[0].n).toLocaleString('en-US')} campaign-days marked pending (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
}

/** Starts the built aggregator with a drain every second and no grace, and waits until no campaign-day is pending. */
async function drainIntoRollups(pg: Client): Promise<[string, string]> {
  const { rows } = await pg.query(
    'SELECT count(DISTINCT (advertiser_id, campaign_id, local_date))::int AS n FROM rollup_pending',
  );
  const days = Number(rows[0].n);
  const prefix = uniquePrefix('benchagg');
  const t0 = performance.now();
  const aggregator = await startApp(
    'aggregator',
    {
      DATABASE_URL: url,
      NATS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      AGGREGATOR_PENDING_GRACE_SECONDS: '0',
      AGGREGATOR_PENDING_DRAIN_SECONDS: '1',
    },
    { port: await freePort() },
  );
  try {
    await aggregator.waitReady(60_000);
    for (;;) {
      const left = Number((await pg.query('SELECT count(*)::int AS n FROM rollup_pending')).rows[0].n);
      if (left === 0) break;
      if (performance.now() - t0 > 3_600_000) throw new Error(`the drain left ${left} marks after an hour`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await aggregator.stop();
    await deleteStreams(prefix);
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `day, rollups: the aggregator drained ${days.toLocaleString('en-US')} campaign-days into the rollups in ${s.toFixed(0)} s`,
  );
  return [
    'aggregator drain: every campaign-day of the 10 M facts recomputed into the rollups',
    `${days.toLocaleString('en-US')} campaign-days in ${s.toFixed(0)} s (${Math.round(days / s).toLocaleString('en-US')}/s, incl. start)`,
  ];
}

const LABELS: Record<Mode, string> = {
  cold: 'cold (cache off, random campaign)',
  warm: 'warm (cache on, same query: hits)',
  'day-facts': 'day, facts (advertiser × 50 days, every day marked pending, cache off, random advertiser)',
  'day-rollups': 'day, rollups (advertiser × 50 days from campaign_daily, cache off, random advertiser)',
};

/** A/B: the first run's answers of each mode, which every later run must repeat byte for byte. */
const abBodies = new Map<Mode, string[]>();

/** The day-facts run's answer for ADV7, which the day-rollups run must repeat exactly. */
let dayFactsBody: string | undefined;

/** One measured run against a started api; returns its table rows (measure, figure). */
async function measure(
  mode: Mode,
  api: Awaited<ReturnType<typeof startApp>>,
  pg: Client,
): Promise<Array<[string, string]>> {
  const from = new Date(END - DAYS * 86_400_000).toISOString();
  const to = new Date(END).toISOString();
  const daily = mode === 'day-facts' || mode === 'day-rollups';
  const path = daily
    ? (a: number) =>
        `/v1/performance?advertiserId=ADV${a % ADVERTISERS}&from=${DAY_FROM}&to=${DAY_TO}&granularity=day&limit=1000`
    : (c: number) =>
        `/v1/performance?${ADVERTISER ? `advertiserId=ADV${c % ADVERTISERS}&` : ''}campaignId=${100000000000000 + c}&from=${from}&to=${to}&granularity=hour&limit=1000`;
  const check = await fetch(`${api.baseUrl}${path(7)}`, { headers: { authorization: `Bearer ${KEY}` } });
  const body = (await check.json()) as { data: unknown[] };
  if (check.status !== 200) throw new Error(`api answered ${check.status}`);
  console.log(
    `${mode}: one request: ${body.data.length} ${daily ? 'daily rows for 50 days' : 'hourly rows for 30 days'} (X-Cache: ${check.headers.get('x-cache')})`,
  );
  if (mode === 'day-rollups') {
    // the same answer as from the facts, byte for byte (taken before the drain by the day-facts run)
    const bytes = JSON.stringify(body);
    if (dayFactsBody !== undefined && bytes !== dayFactsBody)
      throw new Error('day, rollups: the answer differs from the one summed from the facts');
  }
  if (mode === 'day-facts') dayFactsBody = JSON.stringify(body);
  // A/B: both builds answer the same bytes (ten campaigns or advertisers, the cache's X-Cache aside)
  if (BASE_ENTRY) {
    const bodies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        fetch(`${api.baseUrl}${path(i * 37)}`, { headers: { authorization: `Bearer ${KEY}` } }).then((r) => r.text()),
      ),
    );
    const seen = abBodies.get(mode);
    if (!seen) abBodies.set(mode, bodies);
    else if (bodies.some((b, i) => b !== seen[i])) throw new Error(`${mode}: base and new answer different bytes`);
  }
  if (mode === 'warm') {
    const again = await fetch(`${api.baseUrl}${path(7)}`, { headers: { authorization: `Bearer ${KEY}` } });
    await again.arrayBuffer();
    if (again.headers.get('x-cache') !== 'hit')
      throw new Error(`warm run: the repeat was not a hit (${again.headers.get('x-cache')})`);
  }
  // cold: each request asks for a random campaign (with the cache off, every one is computed); warm: always the same
  const pick = () => (mode === 'warm' ? path(7) : path(Math.floor(Math.random() * (daily ? ADVERTISERS : CAMPAIGNS))));
  const r = await runLoad({ api, pg, db: DB, key: KEY, path: pick, seconds: SECONDS, connections: CONNECTIONS });
  const per = (ms: number) => ms.toFixed(2);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${api.pid}/status`, 'utf8'))?.[1];
  const label = LABELS[mode];
  return [
    [`${label}: requests/s`, Math.round(r.requestsPerSecond).toLocaleString('en-US')],
    [
      `${label}: latency p50 / p90 / p99 / max`,
      `${r.latency.p50} / ${r.latency.p90} / ${r.latency.p99} / ${r.latency.max} ms`,
    ],
    [`${label}: non-2xx, errors, timeouts`, `${r.non2xx}, ${r.errors}, ${r.timeouts}`],
    [
      `${label}: CPU per request: api / PostgreSQL / autocannon`,
      `${per(r.apiCpuMs)} / ${per(r.pgCpuMs)} / ${per(r.benchCpuMs)} ms`,
    ],
    [`${label}: load average (1 min) before / after`, `${r.loadBefore.toFixed(2)} / ${r.loadAfter.toFixed(2)}`],
    [`${label}: peak RSS api`, `${hwm ? (Number(hwm) / 1024).toFixed(0) : 'n/a'} MB`],
  ];
}

/** One load run's figures; CPU and bytes per request. */
/**
 * The built api on a bench database, as every api bench runs it (pool 16, one admin key, no rate limit, the response
 * cache on or off), on a free port and NATS prefix of its own; stopped and its streams deleted after `run`.
 */
export async function withBenchApi<T>(
  o: {
    url: string;
    key: string;
    cache: boolean;
    env?: Record<string, string>;
    entry?: string;
    nodeArgs?: string[];
  },
  run: (api: Awaited<ReturnType<typeof startApp>>) => Promise<T>,
): Promise<T> {
  const prefix = uniquePrefix('benchapi');
  const api = await startApp(
    'api',
    {
      DATABASE_URL: o.url,
      DATABASE_POOL_SIZE: '16',
      NATS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      API_KEYS: o.key,
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      API_CACHE_MAX_ENTRIES: o.cache ? '1000' : '0',
      ...o.env,
    },
    { port: await freePort(), entry: o.entry, nodeArgs: o.nodeArgs },
  );
  try {
    await api.waitReady(60_000);
    return await run(api);
  } finally {
    await api.stop();
    await deleteStreams(prefix);
  }
}

export interface LoadRun {
  requestsPerSecond: number;
  requests: number;
  latency: AutocannonResult['latency'];
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU (ms) per request of the api process, of its PostgreSQL backends, of autocannon (this process) */
  apiCpuMs: number;
  pgCpuMs: number;
  benchCpuMs: number;
  /** bytes received per response, headers included */
  bytes: number;
  /** load average (1 min) before and after */
  loadBefore: number;
  loadAfter: number;
}

/**
 * `connections` autocannon clients GET `path()` (a new path per request) from a started api for 3 s unmeasured, then
 * for `seconds` measured: throughput, latency, and the CPU time per request of the api process and of its PostgreSQL
 * backends (`application_name = 'api'` in database `db`) over the measured run. Used by bench:api and bench:scale.
 */
export async function runLoad(opts: {
  api: { baseUrl: string; pid: number };
  pg: Client;
  db: string;
  key: string;
  path: () => string;
  seconds: number;
  connections: number;
}): Promise<LoadRun> {
  const { api, pg } = opts;
  const run = (seconds: number) =>
    autocannon({
      url: api.baseUrl,
      connections: opts.connections,
      duration: seconds,
      headers: { authorization: `Bearer ${opts.key}` },
      requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: opts.path() }) }],
    });
  const loadBefore = os.loadavg()[0];
  await run(3);
  // CPU time of the api process and of its PostgreSQL backends over the measured run: per request, these do not
  // depend on what else the machine runs (wall-clock figures do)
  // the pool opens and closes connections as the load varies: the backends are sampled every 200 ms, a new one counts
  // from 0 and one that closed keeps its last sample (what it spent after that sample is lost, a few ms at most)
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = async () => {
    const { rows } = await pg.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'api'`,
      [opts.db],
    );
    for (const { pid } of rows) {
      const ms = cpuMs(pid);
      if (ms === 0 && !last.has(pid)) continue; // gone already
      if (!first.has(pid)) first.set(pid, sampling ? 0 : ms);
      last.set(pid, Math.max(ms, last.get(pid) ?? 0));
    }
  };
  let sampling = false;
  await sample();
  sampling = true;
  const cpu0 = { api: cpuMs(api.pid), bench: process.cpuUsage() };
  const timer = setInterval(() => void sample().catch(() => undefined), 200);
  let r: AutocannonResult;
  try {
    r = await run(opts.seconds);
  } finally {
    clearInterval(timer);
  }
  await sample();
  let pgCpu = 0;
  for (const [pid, ms] of last) pgCpu += ms - (first.get(pid) ?? 0);
  const n = Math.max(1, r.requests.total);
  const bench = process.cpuUsage(cpu0.bench);
  return {
    requestsPerSecond: r.requests.average,
    requests: r.requests.total,
    latency: r.latency,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    apiCpuMs: (cpuMs(api.pid) - cpu0.api) / n,
    pgCpuMs: pgCpu / n,
    benchCpuMs: (bench.user + bench.system) / 1000 / n,
    bytes: r.throughput.total / n,
    loadBefore,
    loadAfter: os.loadavg()[0],
  };
}

// bench:scale imports runLoad()
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
