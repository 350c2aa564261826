/**
 * `npm run bench:ingest` — ingestion throughput and latency on this machine, all services running.
 *
 *  1. SQS endpoint ceiling: fauxqs's own send → receive → delete rate (what bounds end to end).
 *  2. Processor stage: N records preloaded in JetStream, drained by the built processor into PostgreSQL;
 *     then each half alone (JetStream consume + ack with no work; the batch write with no NATS) and the bound they set.
 *  3. Naive mode: the same records through one ORM save + commit per record; the ratio of 2 to 3.
 *  4. End to end: M messages preloaded on SQS, through the built ingestor and processor.
 *  5. Latency: messages sent at a steady rate; p50/p99 from SQS send to commit (processor histogram).
 *
 *  6. Under that load: the aggregator's event → rollup delay, and SQS send → Slack for budget alerts.
 *
 * Flags: --records N (100000) --naive N (5000) --e2e N (20000) --rate R/s (1000) --seconds S (15)
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { validateRecord, type PerformanceRecord } from '@ams/ams';
import { dataSourceOptions, PG_SESSION_OPTIONS } from '@ams/db';
import { BatchWriterRepository } from '../../apps/processor/src/ingest/batch-writer.repository';
import { AMS_RECORDS } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import {
  AppProcess,
  createTestDatabase,
  DEFAULT_NATS_URL,
  freePort,
  loadFixture,
  SlackCatcher,
  SqsEndpoint,
  startApp,
  startSlackCatcher,
  startSqsEndpoint,
  TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';
import { startNaiveConsumer } from './naive-consumer';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
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

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const results: Array<[string, string]> = [];
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

async function sqsCeiling(sqs: SqsEndpoint, n: number): Promise<number> {
  const queueUrl = await sqs.createQueue(`ceiling-${Date.now()}`);
  const body = JSON.stringify(record(0, 'ceiling'));
  const t0 = performance.now();
  const sending = sqs.sendMany(
    queueUrl,
    Array.from({ length: n }, () => body),
  );
  let done = 0;
  const worker = async () => {
    while (done < n) {
      const out = await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const msgs = out.Messages ?? [];
      if (!msgs.length) continue;
      await sqs.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      done += msgs.length;
    }
  };
  await Promise.all([sending, ...Array.from({ length: 8 }, worker)]);
  return n / ((performance.now() - t0) / 1000);
}

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
  try {
    console.log(`ams-sentinel ingestion benchmark — ${new Date().toISOString()}, node ${process.version}\n`);
    sqs = await startSqsEndpoint();

    // 0. validation alone (one core, plain Node): the CPU cost every record pays twice
    const sample = Array.from({ length: 1000 }, (_, i) => record(i, 'validate'));
    for (let i = 0; i < 20_000; i++) validateRecord(sample[i % 1000]);
    const tv = performance.now();
    for (let i = 0; i < 200_000; i++) if (!validateRecord(sample[i % 1000]).ok) throw new Error('fixture invalid');
    report('validateRecord (sp-traffic, one core)', `${fmt(200_000 / ((performance.now() - tv) / 1000))} records/s`);

    // 1. the SQS endpoint's own ceiling
    const ceiling = await sqsCeiling(sqs, Math.min(E2E, 10_000));
    report('SQS endpoint ceiling (send→receive→delete)', `${fmt(ceiling)} msg/s`);

    // 2. processor stage
    const db = await createTestDatabase();
    dbs.push(db);
    const pg = new Client({ connectionString: db.url, options: PG_SESSION_OPTIONS });
    await pg.connect();
    clients.push({ close: () => pg.end() });
    const prefix = uniquePrefix('bench');
    const js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'bench' });
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
      NATS_URL: DEFAULT_NATS_URL,
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
    const naiveJs = new JetStreamService({ url: DEFAULT_NATS_URL, prefix: naivePrefix, connectionName: 'bench-naive' });
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

    // 4. end to end: SQS backlog through the built ingestor and processor
    const e2eDb = await createTestDatabase();
    dbs.push(e2eDb);
    const e2ePg = new Client({ connectionString: e2eDb.url, options: PG_SESSION_OPTIONS });
    await e2ePg.connect();
    clients.push({ close: () => e2ePg.end() });
    const e2ePrefix = uniquePrefix('e2e');
    const queueUrl = await sqs.createQueue(`bench-${e2ePrefix}`);
    await sqs.sendMany(
      queueUrl,
      Array.from({ length: E2E }, (_, i) => JSON.stringify(record(i, 'e2e'))),
    );
    const e2eEnv = {
      DATABASE_URL: e2eDb.url,
      NATS_URL: DEFAULT_NATS_URL,
      NATS_PREFIX: e2ePrefix,
      LOG_LEVEL: 'warn',
      SQS_QUEUE_URLS: queueUrl,
      SQS_ENDPOINT: sqs.endpoint,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_CONCURRENCY: '8',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    };
    slack = await startSlackCatcher();
    const e2eProcessor = await startApp('processor', e2eEnv, { port: await freePort() });
    apps.push(e2eProcessor);
    await e2eProcessor.waitReady();
    // the aggregator and the alerter run too: their delays are measured under this load
    const aggregator = await startApp('aggregator', e2eEnv, { port: await freePort() });
    const alerter = await startApp(
      'alerter',
      { ...e2eEnv, SLACK_WEBHOOK_URL: slack.urlFor('bench') },
      { port: await freePort() },
    );
    apps.push(aggregator, alerter);
    await Promise.all([aggregator.waitReady(), alerter.waitReady()]);
    const te = performance.now();
    const ingestor = await startApp('ingestor', e2eEnv, {
      port: await freePort(),
      nodeArgs: CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [],
    });
    apps.push(ingestor);
    await drained(e2eProcessor, e2ePg, E2E, 'end to end drained');
    const e2eWithStart = E2E / ((performance.now() - te) / 1000);
    // the steady rate, as for the processor stage: first to last commit (the ingestor's own boot is not throughput)
    const e2eRate = E2E / (await commitSpanSeconds(e2ePg));
    report(
      'end to end (SQS → PostgreSQL)',
      `${fmt(e2eRate)} records/s (first to last commit; ${fmt(e2eWithStart)}/s incl. ingestor start)`,
    );
    report(
      '  end to end / SQS ceiling',
      `${((e2eRate / ceiling) * 100).toFixed(0)} % (${((e2eWithStart / ceiling) * 100).toFixed(0)} % incl. ingestor start)`,
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
  } finally {
    for (const a of apps) await a.stop().catch(() => undefined);
    for (const c of clients) await c.close().catch(() => undefined);
    for (const d of dbs) await d.drop().catch(() => undefined);
    await sqs?.stop();
    await slack?.close();
  }
}

// bench:scale imports committed() and commitSpanSeconds()
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
