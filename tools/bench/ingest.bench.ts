/**
 * `npm run bench:ingest` — ingestion throughput and latency on this machine, all services running.
 *
 *  1. validateRecord alone, one core (the SQS endpoint's ceiling is measured beside end to end, in 4).
 *  2. Processor stage: N records preloaded in JetStream, drained by the built processor into PostgreSQL;
 *     then each half alone (JetStream consume + ack with no work; the batch write with no NATS) and the bound they set.
 *  3. Naive mode: the same records through one ORM save + commit per record; the ratio of 2 to 3.
 *  4. End to end: M messages preloaded on SQS, through the built ingestor and processor, beside the SQS endpoint's
 *     ceiling: M messages drained by a consumer doing the ingestor's SQS calls and nothing else, with 1 poller and
 *     with the ingestor's pollers (before and after end to end); CPU per 1,000 records of every process.
 *  5. Latency: messages sent at a steady rate; p50/p99 from SQS send to commit (processor histogram).
 *
 *  6. Under that load: the aggregator's event → rollup delay, and SQS send → Slack for budget alerts.
 *
 * Flags: --records N (100000) --naive N (5000) --e2e N (20000) --rate R/s (1000) --seconds S (15)
 * --nats-url URL (default: a nats-server of the bench's own, so its CPU is the bench's alone) --SQS_CONCURRENCY N
 * (any ingestor SQS_* setting; the ceiling follows it)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { validateRecord, type PerformanceRecord } from '@ams/ams';
import { dataSourceOptions, PG_SESSION_OPTIONS } from '@ams/db';
import { BatchWriterRepository } from '../../apps/processor/src/ingest/batch-writer.repository';
import { IngestorEnv } from '../../apps/ingestor/src/config/ingestor.env';
import { AMS_RECORDS, INGEST_POLLING } from '@ams/contracts';
import { JetStreamService, loadConfig } from '@ams/platform';
import {
  AppProcess,
  createTestDatabase,
  freePort,
  loadFixture,
  SlackCatcher,
  SqsEndpoint,
  startApp,
  startSlackCatcher,
  startPrivateNatsServer,
  startSqsEndpoint,
  TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';
import { backendPids, cpuMeter, CpuMeter, pidListening } from './cpu';
import { startNaiveConsumer } from './naive-consumer';
import type { CeilingOptions, CeilingResult } from './sqs-ceiling-consumer';
import { benchArgs } from './cli-args';

const args = benchArgs();
const num = (k: string, d: number) => Number(args.get(k) ?? d);
const RECORDS = num('records', 100_000);
const NAIVE = num('naive', 5_000);
const E2E = num('e2e', 20_000);
const RATE = num('rate', 1_000);
const SECONDS = num('seconds', 15);
const STAGE_ONLY = args.get('stage-only') !== undefined;
// processor settings can be tried from the command line: --PROCESSOR_BATCH_SIZE 2000 …
const PROCESSOR_ENV = Object.fromEntries([...args].filter(([k]) => k.startsWith('PROCESSOR_')));
// --cpu-prof DIR: profile the processor during the processor stage and the ingestor during end to end
const CPU_PROF = args.get('cpu-prof');
// --node-args "…": extra node flags for the processor (e.g. heap settings to compare)
const NODE_ARGS = (args.get('node-args') ?? '').split(' ').filter(Boolean);
// --processor-entry PATH: another build of the processor for the processor stage (A/B of a change)
const PROCESSOR_ENTRY = args.get('processor-entry');
// ingestor SQS settings (--SQS_CONCURRENCY 8 …): the ceiling consumer takes the same
const SQS_ENV = Object.fromEntries([...args].filter(([k]) => k.startsWith('SQS_')));
const NATS_URL_FLAG = args.get('nats-url');

const template = loadFixture('02');
/** A realistic spread: 200 campaigns × 5 ad groups × 10 keywords × 3 placements over 24 hours. */
function record(i: number, tag: string): Record<string, unknown> {
  const campaign = i % 200;
  const hour = Math.floor(i / 200) % 24;
  return {
    ...template,
    idempotency_id: `${tag}-${i}`,
    campaign_id: String(100000000000000 + campaign),
    ad_group_id: String(200000000000000 + (i % 5)),
    ad_id: String(300000000000000 + (i % 7)),
    keyword_id: String(400000000000000 + (i % 10)),
    placement: ['Top of Search on-Amazon', 'Detail Page on-Amazon', 'Other on-Amazon'][i % 3],
    time_window_start: `2025-06-03T${String(hour).padStart(2, '0')}:00:00-07:00`,
    clicks: (i % 9) - 1,
    impressions: 100 + (i % 50),
    cost: ((i % 300) - 20) / 100,
  };
}

