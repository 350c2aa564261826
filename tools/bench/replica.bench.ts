/**
 * `npm run bench:replica` — the api's GET /v1/performance (one campaign, 30 days hourly, the cache off so every
 * request is computed) reading a PostgreSQL streaming replica vs reading the primary, while writes go to the primary.
 *
 * A primary and a hot standby made from the machine's PostgreSQL 15 binaries (startPrivateReplicaPair: initdb,
 * pg_basebackup -R) on this one machine, a database seeded with `--campaigns` × 30 days × 24 h × 4 keywords hourly
 * facts; a writer inserts `--write-rate` facts/s into the primary (batches every 100 ms) the whole time. The built api
 * runs twice, first without DATABASE_READ_URL (reads on the primary), then with it (reads on the standby), under
 * autocannon (`--connections`, `--seconds`, a random campaign per request). Printed per run: requests/s, latency,
 * CPU per request of the api process and of each server (the postmaster and all its processes: backends, WAL sender,
 * the standby's replay), the standby's replay lag at the end, and the writes done.
 *
 * Both servers share this machine's cores, so the replica cannot add capacity here: what it shows is where the CPU of
 * the reads goes (off the primary) and what the reads cost on each.
 *
 * Flags: --campaigns 200 --seconds 15 --connections 8 --write-rate 2000
 */
import * as os from 'node:os';
import { Client } from 'pg';
import { PG_SESSION_OPTIONS } from '@ams/db';
import { createTestDatabase, deleteStreams, startApp, startPrivateReplicaPair, uniquePrefix } from '@ams/testing';
import { cpuMs, treeCpuMs } from './cpu';
import { benchArgs } from './cli-args';

