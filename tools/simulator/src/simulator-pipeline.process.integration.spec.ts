/**
 * End to end: the built ingestor, processor and api (real processes, the machine's PostgreSQL and NATS,
 * an own database and NATS prefix) fed by `npm run simulate -- --hours 6` through fauxqs. Once the
 * pipeline has drained, the api's daily totals per campaign equal the simulator's ground truth exactly,
 * and the quarantine holds exactly the malformed messages.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  createTestDatabase,
  startApp,
  startSqsEndpoint,
  runSimulator,
  uniquePrefix,
  waitFor,
  type AppProcess,
  type SqsEndpoint,
  type TestDatabase,
} from '@ams/testing';
import { baseTestEnv } from '@ams/testing/nest';
import type { GroundTruth } from './ground-truth';

const API_KEY = 'simulator-pipeline-test-key-0001';

describe('simulator → ingestor → processor → api', () => {
  let db: TestDatabase;
  let sqs: SqsEndpoint;
  let dir: string;
  const apps: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await sqs?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the api answers exactly the ground truth', async () => {
    [db, sqs] = await Promise.all([createTestDatabase(), startSqsEndpoint()]);
    dir = mkdtempSync(join(tmpdir(), 'simulator-e2e-'));
    const queueUrl = await sqs.createQueue('ams-stream', { dlq: { name: 'ams-stream-dlq', maxReceiveCount: 5 } });
    const env = { ...baseTestEnv(db, uniquePrefix('sim')), AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    apps.push(
      await startApp('ingestor', {
        ...env,
        SQS_QUEUE_URLS: queueUrl,
        SQS_ENDPOINT: sqs.endpoint,
        SQS_WAIT_TIME_SECONDS: '1',
        SNS_CONFIRM_ENABLED: 'false',
      }),
      await startApp('processor', env),
      await startApp('api', { ...env, API_KEYS: API_KEY }),
    );
    await Promise.all(apps.map((a) => a.waitReady(40_000)));
    const api = apps[2];

    const out = join(dir, 'truth.json');
    const run = await runSimulator(
      [
        '--hours',
        '6',
        '--advertisers',
        '3',
        '--campaigns',
        '2',
        '--seed',
        '5',
        '--out',
        out,
        '--anomaly',
        'out-of-budget',
      ],
      {
        SQS_QUEUE_URLS: queueUrl,
        SQS_ENDPOINT: sqs.endpoint,
        LAUNCHER_DATA_DIR: dir,
      },
    );
    expect(run.code).toBe(0);
    const truth = JSON.parse(readFileSync(out, 'utf8')) as GroundTruth;
    const campaigns = truth.advertisers.flatMap((a) => a.campaigns);
    expect(campaigns).toHaveLength(6);

    const mismatches = async (): Promise<string[]> => {
      const problems: string[] = [];
      for (const c of campaigns) {
        const res = await fetch(`${api.baseUrl}${c.apiQuery}&limit=5000`, {
          headers: { authorization: `Bearer ${API_KEY}` },
        });
        const body = (await res.json()) as { data: Array<Record<string, unknown>>; totals: Record<string, unknown> };
        const got = body.data.map((r) => ({ date: r['period'], ...pick(r) }));
        const want = c.days.map((d) => ({ date: d.date, ...pick(d as unknown as Record<string, unknown>) }));
        if (JSON.stringify(got) !== JSON.stringify(want))
          problems.push(`${c.campaignId}: api ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
        if (JSON.stringify(pick(body.totals)) !== JSON.stringify(pick(c.totals as unknown as Record<string, unknown>)))
          problems.push(`${c.campaignId} totals`);
      }
      return problems;
    };
    let last: string[] = [];
    await waitFor(
      async () => {
        last = await mismatches();
        return last.length === 0;
      },
      { timeoutMs: 40_000, intervalMs: 500, description: 'api daily totals equal to the ground truth' },
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${last.slice(0, 3).join('\n')}`);
    });

    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const q = await pg.query<{ code: string; raw_body: string }>(
        'SELECT code, raw_body FROM quarantine ORDER BY code',
      );
      expect(q.rows.map((r) => r.code).sort()).toEqual(truth.malformed.map((m) => m.expectedCode).sort());
      const usage = await pg.query<{ usage_percentage: string }>(
        'SELECT usage_percentage::text FROM budget_usage_latest WHERE budget_scope_id = $1',
        [truth.anomalies[0].campaignId],
      );
      const expected = truth.advertisers[0].campaigns.find((c) => c.campaignId === truth.anomalies[0].campaignId)
        ?.budgetUsage?.percentage;
      expect(usage.rows.map((r) => Number(r.usage_percentage))).toEqual([Number(expected)]);
    } finally {
      await pg.end();
    }
  }, 90_000);
});

function pick(r: Record<string, unknown>): Record<string, unknown> {
  return {
    impressions: r['impressions'],
    clicks: r['clicks'],
    cost: r['cost'],
    orders: r['orders'],
    sales: r['sales'],
    units: r['units'],
  };
}
