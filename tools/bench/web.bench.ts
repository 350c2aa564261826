/**
 * `npm run bench:web` — the dashboard in headless Chromium against the built api over a large dataset: how long until
 * the first chart is drawn and until the page is interactive, for the overview and for one campaign's 90 days, cold
 * (a fresh browser profile per load, the api's response cache off) and warm (one profile, its HTTP cache and the
 * api's cache filled by a first load that is not counted); the API requests each page makes (page.on('request')); and
 * the first page's bundle (HTML, JS, CSS as the browser received them) gzipped.
 *
 * Data: hourly facts ending at the current hour, `--days` (90) back, for `--campaigns` campaigns of `--advertisers`
 * advertisers with 4 keywords each, COPYed until `--rows` (10,000,000) rows, then drained into the daily rollups by the
 * built aggregator (what production reads). Kept with --keep and reused when big enough.
 *
 * Flags: --rows 10000000 --advertisers 50 --days 90 --loads 10 --db ams_bench_web --keep
 * Needs: `nx build api aggregator web` (the npm script builds them), /usr/bin/chromium.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { chromium, type BrowserContext } from 'playwright-core';
import { PG_SESSION_OPTIONS, runMigrations } from '@ams/db';
import { deleteStreams, freePort, startApp, uniquePrefix, workspaceRoot } from '@ams/testing';
import { copyFacts } from './copy-facts';
import { benchArgs } from './cli-args';
import { withBenchApi } from './api.bench';

const args = benchArgs();
const ROWS = Number(args.get('rows') ?? 10_000_000);
const ADVERTISERS = Number(args.get('advertisers') ?? 50);
const DAYS = Number(args.get('days') ?? 90);
const LOADS = Number(args.get('loads') ?? 10);
const DB = args.get('db') ?? 'ams_bench_web';
const KEEP = args.get('keep') === 'true';
const ADMIN = process.env['BENCH_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const url = ADMIN.replace(/\/[^/]*$/, `/${DB}`);
const KEY = 'bench-web-key-0123456789abcdef';
const KEYWORDS = 4;
const HOURS = DAYS * 24;
const CAMPAIGNS = Math.ceil(ROWS / (HOURS * KEYWORDS));
const END = Math.floor(Date.now() / 3_600_000) * 3_600_000 + 3_600_000; // through the current hour
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** where the web app keeps the key (apps/web/src/api/session.ts): set before its scripts run, so no sign-in page */
const SESSION_KEY = 'ams-sentinel.apiKey';

const campaignId = (c: number) => String(100000000000000 + c);
const advertiserOf = (c: number) => `ADV${c % ADVERTISERS}`;

async function seed(pg: Client): Promise<void> {
  const { rows } = await pg.query<{ n: string; newest: Date | null }>(
    `SELECT count(*)::bigint AS n, max(hour_start) AS newest FROM hourly_fact`,
  );
  const fresh = rows[0].newest !== null && END - rows[0].newest.getTime() <= 2 * 3_600_000;
  if (Number(rows[0].n) >= ROWS && fresh) {
    console.log(`reusing ${Number(rows[0].n).toLocaleString('en-US')} hourly_fact rows in ${DB}`);
    return;
  }
  await pg.query('TRUNCATE hourly_fact, rollup_pending, campaign_daily, campaign_hourly');
  let produced = 0;
  function* seedRows(): Generator<string> {
    for (let c = 0; c < CAMPAIGNS && produced < ROWS; c++) {
      for (let h = 0; h < HOURS && produced < ROWS; h++) {
        const at = END - (h + 1) * 3_600_000;
        const hour = new Date(at).toISOString();
        const hod = new Date(at).getUTCHours();
        const rhythm = 1 + Math.sin(((hod - 6) / 24) * 2 * Math.PI); // a daily curve
        for (let k = 0; k < KEYWORDS && produced < ROWS; k++, produced++) {
          const clicks = Math.round(rhythm * (2 + ((c + k) % 5)));
          const orders = clicks % 3;
          yield `${advertiserOf(c)}\tATVPDKIKX0DER\t${campaignId(c)}\tG${k % 2}\tA${k}\tK${k}\tTop of Search on-Amazon\t${hour}\t0\tsp\tUSD\t${clicks * 40 + k}\t${clicks}\t${(clicks * 0.87).toFixed(2)}\t${orders}\t${(orders * 24.99).toFixed(2)}\n`;
        }
      }
    }
  }
  const s = await copyFacts(pg, seedRows());
  console.log(`seeded ${produced.toLocaleString('en-US')} rows with COPY in ${s.toFixed(0)} s`);
}