const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<{
  latency: { p50: number; p99: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}>;

const args = benchArgs();
const CAMPAIGNS = Number(args.get('campaigns') ?? 200);
const SECONDS = Number(args.get('seconds') ?? 15);
const CONNECTIONS = Number(args.get('connections') ?? 8);
const WRITE_RATE = Number(args.get('write-rate') ?? 2000);
const KEY = 'bench-replica-key-0123456789';
const DAYS = 30;
const END = Date.UTC(2025, 5, 30);

async function main(): Promise<void> {
  const pair = await startPrivateReplicaPair();
  const db = await createTestDatabase({ adminUrl: pair.primaryUrl });
  const pg = new Client({ connectionString: db.url, options: PG_SESSION_OPTIONS });
  await pg.connect();
  const prefix = uniquePrefix('bench_replica');
  let writing = true;
  let written = 0;
  try {
    const t0 = Date.now();
    await pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
         hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d, orders_14d, sales_14d)
       SELECT 'ADV' || (c % 10), 'ATVPDKIKX0DER', 'C' || c, 'G1', 'A1', 'k' || k, 'Top of Search on-Amazon',
              to_timestamp($1 / 1000.0) - h * interval '1 hour', 0, 'sp', 'USD', 100, 3, 1.25, 1, 10, 2, 20
         FROM generate_series(1, $2::int) c, generate_series(1, $3::int) h, generate_series(1, 4) k`,
      [END, CAMPAIGNS, DAYS * 24],
    );
    const rows = CAMPAIGNS * DAYS * 24 * 4;
    await pg.query('ANALYZE hourly_fact');
    await pair.caughtUp(120_000);
    process.stdout.write(
      `seeded ${rows.toLocaleString('en-US')} facts in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );

    // the writer: new keyword rows of random campaigns in the seeded window, every 100 ms
    const perTick = Math.max(1, Math.round(WRITE_RATE / 10));
    let seq = 0;
    const writer = (async () => {
      while (writing) {
        const started = Date.now();
        const from = seq;
        seq += perTick;
        await pg.query(
          `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
             hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d, orders_14d, sales_14d)
           SELECT 'ADV' || (c % 10), 'ATVPDKIKX0DER', 'C' || c, 'G1', 'A1', 'w' || i, 'Top of Search on-Amazon',
                  to_timestamp($1 / 1000.0) - (1 + i % ($4::int * 24)) * interval '1 hour', 0, 'sp', 'USD', 1, 0, 0.01, 0, 0, 0, 0
             FROM (SELECT i, 1 + (i * 7919) % $3::int AS c FROM generate_series($2::bigint, $2::bigint + $5::int - 1) i) s`,
          [END, from, CAMPAIGNS, DAYS, perTick],
        );
        written += perTick;
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
      }
    })();

    const from = new Date(END - DAYS * 86_400_000).toISOString();
    const to = new Date(END).toISOString();
    const results: string[][] = [];
    for (const mode of ['primary', 'replica'] as const) {
      const api = await startApp('api', {
        DATABASE_URL: db.url,
        DATABASE_POOL_SIZE: '10',
        ...(mode === 'replica' ? { DATABASE_READ_URL: pair.onStandby(db.url) } : {}),
        NATS_URL: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
        NATS_PREFIX: prefix,
        API_KEYS: KEY,
        API_CACHE_MAX_ENTRIES: '0',
        API_RATE_LIMIT_PER_MINUTE: '1000000',
        LOG_LEVEL: 'warn',
      });
      try {
        await api.waitReady(60_000);
        const path = () =>
          `/v1/performance?campaignId=C${1 + Math.floor(Math.random() * CAMPAIGNS)}&from=${from}&to=${to}&granularity=hour&limit=1000`;
        // warm up: plans, pools, the replica in use
        await autocannon({
          url: api.baseUrl,
          connections: CONNECTIONS,
          duration: 3,
          headers: { authorization: `Bearer ${KEY}` },
          requests: [{ setupRequest: (r: Record<string, unknown>) => ({ ...r, path: path() }) }],
        });
        const w0 = written;
        const cpu0 = {
          api: cpuMs(api.pid),
          primary: treeCpuMs(pair.pids.primary),
          standby: treeCpuMs(pair.pids.standby),
        };
        const r = await autocannon({
          url: api.baseUrl,
          connections: CONNECTIONS,
          duration: SECONDS,
          headers: { authorization: `Bearer ${KEY}` },
          requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path() }) }],
        });
        const n = Math.max(1, r.requests.total);
        const per = (ms: number) => `${(ms / n).toFixed(2)} ms`;
        const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
        const readsOn = (server: string) =>
          Number(new RegExp(`ams_api_reads_total\\{[^}]*server="${server}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
        const pos = await pair.positions();
        results.push([
          mode,
          Math.round(r.requests.average).toLocaleString('en-US'),
          `${r.latency.p50} / ${r.latency.p99} ms`,
          per(cpuMs(api.pid) - cpu0.api),
          per(treeCpuMs(pair.pids.primary) - cpu0.primary),
          per(treeCpuMs(pair.pids.standby) - cpu0.standby),
          `${readsOn('primary').toLocaleString('en-US')} / ${readsOn('replica').toLocaleString('en-US')}`,
          `${Math.round((written - w0) / SECONDS).toLocaleString('en-US')}/s`,
          `${pos.primary} / ${pos.standby}`,
          `${r.non2xx + r.errors}`,
        ]);
      } finally {
        await api.stop();
      }
    }
    writing = false;
    await writer;
    const head =
      '| reads on | requests/s | p50 / p99 | api CPU / request | primary CPU / request | standby CPU / request | reads primary / replica (incl. warm-up) | writes to the primary | WAL primary / replayed at the end | errors |';
    process.stdout.write(
      `\nGET /v1/performance, one campaign of ${CAMPAIGNS}, ${DAYS} days hourly, cache off, ${CONNECTIONS} connections, ${SECONDS} s; ` +
        `load average ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}, ${os.cpus().length} cores, ${new Date().toISOString()}\n\n` +
        [head, '|---|---:|---|---:|---:|---:|---|---:|---|---:|', ...results.map((r) => `| ${r.join(' | ')} |`)].join(
          '\n',
        ) +
        '\n',
    );
  } finally {
    writing = false;
    await pg.end().catch(() => undefined);
    await deleteStreams(prefix).catch(() => undefined);
    await db.drop().catch(() => undefined);
    await pair.dispose();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
