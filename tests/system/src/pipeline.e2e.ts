/**
 * System test: the five apps as real processes (built with `nx build`), the machine's PostgreSQL
 * and NATS, fauxqs as the SQS endpoint. AMS records go in through SQS; numbers come out through
 * the REST API.
 */
import {
  AppName,
  AppProcess,
  createTestDatabase,
  DEFAULT_NATS_URL,
  fixtureBody,
  freePort,
  loadFixture,
  SqsEndpoint,
  startApp,
  startSqsEndpoint,
  TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';

const API_KEY = 'system-test-key-0123456789';
const APPS: AppName[] = ['ingestor', 'processor', 'aggregator', 'alerter', 'api'];

interface PerfBody {
  data: Array<Record<string, string | number | null>>;
  totals: Record<string, string | number | null>;
}

describe('system: SQS → ingestor → JetStream → processor → PostgreSQL → api', () => {
  let db: TestDatabase;
  let sqs: SqsEndpoint;
  let queueUrl: string;
  let env: Record<string, string>;
  const apps = new Map<AppName, AppProcess>();

  const performance = async (campaignId: string): Promise<PerfBody> => {
    const api = apps.get('api');
    const res = await fetch(
      `${api?.baseUrl}/v1/performance?campaignId=${campaignId}&from=2025-06-03&to=2025-06-03&granularity=hour`,
      { headers: { authorization: `Bearer ${API_KEY}` } },
    );
    if (res.status !== 200) throw new Error(`api answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as PerfBody;
  };

  const start = async (name: AppName, extra: Record<string, string> = {}) => {
    const app = await startApp(name, { ...env, ...extra }, { port: await freePort() });
    apps.set(name, app);
    await app.waitReady(60_000);
    return app;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    sqs = await startSqsEndpoint();
    const prefix = uniquePrefix('sys');
    queueUrl = await sqs.createQueue(`ams-${prefix}`, { dlq: { name: `ams-${prefix}-dlq`, maxReceiveCount: 5 } });
    env = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      NATS_URL: DEFAULT_NATS_URL,
      NATS_PREFIX: prefix,
      LOG_LEVEL: 'info',
      SQS_QUEUE_URLS: queueUrl,
      SQS_ENDPOINT: sqs.endpoint,
      SQS_WAIT_TIME_SECONDS: '1',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      API_KEYS: API_KEY,
      PROCESSOR_ACK_WAIT_MS: '5000',
    };
    for (const name of APPS) await start(name);
  });

  afterAll(async () => {
    for (const app of apps.values()) await app.stop('SIGTERM').catch(() => undefined);
    await sqs?.stop();
    await db?.drop();
  });

  it('turns a record, its negative restatement and a duplicate into one exact hourly row', async () => {
    await sqs.send(queueUrl, fixtureBody('02'));
    await sqs.send(queueUrl, fixtureBody('03'));
    await sqs.send(queueUrl, fixtureBody('02'));

    const first = loadFixture('02');
    const correction = loadFixture('03');
    const expected = {
      period: '2025-06-03T10:00:00-07:00',
      clicks: first.clicks + correction.clicks, // 7 + -1
      impressions: first.impressions + correction.impressions, // 412 + -15
      cost: '5.94', // 6.93 - 0.99, exact
    };
    const body = await waitFor(
      async () => {
        const b = await performance('185402650650808');
        return b.data[0]?.['clicks'] === expected.clicks && b.data[0]?.['impressions'] === expected.impressions && b;
      },
      { timeoutMs: 30_000, description: 'the hourly row through the api' },
    );
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject(expected);
    expect(body.totals).toMatchObject({ clicks: 6, impressions: 397, cost: '5.94' });
    await waitFor(async () => {
      const c = await sqs.counts(queueUrl);
      return c.visible === 0 && c.inFlight === 0;
    }, { description: 'every SQS message deleted' });
  });

  it('loses nothing when the processor is stopped with SIGTERM while records flow, then restarted', async () => {
    const template = loadFixture('02');
    const n = 2000;
    const bodies = Array.from({ length: n }, (_, i) =>
      JSON.stringify({ ...template, idempotency_id: `sigterm-${i}`, campaign_id: '999000000000001', ad_id: String(5000 + (i % 13)), clicks: 1, impressions: 3, cost: 0.07 }),
    );
    const sending = sqs.sendMany(queueUrl, bodies);
    const processor = apps.get('processor');
    if (!processor) throw new Error('processor not started');
    await waitFor(async () => {
      const metrics = await (await fetch(`${processor.baseUrl}/metrics`)).text();
      const m = /ams_processor_records_stored_total\{[^}]*kind="performance"[^}]*\} (\d+)/.exec(metrics);
      return m !== null && Number(m[1]) > 5;
    }, { timeoutMs: 30_000, description: 'the processor is storing records' });
    const exit = await processor.stop('SIGTERM');
    expect(exit.code).toBe(0);
    await sending;
    await start('processor');

    const body = await waitFor(
      async () => {
        const b = await performance('999000000000001');
        return b.totals['clicks'] === n && b;
      },
      { timeoutMs: 60_000, description: `${n} clicks through the api` },
    );
    expect(body.totals).toMatchObject({ clicks: n, impressions: 3 * n, cost: (0.07 * n).toFixed(2) });
  });

  it('refuses to start with a bad environment, naming every bad variable', async () => {
    const bad = await startApp('api', { ...env, API_KEYS: 'short', DATABASE_URL: 'mysql://nope', NATS_URL: 'http://x' }, { port: await freePort() });
    const exit = await bad.exited;
    expect(exit.code).toBe(78);
    const log = bad.logs.join('\n');
    for (const name of ['API_KEYS', 'DATABASE_URL', 'NATS_URL']) expect(log).toContain(name);
    expect(log).not.toContain('mysql://nope');
  });

  it('stops every app cleanly on SIGTERM', async () => {
    for (const name of APPS) {
      const app = apps.get(name);
      if (!app) continue;
      const exit = await app.stop('SIGTERM', 20_000);
      apps.delete(name);
      expect({ name, code: exit.code, signal: exit.signal }).toEqual({ name, code: 0, signal: null });
    }
  });
});
