import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@ams/db';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { buildStatement, PerformanceFilter } from './performance.repository';

const KEY = 'spec-key-0123456789abcdef';

/**
 * Advertisers in Tokyo (+09:00), Berlin (+02:00) and Los Angeles (-07:00) with one fact at every hour of their local
 * 2025-06-03 and one on each neighbouring local day: a local-date answer must hold exactly the 24 hours of the day,
 * whatever the PostgreSQL server's (or database's) TimeZone.
 */
const ADVERTISERS: Array<[string, number]> = [
  ['ADVJP', 540],
  ['ADVDE', 120],
  ['ADVUS', -420],
];
const LOCAL_HOURS = Array.from({ length: 26 }, (_, i) => i - 1); // 2025-06-02 23:00 … 2025-06-04 00:00 local

async function seed(pg: Client): Promise<void> {
  for (const [advertiser, offset] of ADVERTISERS) {
    for (const h of LOCAL_HOURS) {
      const utc = new Date(Date.UTC(2025, 5, 3, h) - offset * 60_000).toISOString();
      await pg.query(
        `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
           hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d)
         VALUES ($1, 'M', $1 || '-C', 'G1', 'A1', 'K1', 'Top of Search on-Amazon', $2, $3, 'sp', 'USD', $4, 1, '0.50', 0, 0)`,
        [advertiser, utc, offset, 100 + h],
      );
    }
  }
}

/** what an hour-granular answer over the local date 2025-06-03 must total: the local hours 0..23 */
const DAY_IMPRESSIONS = String(Array.from({ length: 24 }, (_, h) => 100 + h).reduce((a, b) => a + b, 0));

const PATHS = ADVERTISERS.flatMap(([a]) => [
  `/v1/performance?advertiserId=${a}&from=2025-06-03&to=2025-06-03&granularity=hour`,
  `/v1/performance?advertiserId=${a}&from=2025-06-03&to=2025-06-03&granularity=day&groupBy=placement`,
  `/v1/performance?advertiserId=${a}&from=2025-06-03&to=2025-06-03&granularity=day`,
]);

describe('api: /v1/performance does not depend on the PostgreSQL TimeZone (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await seed(pg);
    await pg.end();
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** the bodies of PATHS from an api started on the database with its TimeZone set to `zone` */
  async function answersIn(zone: string): Promise<unknown[]> {
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`ALTER DATABASE "${db.name}" SET timezone = '${zone}'`);
    await admin.end();
    const api = await startNestApp(appDefinition, { ...baseTestEnv(db, uniquePrefix('api-tz')), API_KEYS: KEY });
    try {
      const bodies: unknown[] = [];
      for (const path of PATHS) {
        const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
        expect(res.status).toBe(200);
        bodies.push(await res.json());
      }
      return bodies;
    } finally {
      await api.close();
    }
  }

  it('answers local dates the same in UTC, America/Los_Angeles and Asia/Tokyo, all 24 local hours', async () => {
    const utc = await answersIn('UTC');
    for (const body of utc) {
      expect(body).toMatchObject({ totals: { impressions: Number(DAY_IMPRESSIONS), clicks: 24 } });
    }
    expect((utc[0] as { data: unknown[] }).data).toHaveLength(24);
    expect(await answersIn('America/Los_Angeles')).toEqual(utc);
    expect(await answersIn('Asia/Tokyo')).toEqual(utc);
  });

  it("the repository's statement itself is independent of the session TimeZone (an unpinned connection)", async () => {
    const f = (advertiserId: string): PerformanceFilter => ({
      advertiserId,
      range: { kind: 'local-date', from: '2025-06-03', to: '2025-06-04' },
      granularity: 'hour',
    });
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      for (const [advertiser] of ADVERTISERS) {
        const { text, values } = buildStatement(f(advertiser), { limit: 100 });
        const answers: unknown[] = [];
        for (const zone of ['UTC', 'America/Los_Angeles', 'Asia/Tokyo', 'Pacific/Kiritimati']) {
          await pg.query(`SET TimeZone = '${zone}'`);
          answers.push((await pg.query({ text, values, rowMode: 'array' })).rows);
        }
        const [first, ...rest] = answers;
        expect((first as unknown[]).length).toBe(25); // 24 hours and the totals row
        for (const other of rest) expect(other).toEqual(first);
      }
    } finally {
      await pg.end();
    }
  });

  it("every app's pool talks UTC even when the database's TimeZone is not", async () => {
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`ALTER DATABASE "${db.name}" SET timezone = 'Asia/Tokyo'`);
    await admin.end();
    const ds = await new DataSource(dataSourceOptions({ url: db.url, poolSize: 1 })).initialize();
    try {
      expect(await ds.query('SHOW TimeZone')).toEqual([{ TimeZone: 'UTC' }]);
    } finally {
      await ds.destroy();
    }
  });
});