/** How long an app may take to answer ready: on a machine other work saturates, 30 s was not always enough. */
const READY_MS = 120_000;
/** Messages sent to SQS at a time when preloading: 50 SendMessageBatch requests, the SDK's 50 sockets. */
const PRELOAD_CHUNK = 500;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const results: Array<[string, string]> = [];
/** The SQS ceilings and end to end side by side (a table of its own after the figures). */
const sideBySide: string[] = [];
function report(label: string, value: string): void {
  results.push([label, value]);
  console.log(`${label.padEnd(44)} ${value}`);
}

/**
 * Performance records the processor has committed, from its own /metrics: cheap to poll. Polling
 * `count(*)` every 100 ms instead scanned the growing table and took PostgreSQL CPU from the stage measured.
 */
export async function committed(app: AppProcess): Promise<number> {
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('ams_processor_records_stored_total{') && l.includes('kind="performance"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Waits until `app` committed `n` performance records, then checks the table holds them. */
async function drained(app: AppProcess, pg: Client, n: number, description: string): Promise<void> {
  await waitFor(async () => (await committed(app)) >= n, { timeoutMs: 600_000, intervalMs: 100, description });
  const stored = await count(pg, 'SELECT count(*) AS n FROM performance_delta');
  if (stored < n) throw new Error(`${description}: the processor counted ${n} but the table holds ${stored}`);
}

/**
 * The processor's write path alone: the same repository and SQL, records validated beforehand, `writers` batches
 * in flight on their own connections, no NATS. Returns records/s.
 */
async function writePathAlone(n: number, batchSize: number, writers: number): Promise<number> {
  const db = await createTestDatabase();
  const ds = new DataSource(
    dataSourceOptions({ url: db.url, poolSize: writers, applicationName: 'bench-write-alone' }),
  );
  await ds.initialize();
  try {
    const batches: PerformanceRecord[][] = [];
    for (let i = 0; i < n; i += batchSize) {
      const batch: PerformanceRecord[] = [];
      for (let k = i; k < Math.min(n, i + batchSize); k++) {
        const v = validateRecord(record(k, 'alone'));
        if (!v.ok || v.record.kind !== 'performance') throw new Error('fixture invalid');
        batch.push(v.record);
      }
      batches.push(batch);
    }
    const repo = new BatchWriterRepository(ds);
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next < batches.length) {
          await repo.write({ performance: batches[next++], budgets: [], entities: [], quarantine: [] });
        }
      }),
    );
    return n / ((performance.now() - t) / 1000);
  } finally {
    await ds.destroy();
    await db.drop();
  }
}

/** Seconds from the first to the last delta committed (`received_at` is set at insert): a steady rate's divisor. */
export async function commitSpanSeconds(pg: Client): Promise<number> {
  const { rows } = await pg.query(
    `SELECT extract(epoch FROM max(received_at) - min(received_at)) AS s FROM performance_delta`,
  );
  return Number(rows[0].s);
}

async function count(pg: Client, sql: string): Promise<number> {
  return Number((await pg.query(sql)).rows[0].n);
}

/**
 * The SQS endpoint's ceiling for the ingestor's calls: `messages` preloaded on a queue of their own (bodies like end
 * to end's), then drained by `sqs-ceiling-consumer.ts` in a process of its own with `pollers` loops doing the
 * ingestor's ReceiveMessage and DeleteMessageBatch and no work. Rate from its first receive to its last delete; CPU
 * of the consumer over that span and of fauxqs over the consumer's life.
 */
