import { Client } from 'pg';
import { addMonths, monthStart, partitionsOf } from '@ams/db';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';
import { buildStatement } from './performance.statement';

const KEY = 'retention-key-0123456789abcdefghij';
const DAY_MS = 86_400_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);

/** Which range the api answers at which grain when hourly facts are kept RETENTION_FACT_DAYS; its plans prune. */
describe('api: /v1/performance and the facts retention (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  const get = async (query: string) => {
    const res = await fetch(`${api.baseUrl}/v1/performance?${query}`, { headers: { authorization: `Bearer ${KEY}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apiret')),
      API_KEYS: KEY,
      RETENTION_FACT_DAYS: '400',
    });
  });
  afterAll(async () => {
    await api?.close();
    await pg?.end();
    await db?.drop();
  });

  it('refuses an hourly range before the facts horizon with a 400 naming the limit; a daily one reads the rollups', async () => {
    const horizon = new Date(
      Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 400 * DAY_MS,
    );
    const old = new Date(horizon.getTime() - 3_600_000).toISOString();
    const res = await get(
      `campaignId=C1&from=${old}&to=${new Date(horizon.getTime() + DAY_MS).toISOString()}&granularity=hour`,
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION',
      errors: [
        {
          field: 'from',
          reason: expect.stringContaining(`hourly facts are kept 400 days: from ${horizon.toISOString()}`),
        },
      ],
    });
    // from the horizon on: answered
    expect(
      (
        await get(
          `campaignId=C1&from=${horizon.toISOString()}&to=${new Date(horizon.getTime() + DAY_MS).toISOString()}&granularity=hour`,
        )
      ).status,
    ).toBe(200);
    // daily by dates: the rollups, however old
    expect((await get(`campaignId=C1&from=${day(-700)}&to=${day(-690)}&granularity=day`)).status).toBe(200);
    // daily but grouped by ad (only the facts have ads), or daily over instants: the facts' limit again
    const byAd = await get(`campaignId=C1&from=${day(-700)}&to=${day(-690)}&granularity=day&groupBy=ad`);
    expect(byAd.status).toBe(400);
    expect(JSON.stringify(byAd.body)).toContain(
      `local dates from ${new Date(horizon.getTime() + DAY_MS).toISOString().slice(0, 10)}`,
    );
  });

  it("prunes the campaign query's plan to the months of its range", async () => {
    const from = addMonths(monthStart(new Date()), 2);
    const to = new Date(from.getTime() + 30 * DAY_MS);
    const { text, values } = buildStatement(
      {
        campaignId: 'C1',
        range: { kind: 'instant', from: from.toISOString(), to: to.toISOString() },
        granularity: 'hour',
      },
      { limit: 1000 },
    );
    const plan = (await pg.query(`EXPLAIN (COSTS OFF) ${text}`, values)).rows.map((r) => r['QUERY PLAN']).join('\n');
    const parts = await partitionsOf(pg, 'hourly_fact');
    const read = parts.filter((p) => plan.includes(p.name)).map((p) => p.name);
    expect(read).toEqual(
      parts.filter((p) => p.from !== null && p.from < to && (p.to === null || p.to > from)).map((p) => p.name),
    );
    expect(read.length).toBeGreaterThanOrEqual(1);
    expect(read).not.toContain('hourly_fact_legacy');
  });
});
