/**
 * System test: the five apps as real processes (built with `nx build`), the machine's PostgreSQL
 * and NATS, fauxqs as the SQS endpoint. AMS records go in through SQS; numbers come out through
 * the REST API.
 */
import fc from 'fast-check';
import { Client } from 'pg';
import { classifySqsBody } from '@ams/ams';
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
import { systemEnv } from './system-env';

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
    env = systemEnv({
      databaseUrl: db.url,
      natsUrl: DEFAULT_NATS_URL,
      prefix,
      queueUrl,
      sqsEndpoint: sqs.endpoint,
      apiKey: API_KEY,
    });
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
    await waitFor(
      async () => {
        const c = await sqs.counts(queueUrl);
        return c.visible === 0 && c.inFlight === 0;
      },
      { description: 'every SQS message deleted' },
    );
  });

  it('keeps records of two advertisers that carry the same idempotency id: duplicates are per advertiser', async () => {
    const a = { ...loadFixture('02'), idempotency_id: 'shared-id-1', campaign_id: '888000000000001' };
    const b = { ...a, advertiser_id: 'A2OTHERADVERTISER', campaign_id: '888000000000002', clicks: 2 };
    await sqs.send(queueUrl, JSON.stringify(a));
    await sqs.send(queueUrl, JSON.stringify(b));
    await sqs.send(queueUrl, JSON.stringify(b)); // and a real duplicate of one of them
    await waitFor(async () => (await performance('888000000000001')).totals['clicks'] === a.clicks, {
      description: 'the first advertiser’s record',
    });
    await waitFor(async () => (await performance('888000000000002')).totals['clicks'] === 2, {
      description: 'the second advertiser’s record',
    });
    await waitFor(
      async () => {
        const c = await sqs.counts(queueUrl);
        return c.visible === 0 && c.inFlight === 0;
      },
      { description: 'the duplicate handled too' },
    );
    expect((await performance('888000000000002')).totals['clicks']).toBe(2);
  });

  it('loses nothing when the processor is stopped with SIGTERM while records flow, then restarted', async () => {
    const template = loadFixture('02');
    const n = 2000;
    const bodies = Array.from({ length: n }, (_, i) =>
      JSON.stringify({
        ...template,
        idempotency_id: `sigterm-${i}`,
        campaign_id: '999000000000001',
        ad_id: String(5000 + (i % 13)),
        clicks: 1,
        impressions: 3,
        cost: 0.07,
      }),
    );
    const sending = sqs.sendMany(queueUrl, bodies);
    const processor = apps.get('processor');
    if (!processor) throw new Error('processor not started');
    await waitFor(
      async () => {
        const metrics = await (await fetch(`${processor.baseUrl}/metrics`)).text();
        const m = /ams_processor_records_stored_total\{[^}]*kind="performance"[^}]*\} (\d+)/.exec(metrics);
        return m !== null && Number(m[1]) > 5;
      },
      { timeoutMs: 30_000, description: 'the processor is storing records' },
    );
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

  it('fuzzed SQS bodies: each is stored or quarantined with a reason, exactly as the classifier predicts — none lost', async () => {
    const template = loadFixture('02') as Record<string, unknown>;
    const fields = Object.keys(template).filter((k) => k !== 'idempotency_id');
    // a record with up to three fields changed (its idempotency id made unique below), or garbage
    const mutated = fc
      .dictionary(
        fc.constantFrom(...fields, 'extra'),
        fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string(), fc.integer(), fc.double()),
        { maxKeys: 3 },
      )
      .map((changes) => ({ changes }));
    const garbage = fc
      .oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
      )
      .map((text) => ({ text }));
    // SQS itself refuses bodies with characters outside XML's (and empty ones): those never reach us
    // (fauxqs also refuses U+10000 and above, which AWS accepts)
    const sqsValid = (b: string) => b.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/gu, '');
    const samples = fc.sample(fc.oneof({ arbitrary: mutated, weight: 2 }, { arbitrary: garbage, weight: 1 }), {
      numRuns: 240,
      seed: 20261129,
    });
    const raw = samples.map((x, i) =>
      'changes' in x
        ? JSON.stringify({ ...template, campaign_id: '777000000000001', ...x.changes, idempotency_id: `fuzz-${i}` })
        : x.text,
    );
    const bodies = [...new Set(raw.map(sqsValid).filter((b) => b.length > 0))];
    const sent: Array<{ body: string; messageId: string; expected: ReturnType<typeof predict> }> = [];
    for (const body of bodies) sent.push({ body, messageId: await sqs.send(queueUrl, body), expected: predict(body) });
    expect(sent.filter((m) => m.expected.stored > 0).length).toBeGreaterThan(20);
    expect(sent.filter((m) => m.expected.quarantined > 0).length).toBeGreaterThan(20);

    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const outcome = async () => {
      const q = await pg.query<{ sqs_message_id: string; n: string; reasons: string[] }>(
        `SELECT sqs_message_id, count(*) AS n, array_agg(reason) AS reasons FROM quarantine WHERE sqs_message_id = ANY($1) GROUP BY 1`,
        [sent.map((m) => m.messageId)],
      );
      const d = await pg.query<{ idempotency_id: string }>(
        `SELECT idempotency_id FROM performance_delta WHERE idempotency_id LIKE 'fuzz-%'`,
      );
      const quarantined = new Map(q.rows.map((r) => [r.sqs_message_id, r]));
      const stored = new Set(d.rows.map((r) => r.idempotency_id));
      return sent
        .map((m) => {
          const id = m.expected.idempotencyId;
          const got = {
            stored: id && stored.has(id) ? 1 : 0,
            quarantined: Number(quarantined.get(m.messageId)?.n ?? 0),
          };
          const reasons = quarantined.get(m.messageId)?.reasons ?? [];
          return got.stored === m.expected.stored &&
            got.quarantined === m.expected.quarantined &&
            reasons.every((r) => r.length > 0)
            ? null
            : `${JSON.stringify(m.body).slice(0, 120)}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(got)}`;
        })
        .filter((x): x is string => x !== null);
    };
    let problems: string[] = [];
    try {
      await waitFor(async () => (problems = await outcome()).length === 0, {
        timeoutMs: 60_000,
        intervalMs: 250,
        description: 'every fuzzed body accounted for',
      }).catch(() => undefined);
      expect(problems).toEqual([]);
    } finally {
      await pg.end();
    }
  });

  it('refuses to start with a bad environment, naming every bad variable', async () => {
    const bad = await startApp(
      'api',
      { ...env, API_KEYS: 'short', DATABASE_URL: 'mysql://nope', NATS_URL: 'http://x' },
      { port: await freePort() },
    );
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

/** What the pipeline must do with a body, from the pure classifier: records stored, the rest quarantined. */
function predict(body: string): { stored: number; quarantined: number; idempotencyId: string | null } {
  const c = classifySqsBody(body);
  let idempotencyId: string | null = null;
  try {
    const v = JSON.parse(body) as { idempotency_id?: unknown };
    if (v && typeof v === 'object' && typeof v.idempotency_id === 'string' && v.idempotency_id.startsWith('fuzz-'))
      idempotencyId = v.idempotency_id;
  } catch {
    // not JSON: quarantined whole
  }
  if (c.kind === 'rejected') return { stored: 0, quarantined: 1, idempotencyId };
  if (c.kind !== 'records') return { stored: 0, quarantined: 0, idempotencyId };
  return {
    stored: c.items.filter((i) => i.ok).length,
    quarantined: c.items.filter((i) => !i.ok).length,
    idempotencyId,
  };
}