async function sqsCeiling(
  sqs: SqsEndpoint,
  sqsPid: number,
  ingestor: IngestorEnv,
  messages: number,
  pollers: number,
): Promise<{ rate: number; consumerCpuMs: number; fauxqsCpuMs: number; result: CeilingResult }> {
  const queueUrl = await sqs.createQueue(`ceiling-${pollers}-${Date.now()}`);
  for (let i = 0; i < messages; i += PRELOAD_CHUNK) {
    await sqs.sendMany(
      queueUrl,
      Array.from({ length: Math.min(PRELOAD_CHUNK, messages - i) }, (_, k) => JSON.stringify(record(i + k, 'ceiling'))),
    );
  }
  const options: CeilingOptions = {
    endpoint: sqs.endpoint,
    region: sqs.region,
    queueUrl,
    messages,
    pollers,
    batchSize: ingestor.SQS_BATCH_SIZE,
    waitTimeSeconds: ingestor.SQS_WAIT_TIME_SECONDS,
    visibilityTimeoutS: ingestor.SQS_VISIBILITY_TIMEOUT_S,
  };
  const fauxqs = cpuMeter(() => [sqsPid]);
  const child = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('ts-node/register/transpile-only'),
      join(__dirname, 'sqs-ceiling-consumer.ts'),
      JSON.stringify(options),
    ],
    {
      env: { ...process.env, TS_NODE_PROJECT: join(__dirname, '..', 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const fauxqsCpuMs = fauxqs.stop();
  if (code !== 0) throw new Error(`sqs-ceiling-consumer exited with ${code}:\n${err.slice(-2000)}`);
  const result = JSON.parse(out.trim().split('\n').pop() ?? '') as CeilingResult;
  if (result.messages !== messages) throw new Error(`ceiling: ${result.messages} of ${messages} messages deleted`);
  return { rate: messages / result.seconds, consumerCpuMs: result.cpuMs, fauxqsCpuMs, result };
}

function fauxqsPid(sqs: SqsEndpoint): number {
  const pid = pidListening(sqs.port);
  if (pid === undefined) throw new Error(`no process listens on fauxqs's port ${sqs.port}`);
  return pid;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

/** The sum of every series of a counter (or a histogram's `_sum`/`_count`) in a /metrics text. */
function metricTotal(metricsText: string, name: string): number {
  return [...metricsText.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
    (a, m) => a + Number(m[1]),
    0,
  );
}
const scrape = async (app: AppProcess) => (await fetch(`${app.baseUrl}/metrics`)).text();

type Buckets = Array<{ le: number; n: number }>;
function buckets(metricsText: string, name: string): Buckets {
  return [...metricsText.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\d+)`, 'gm'))].map((m) => ({
    le: m[1] === '+Inf' ? Infinity : Number(m[1]),
    n: Number(m[2]),
  }));
}
/** Quantile of the observations made between two scrapes of a cumulative histogram. */
/** The process's high-water mark of resident memory (Linux /proc), in MB. */
function peakRssMb(pid: number): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? (kb / 1024).toFixed(0) : 'n/a';
  } catch {
    return 'n/a';
  }
}

function quantile(before: Buckets, after: Buckets, q: number): number | null {
  const buckets = after.map((b, i) => ({ le: b.le, n: b.n - (before[i]?.n ?? 0) }));
  const total = buckets[buckets.length - 1]?.n ?? 0;
  if (!total) return null;
  const target = q * total;
  let prev = { le: 0, n: 0 };
  for (const b of buckets) {
    if (b.n >= target) {
      if (!Number.isFinite(b.le)) return prev.le;
      return prev.le + ((target - prev.n) / Math.max(1, b.n - prev.n)) * (b.le - prev.le);
    }
    prev = b;
  }
  return null;
}

async function main(): Promise<void> {
  const dbs: TestDatabase[] = [];
  const apps: AppProcess[] = [];
  const clients: Array<{ close(): Promise<void> }> = [];
  let sqs: SqsEndpoint | undefined;
  let slack: SlackCatcher | undefined;
  let ownNats: Awaited<ReturnType<typeof startPrivateNatsServer>> | undefined;
  try {
    console.log(`ams-sentinel ingestion benchmark — ${new Date().toISOString()}, node ${process.version}\n`);
    report('load average at the start (1 / 5 / 15 min)', load());
    sqs = await startSqsEndpoint();
    const sqsPid = fauxqsPid(sqs);
    if (!NATS_URL_FLAG) ownNats = await startPrivateNatsServer();
    const NATS_URL = NATS_URL_FLAG ?? (ownNats as { url: string }).url;
    const natsPid = pidListening(Number(new URL(NATS_URL.replace(/^nats:/, 'http:')).port || 4222));
    report('NATS', `${NATS_URL} (${ownNats ? "the bench's own nats-server" : 'given'}, pid ${natsPid ?? 'not found'})`);

    // 0. validation alone (one core, plain Node): the CPU cost every record pays twice
    const sample = Array.from({ length: 1000 }, (_, i) => record(i, 'validate'));
    for (let i = 0; i < 20_000; i++) validateRecord(sample[i % 1000]);
    const tv = performance.now();
    for (let i = 0; i < 200_000; i++) if (!validateRecord(sample[i % 1000]).ok) throw new Error('fixture invalid');
    report('validateRecord (sp-traffic, one core)', `${fmt(200_000 / ((performance.now() - tv) / 1000))} records/s`);

    // 2. processor stage
    const db = await createTestDatabase();
    dbs.push(db);
    const pg = new Client({ connectionString: db.url, options: PG_SESSION_OPTIONS });
    await pg.connect();
    clients.push({ close: () => pg.end() });
    const prefix = uniquePrefix('bench');
    const js = new JetStreamService({ url: NATS_URL, prefix, connectionName: 'bench' });
    await js.connect();
    clients.push({ close: () => js.close() });
    await js.ensureStream({ name: 'AMS', subjects: ['ams.>'], maxAgeMs: 3_600_000 });
    const tPub = performance.now();
    for (let i = 0; i < RECORDS; i += 1000) {
      await js.publishMany(
        Array.from({ length: Math.min(1000, RECORDS - i) }, (_, k) => ({
          to: AMS_RECORDS.at('sp-traffic'),
          data: record(i + k, 'stage'),
          msgId: `stage-${i + k}`,
        })),
      );
    }
    report('JetStream publish (preload)', `${fmt(RECORDS / ((performance.now() - tPub) / 1000))} records/s`);
    const baseEnv = {
      DATABASE_URL: db.url,
      NATS_URL: NATS_URL,
      NATS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      ...PROCESSOR_ENV,
    };
    const t0 = performance.now();
    const processor = await startApp('processor', baseEnv, {
      port: await freePort(),
      entry: PROCESSOR_ENTRY,
      nodeArgs: [...NODE_ARGS, ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [])],
    });
    apps.push(processor);
    await drained(processor, pg, RECORDS, 'processor stage drained');
    const stageSeconds = (performance.now() - t0) / 1000;
    const stageRate = RECORDS / (await commitSpanSeconds(pg));
    report(
      'processor stage (JetStream → PostgreSQL)',
      `${fmt(stageRate)} records/s (first to last commit; ${fmt(RECORDS / stageSeconds)}/s incl. process start)`,
    );
    let expectedClicks = 0n;
    for (let i = 0; i < RECORDS; i++) expectedClicks += BigInt((i % 9) - 1);
    const { rows: sums } = await pg.query('SELECT sum(clicks)::text AS clicks FROM hourly_fact');
    report(
      '  exact?',
      sums[0].clicks === expectedClicks.toString()
        ? `yes (sum of clicks ${sums[0].clicks})`
        : `NO: ${sums[0].clicks} vs ${expectedClicks}`,
    );
    await processor.stop();

    // 2b. what bounds the stage: each of its halves alone, on the same two cores
    const batchSize = Number(PROCESSOR_ENV['PROCESSOR_BATCH_SIZE'] ?? 1000);
    const writers = Number(PROCESSOR_ENV['PROCESSOR_CONCURRENCY'] ?? 2);
    const t1 = performance.now();
    const bare = await js.consumeBatches(
      {
        stream: 'AMS',
        durable: 'bound',
        filterSubject: 'ams.>',
        maxBatch: batchSize,
        maxWaitMs: 50,
        ackWaitMs: 30_000,
        concurrency: writers,
      },
      async () => undefined,
    );
    await waitFor(async () => (await js.consumerPending('AMS', 'bound')) === 0, {
      timeoutMs: 600_000,
      intervalMs: 50,
      description: 'bare consume',
    });
    const bareRate = RECORDS / ((performance.now() - t1) / 1000);
    await bare.stop();
    report('  JetStream alone: consume + ack, no work', `${fmt(bareRate)} records/s`);
    const writeRate = await writePathAlone(Math.min(RECORDS, 200_000), batchSize, writers);
    report('  PostgreSQL alone: batch write, no NATS', `${fmt(writeRate)} records/s (${writers} writers)`);
    report('  bound of the two sharing the cores', `${fmt(1 / (1 / bareRate + 1 / writeRate))} records/s`);
    if (STAGE_ONLY) return;

    // 3. naive mode on its own database and prefix
    const naiveDb = await createTestDatabase();
    dbs.push(naiveDb);
    const naivePg = new Client({ connectionString: naiveDb.url, options: PG_SESSION_OPTIONS });
    await naivePg.connect();
    clients.push({ close: () => naivePg.end() });
    const naivePrefix = uniquePrefix('naive');
    const naiveJs = new JetStreamService({ url: NATS_URL, prefix: naivePrefix, connectionName: 'bench-naive' });
    await naiveJs.connect();
    clients.push({ close: () => naiveJs.close() });
    await naiveJs.ensureStream({ name: 'AMS', subjects: ['ams.>'], maxAgeMs: 3_600_000 });
    for (let i = 0; i < NAIVE; i += 1000) {
      await naiveJs.publishMany(
        Array.from({ length: Math.min(1000, NAIVE - i) }, (_, k) => ({
          to: AMS_RECORDS.at('sp-traffic'),
          data: record(i + k, 'naive'),
          msgId: `naive-${i + k}`,
        })),
      );
    }
    const tn = performance.now();
    const naive = await startNaiveConsumer(naiveDb.url, naiveJs);
    await waitFor(async () => (await count(naivePg, 'SELECT count(*) AS n FROM performance_delta')) >= NAIVE, {
      timeoutMs: 600_000,
      intervalMs: 100,
      description: 'naive consumer drained',
    });
    const naiveRate = NAIVE / ((performance.now() - tn) / 1000);
    await naive.stop();
    report('naive mode (one ORM save + commit per record)', `${fmt(naiveRate)} records/s`);
    report('  processor stage / naive', `${(stageRate / naiveRate).toFixed(1)}×`);
    // 4. end to end: SQS backlog through the built ingestor and processor, beside the SQS endpoint's ceiling
    const e2eDb = await createTestDatabase();
    dbs.push(e2eDb);
    const e2ePg = new Client({ connectionString: e2eDb.url, options: PG_SESSION_OPTIONS });
    await e2ePg.connect();
    clients.push({ close: () => e2ePg.end() });
    const e2ePrefix = uniquePrefix('e2e');
    const queueUrl = await sqs.createQueue(`bench-${e2ePrefix}`);
    for (let i = 0; i < E2E; i += PRELOAD_CHUNK) {
      await sqs.sendMany(
        queueUrl,
        Array.from({ length: Math.min(PRELOAD_CHUNK, E2E - i) }, (_, k) => JSON.stringify(record(i + k, 'e2e'))),
      );
    }
    const e2eEnv: Record<string, string> = {
      DATABASE_URL: e2eDb.url,
      NATS_URL: NATS_URL,
      NATS_PREFIX: e2ePrefix,
      LOG_LEVEL: 'warn',
      SQS_QUEUE_URLS: queueUrl,
      SQS_ENDPOINT: sqs.endpoint,
      SQS_WAIT_TIME_SECONDS: '1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      ...SQS_ENV,
    };
    // the ingestor's settings as it reads them (its defaults unless --SQS_… says otherwise): the ceiling's consumer
    // makes the same calls with as many pollers
    const ingestorEnv = loadConfig('ingestor', IngestorEnv, { ...process.env, ...e2eEnv });
    const pollers = ingestorEnv.concurrencyFor(queueUrl.slice(queueUrl.lastIndexOf('/') + 1));
    slack = await startSlackCatcher();
    const e2eProcessor = await startApp('processor', e2eEnv, { port: await freePort() });
    apps.push(e2eProcessor);
    await e2eProcessor.waitReady(READY_MS);
    // the aggregator and the alerter run too: their delays are measured under this load
    const aggregator = await startApp('aggregator', e2eEnv, { port: await freePort() });
    const alerter = await startApp(
      'alerter',
      { ...e2eEnv, SLACK_WEBHOOK_URL: slack.urlFor('bench') },
      { port: await freePort() },
    );
    apps.push(aggregator, alerter);
    // the ingestor starts paused (its boot is no part of the figures) and polls from the command below
    const ingestor = await startApp(
      'ingestor',
      { ...e2eEnv, INGEST_ENABLED: 'false' },
      { port: await freePort(), nodeArgs: CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [] },
    );
    apps.push(ingestor);
    await Promise.all([aggregator.waitReady(READY_MS), alerter.waitReady(READY_MS), ingestor.waitReady(READY_MS)]);
    const control = new JetStreamService({ url: NATS_URL, prefix: e2ePrefix, connectionName: 'bench-control' });
    await control.connect();
    clients.push({ close: () => control.close() });

    // the endpoint's ceiling for the ingestor's calls, the pipeline up and idle, on as many messages
    const ceilingLabel = `${ingestorEnv.SQS_BATCH_SIZE} per receive, wait ${ingestorEnv.SQS_WAIT_TIME_SECONDS} s`;
    const serial = await sqsCeiling(sqs, sqsPid, ingestorEnv, E2E, 1);
    report(`SQS ceiling, 1 serial consumer (${ceilingLabel})`, `${fmt(serial.rate)} msg/s`);
    const parallel = await sqsCeiling(sqs, sqsPid, ingestorEnv, E2E, pollers);
    report(`SQS ceiling, ${pollers} parallel consumers (the ingestor's pollers)`, `${fmt(parallel.rate)} msg/s`);

    const benchBackend = Number((await e2ePg.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const e2eLoad = loadavg()[0];
    const meters: Record<string, CpuMeter> = {
      ingestor: cpuMeter(() => [ingestor.pid]),
      fauxqs: cpuMeter(() => [sqsPid]),
      'nats-server': cpuMeter(() => (natsPid === undefined ? [] : [natsPid])),
      processor: cpuMeter(() => [e2eProcessor.pid]),
      aggregator: cpuMeter(() => [aggregator.pid]),
      alerter: cpuMeter(() => [alerter.pid]),
      // every backend of the database but the bench's own
      postgres: cpuMeter(() => backendPids(e2eDb.name).filter((pid) => pid !== benchBackend)),
    };
    const [processorBefore, aggregatorBefore] = await Promise.all([scrape(e2eProcessor), scrape(aggregator)]);
    const resumedAt = Date.now();
    await control.request(INGEST_POLLING, { enabled: true, reason: 'bench' }, 10_000);
    await drained(e2eProcessor, e2ePg, E2E, 'end to end drained');
    const e2eCpu = Object.fromEntries(Object.entries(meters).map(([k, m]) => [k, m.stop()]));
    // PostgreSQL's share by client (application_name); a backend gone by now is "closed"
    const { rows: clientsOf } = await e2ePg.query(
      `SELECT pid, application_name AS app FROM pg_stat_activity WHERE datname = current_database()`,
    );
    const appOf = new Map(clientsOf.map((r: { pid: number; app: string }) => [Number(r.pid), r.app || 'unnamed']));
    const pgByClient = new Map<string, number>();
    for (const [pid, ms] of meters['postgres'].perPid()) {
      const app = appOf.get(pid) ?? 'closed';
      pgByClient.set(app, (pgByClient.get(app) ?? 0) + ms);
    }
    const { rows: span } = await e2ePg.query(
      `SELECT extract(epoch FROM max(received_at)) * 1000 AS last, extract(epoch FROM max(received_at) - min(received_at)) AS s
         FROM performance_delta`,
    );
    // from the command that starts polling to the last commit, as the ceiling runs from its first receive to its last
    // delete; first to last commit beside it
    const e2eRate = E2E / ((Number(span[0].last) - resumedAt) / 1000);
    const e2eCommitSpanRate = E2E / Number(span[0].s);
    const e2eLoadAfter = loadavg()[0];
    const [processorAfter, aggregatorAfter] = await Promise.all([scrape(e2eProcessor), scrape(aggregator)]);
    const delta = (before: string, after: string, name: string) => metricTotal(after, name) - metricTotal(before, name);
    const batches = delta(processorBefore, processorAfter, 'ams_processor_batch_size_count');
    report(
      'end to end (SQS → PostgreSQL)',
      `${fmt(e2eRate)} records/s (polling on → last commit; ${fmt(e2eCommitSpanRate)}/s first to last commit)`,
    );
    const ceilingAfter = await sqsCeiling(sqs, sqsPid, ingestorEnv, E2E, pollers);
    report(`SQS ceiling, ${pollers} parallel consumers, after end to end`, `${fmt(ceilingAfter.rate)} msg/s`);
    const meanCeiling = (parallel.rate + ceilingAfter.rate) / 2;
    const pct = (x: number, of: number) => `${((x / of) * 100).toFixed(0)} %`;
    report(
      `  end to end / ceiling with ${pollers} consumers`,
      `${pct(e2eRate, meanCeiling)} of the mean of before and after (${pct(e2eRate, parallel.rate)} / ${pct(e2eRate, ceilingAfter.rate)}); ${pct(e2eRate, serial.rate)} of 1 serial consumer`,
    );
    report(
      '  processor batches, aggregator events during end to end',
      `${fmt(batches)} batches of ${(delta(processorBefore, processorAfter, 'ams_processor_batch_size_sum') / batches).toFixed(1)} records on average; ${fmt(delta(aggregatorBefore, aggregatorAfter, 'ams_aggregator_events_total'))} perf.hourly.updated events taken by the aggregator`,
    );
    report('  load average (1 min) at end to end start / end', `${e2eLoad.toFixed(1)} / ${e2eLoadAfter.toFixed(1)}`);

    // CPU per 1,000 records, every process, side by side
    const per1000 = (ms: number, n: number) => (ms / n) * 1000;
    const cpuRows: Array<[string, number | undefined, number | undefined, number | undefined]> = [
      ['consumer / ingestor', serial.consumerCpuMs, parallel.consumerCpuMs, e2eCpu['ingestor']],
      ['fauxqs (the SQS endpoint)', serial.fauxqsCpuMs, parallel.fauxqsCpuMs, e2eCpu['fauxqs']],
      ['nats-server', undefined, undefined, e2eCpu['nats-server']],
      ['processor', undefined, undefined, e2eCpu['processor']],
      ['aggregator', undefined, undefined, e2eCpu['aggregator']],
      ['alerter', undefined, undefined, e2eCpu['alerter']],
      ["PostgreSQL (the database's backends)", undefined, undefined, e2eCpu['postgres']],
    ];
    const column = (i: 1 | 2 | 3) => cpuRows.reduce((a, r) => a + (r[i] ?? 0), 0);
    cpuRows.push(['total', column(1), column(2), column(3)]);
    const byClient = [...pgByClient]
      .sort((a, b) => b[1] - a[1])
      .map(([app, ms]) => `${app} ${per1000(ms, E2E).toFixed(1)}`)
      .join(', ');
    for (const r of cpuRows)
      report(`  CPU per 1,000 records, end to end: ${r[0]}`, `${per1000(r[3] ?? 0, E2E).toFixed(1)} ms`);
    report('  PostgreSQL CPU per 1,000 records by client (ms)', byClient);
    const cell = (ms: number | undefined) => (ms === undefined ? '–' : per1000(ms, E2E).toFixed(1));
    sideBySide.push(
      `| | SQS ceiling, 1 consumer | SQS ceiling, ${pollers} consumers | end to end (${pollers} pollers) |`,
      '|---|---:|---:|---:|',
      `| rate | ${fmt(serial.rate)} msg/s | ${fmt(parallel.rate)} msg/s (${fmt(ceilingAfter.rate)} after) | ${fmt(e2eRate)} records/s (${pct(e2eRate, meanCeiling)}) |`,
      ...cpuRows.map((r) => `| CPU ms per 1,000: ${r[0]} | ${cell(r[1])} | ${cell(r[2])} | ${cell(r[3])} |`),
      '',
      `PostgreSQL by client (application_name), ms per 1,000 records: ${byClient}. Load average (1 min) ${e2eLoad.toFixed(1)} → ${e2eLoadAfter.toFixed(1)} during end to end.`,
    );

    // 5. latency at a steady rate (only observations made during this phase count)
    const metricsUrl = `${e2eProcessor.baseUrl}/metrics`;
    const histogram = 'ams_processor_sqs_to_commit_seconds';
    const before = buckets(await (await fetch(metricsUrl)).text(), histogram);
    const aggregatorMetrics = `${aggregator.baseUrl}/metrics`;
    const rollupHistogram = 'ams_aggregator_event_to_rollup_seconds';
    const rollupBefore = buckets(await (await fetch(aggregatorMetrics)).text(), rollupHistogram);
    // one anomalous record every 2 s (a campaign hitting 100 % of its budget): SQS send → Slack
    const anomalies = new Map<string, number>();
    const total = RATE * SECONDS;
    const tl = performance.now();
    let lastAnomaly = -Infinity;
    for (let sent = 0, tick = 0; sent < total; tick++) {
      if (performance.now() - lastAnomaly >= 2000) {
        lastAnomaly = performance.now();
        const campaign = String(900000000000000 + anomalies.size);
        anomalies.set(campaign, Date.now());
        await sqs.send(
          queueUrl,
          JSON.stringify({
            ...loadFixture('05'),
            budget_scope_id: campaign,
            budget_usage_percentage: 100.4,
            usage_updated_timestamp: new Date().toISOString(),
          }),
        );
      }
      const due = Math.min(total, Math.round(((performance.now() - tl) / 1000) * RATE) + 10);
      if (due > sent) {
        await sqs.sendMany(
          queueUrl,
          Array.from({ length: due - sent }, (_, k) => JSON.stringify(record(E2E + sent + k, 'lat'))),
        );
        sent = due;
      } else {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    await drained(e2eProcessor, e2ePg, E2E + total, 'latency run drained');
    const after = buckets(await (await fetch(metricsUrl)).text(), histogram);
    const p50 = quantile(before, after, 0.5);
    const p99 = quantile(before, after, 0.99);
    const ms = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 1000)} ms`);
    report(
      `SQS send → commit at ${fmt(RATE)} msg/s for ${SECONDS} s`,
      `p50 ${ms(p50)}, p99 ${ms(p99)} (histogram buckets, interpolated)`,
    );
    const rollupAfter = buckets(await (await fetch(aggregatorMetrics)).text(), rollupHistogram);
    report(
      '  aggregator: event → rollup committed',
      `p50 ${ms(quantile(rollupBefore, rollupAfter, 0.5))}, p99 ${ms(quantile(rollupBefore, rollupAfter, 0.99))}`,
    );
    const catcher = slack;
    await waitFor(() => [...anomalies.keys()].every((c) => catcher.delivered.some((p) => p.raw.includes(c))), {
      timeoutMs: 60_000,
      description: 'every anomaly in Slack',
    });
    const delays = [...anomalies]
      .map(([c, at]) => (catcher.delivered.find((p) => p.raw.includes(c))?.at ?? Infinity) - at)
      .sort((a, b) => a - b);
    const pick = (q: number) => delays[Math.min(delays.length - 1, Math.ceil(q * delays.length) - 1)];
    report(
      `  SQS send → Slack (${delays.length} budget alerts under load)`,
      `p50 ${Math.round(pick(0.5))} ms, p99 ${Math.round(pick(0.99))} ms, max ${Math.round(delays[delays.length - 1])} ms`,
    );

    for (const app of [ingestor, e2eProcessor, aggregator, alerter])
      report(`peak RSS ${app.name}`, `${peakRssMb(app.pid)} MB`);

    console.log('\n| measure | figure |\n|---|---|');
    for (const [k, v] of results) console.log(`| ${k.trim()} | ${v} |`);
    if (sideBySide.length) console.log(`\n${sideBySide.join('\n')}`);
  } finally {
    for (const a of apps) await a.stop().catch(() => undefined);
    for (const c of clients) await c.close().catch(() => undefined);
    for (const d of dbs) await d.drop().catch(() => undefined);
    await sqs?.stop();
    await slack?.close();
    await ownNats?.dispose();
  }
}

// bench:scale imports committed() and commitSpanSeconds()
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
