/**
 * Faults on the real pipeline (built apps as processes, fauxqs, PostgreSQL) with a PRIVATE NATS
 * server this test may kill: kill -9 of the processor mid-batch, and NATS down for 30 s while
 * records keep arriving on SQS. After each, the stored sums equal the records sent, exactly.
 */
import { Client } from 'pg';
import {
  AppName,
  AppProcess,
  createTestDatabase,
  freePort,
  loadFixture,
  PrivateNatsServer,
  SqsEndpoint,
  startApp,
  startPrivateNatsServer,
  startSqsEndpoint,
  TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';

const NATS_DOWN_MS = Number(process.env['FAULT_NATS_DOWN_MS'] ?? 30_000);

describe('faults: nothing lost, nothing doubled', () => {
  let db: TestDatabase;
  let pg: Client;
  let sqs: SqsEndpoint;
  let nats: PrivateNatsServer;
  let queueUrl: string;
  let env: Record<string, string>;
  const apps = new Map<AppName, AppProcess>();
  const template = loadFixture('02');

  const start = async (name: AppName) => {
    const app = await startApp(name, env, { port: await freePort() });
    apps.set(name, app);
    await app.waitReady(60_000);
    return app;
  };
  const sums = async (campaign: string) =>
    (
      await pg.query(
        `SELECT (SELECT count(*) FROM performance_delta WHERE campaign_id = $1)::int AS deltas,
                coalesce(sum(clicks), 0)::text AS clicks, coalesce(sum(cost), 0)::text AS cost
           FROM hourly_fact WHERE campaign_id = $1`,
        [campaign],
      )
    ).rows[0] as { deltas: number; clicks: string; cost: string };
  const bodies = (tag: string, campaign: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({ ...template, idempotency_id: `${tag}-${i}`, campaign_id: campaign, ad_id: String(7000 + (i % 11)), clicks: 1 + (i % 3), cost: 0.25 }),
    );
  const expectedClicks = (n: number) => Array.from({ length: n }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    sqs = await startSqsEndpoint();
    nats = await startPrivateNatsServer();
    const prefix = uniquePrefix('faults');
    queueUrl = await sqs.createQueue(`ams-${prefix}`, { visibilityTimeoutS: 5 });
    env = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      NATS_URL: nats.url,
      NATS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      SQS_QUEUE_URLS: queueUrl,
      SQS_ENDPOINT: sqs.endpoint,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_VISIBILITY_TIMEOUT_S: '5',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      PROCESSOR_ACK_WAIT_MS: '3000',
      PROCESSOR_BATCH_SIZE: '200',
    };
    await start('ingestor');
    await start('processor');
  });

  afterAll(async () => {
    for (const app of apps.values()) await app.stop('SIGTERM').catch(() => undefined);
    await nats?.dispose();
    await sqs?.stop();
    await pg?.end();
    await db?.drop();
  });

  it('kill -9 of the processor mid-batch: after a restart the totals are exact, nothing doubled', async () => {
    const n = 3000;
    const campaign = '610000000000001';
    const sending = sqs.sendMany(queueUrl, bodies('kill9', campaign, n));
    await waitFor(async () => (await sums(campaign)).deltas > 300, { timeoutMs: 60_000, description: 'processing under way' });
    await apps.get('processor')?.kill9();
    await sending;
    await start('processor');
    await waitFor(async () => (await sums(campaign)).deltas === n, { timeoutMs: 90_000, description: `all ${n} deltas` });
    expect(await sums(campaign)).toEqual({ deltas: n, clicks: String(expectedClicks(n)), cost: (0.25 * n).toFixed(2) });
  });

  it(`NATS down for ${NATS_DOWN_MS / 1000} s while records arrive: nothing lost, nothing doubled`, async () => {
    const n = 1500;
    const campaign = '620000000000001';
    const all = bodies('natsdown', campaign, n);
    await sqs.sendMany(queueUrl, all.slice(0, 500));
    await waitFor(async () => (await sums(campaign)).deltas > 0, { timeoutMs: 60_000, description: 'first records stored' });
    await nats.stop();
    const downSince = Date.now();
    await sqs.sendMany(queueUrl, all.slice(500));
    // while NATS is down the ingestor keeps the messages on SQS and backs off (its failures are counted)
    const ingestor = apps.get('ingestor');
    await waitFor(async () => {
      const metrics = await (await fetch(`${ingestor?.baseUrl}/metrics`)).text();
      return /ams_ingest_batch_failures_total\{[^}]*\} [1-9]/.test(metrics);
    }, { timeoutMs: 30_000, description: 'hand-off failures while NATS is down' });
    await waitFor(async () => Date.now() - downSince >= NATS_DOWN_MS && (await sqs.counts(queueUrl)).visible + (await sqs.counts(queueUrl)).inFlight > 0, {
      timeoutMs: NATS_DOWN_MS + 10_000,
      intervalMs: 500,
      description: 'messages still on SQS at the end of the outage',
    });
    await nats.start();
    await waitFor(async () => (await sums(campaign)).deltas === n, { timeoutMs: 120_000, description: `all ${n} deltas after NATS came back` });
    expect(await sums(campaign)).toEqual({ deltas: n, clicks: String(expectedClicks(n)), cost: (0.25 * n).toFixed(2) });
    await waitFor(async () => {
      const q = await sqs.counts(queueUrl);
      return q.visible === 0 && q.inFlight === 0;
    }, { timeoutMs: 30_000, description: 'queue drained' });
  });
});