/** The built aggregator turns every pending campaign-day into campaign_daily (the api reads rollups, as in production). */
async function drain(pg: Client): Promise<void> {
  const left = async () => Number((await pg.query('SELECT count(*)::int AS n FROM rollup_pending')).rows[0].n);
  if ((await left()) === 0) return;
  const prefix = uniquePrefix('benchwebagg');
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
    while ((await left()) > 0) {
      if (performance.now() - t0 > 3_600_000) throw new Error('the drain took over an hour');
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await aggregator.stop();
    await deleteStreams(prefix);
  }
  console.log(`rollups drained in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

interface PageSpec {
  name: string;
  path: string;
  /** every selector present = the page has its data drawn */
  ready: string[];
}

interface Load {
  firstChartMs: number;
  interactiveMs: number;
  apiRequests: number;
  requests: number;
  bytesGzip: number;
}

/** Before the app's scripts: the key in sessionStorage, and observers that note when the chart and the page are done. */
function initScript(ready: string[]): string {
  return `(() => {
    try { sessionStorage.setItem(${JSON.stringify(SESSION_KEY)}, ${JSON.stringify(KEY)}); } catch {}
    const b = (window.__bench = {});
    const ready = ${JSON.stringify(ready)};
    const check = () => {
      if (!b.chart && document.querySelector('.uplot canvas')) b.chart = performance.now();
      if (!b.domReady && ready.every((s) => document.querySelector(s))) {
        b.domReady = performance.now();
        // interactive: the frame with everything drawn has been painted and the main thread is free again
        requestAnimationFrame(() => setTimeout(() => (b.ready = performance.now()), 0));
      }
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  })();`;
}

async function newContext(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'ams-bench-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function load(context: BrowserContext, base: string, spec: PageSpec, measureBytes = false): Promise<Load> {
  const page = await context.newPage();
  await page.addInitScript(initScript(spec.ready));
  let apiRequests = 0;
  let requests = 0;
  const bodies: Array<Promise<number>> = [];
  page.on('request', (r) => {
    requests++;
    if (new URL(r.url()).pathname.startsWith('/v1/')) apiRequests++;
  });
  if (measureBytes)
    page.on('response', (r) => {
      const type = r.request().resourceType();
      if (['document', 'script', 'stylesheet'].includes(type))
        bodies.push(
          r.body().then(
            (b) => gzipSync(b).length,
            () => 0,
          ),
        );
    });
  await page.goto(`${base}${spec.path}`, { waitUntil: 'commit' });
  // functions, not strings: a string would be eval'd in the page, which its CSP refuses
  type Marks = { __bench?: { chart?: number; ready?: number } };
  await page.waitForFunction(() => (globalThis as Marks).__bench?.ready, undefined, { timeout: 120_000 });
  const b = (await page.evaluate(() => (globalThis as Marks).__bench)) as { chart: number; ready: number };
  const bytesGzip = (await Promise.all(bodies)).reduce((a, n) => a + n, 0);
  await page.close();
  return { firstChartMs: b.chart, interactiveMs: b.ready, apiRequests, requests, bytesGzip };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function withApi<T>(cache: boolean, run: (base: string) => Promise<T>): Promise<T> {
  return withBenchApi(
    { url, key: KEY, cache, env: { WEB_DIST_DIR: join(workspaceRoot(), 'dist', 'apps', 'web') } },
    (api) => run(api.baseUrl),
  );
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  if (!existsSync(join(workspaceRoot(), 'dist', 'apps', 'web', 'index.html')))
    throw new Error('dist/apps/web is missing: npx nx build web');
  const admin = new Client({ connectionString: ADMIN });
  await admin.connect();
  if (!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB])).rowCount)
    await admin.query(`CREATE DATABASE ${DB}`);
  await runMigrations(url);
  const pg = new Client({ connectionString: url, options: PG_SESSION_OPTIONS });
  await pg.connect();
  try {
    await seed(pg);
    await drain(pg);
    const { rows: size } = await pg.query(
      `SELECT count(*)::bigint AS n, pg_size_pretty(pg_total_relation_size('hourly_fact')) AS size FROM hourly_fact`,
    );
    const facts = Number(size[0].n);
    console.log(`hourly_fact: ${facts.toLocaleString('en-US')} rows, ${size[0].size}; ${CAMPAIGNS} campaigns`);

    // the busiest campaign of the first advertiser: 90 days × 24 hours × 4 keywords of facts
    const pages: PageSpec[] = [
      {
        name: 'overview',
        path: `/advertisers/${advertiserOf(0)}`,
        ready: ['[data-testid="tile-spend"][data-value]', '.uplot canvas'],
      },
      {
        name: `campaign, ${DAYS} days`,
        path: `/advertisers/${advertiserOf(0)}/campaigns/${campaignId(0)}?days=${DAYS}`,
        ready: ['[data-testid="hourly-chart"] .uplot canvas', '[data-testid="heatmap"]'],
      },
    ];
    const results: Array<{ page: string; mode: string; loads: Load[] }> = [];
    let bundle = 0;
    // cold: a new profile for every load (nothing in the HTTP cache), the api computing every answer
    await withApi(false, async (base) => {
      for (const spec of pages) {
        const loads: Load[] = [];
        for (let i = 0; i < LOADS; i++) {
          const b = await newContext();
          try {
            const l = await load(b.context, base, spec, spec.name === 'overview' && i === 0);
            if (l.bytesGzip) bundle = l.bytesGzip;
            loads.push(l);
          } finally {
            await b.close();
          }
        }
        results.push({ page: spec.name, mode: 'cold', loads });
      }
    });
    // warm: one profile, one uncounted load first (assets cached, the api's cache filled), then LOADS reloads
    await withApi(true, async (base) => {
      const b = await newContext();
      try {
        for (const spec of pages) {
          await load(b.context, base, spec);
          const loads: Load[] = [];
          for (let i = 0; i < LOADS; i++) loads.push(await load(b.context, base, spec));
          results.push({ page: spec.name, mode: 'warm', loads });
        }
      } finally {
        await b.close();
      }
    });

    const ms = (x: number) => `${Math.round(x)} ms`;
    console.log(
      `\ndashboard in headless Chromium, ${facts.toLocaleString('en-US')} facts, ${LOADS} loads each; load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores`,
    );
    console.log('| page | cache | first chart p50 / p95 | interactive p50 / p95 | API requests | requests |');
    console.log('|---|---|---|---|---|---|');
    for (const r of results) {
      const chart = r.loads.map((l) => l.firstChartMs);
      const ready = r.loads.map((l) => l.interactiveMs);
      const api = [...new Set(r.loads.map((l) => l.apiRequests))].join('–');
      const all = [...new Set(r.loads.map((l) => l.requests))].join('–');
      console.log(
        `| ${r.page} | ${r.mode} | ${ms(pct(chart, 50))} / ${ms(pct(chart, 95))} | ${ms(pct(ready, 50))} / ${ms(pct(ready, 95))} | ${api} | ${all} |`,
      );
    }
    console.log(`\nfirst page (overview) bundle, HTML + JS + CSS gzipped: ${(bundle / 1024).toFixed(1)} KB`);
  } finally {
    await pg.end();
    if (!KEEP) await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
