import { Client } from 'pg';
import { createTestDatabase, TestDatabase, uniquePrefix, waitFor } from '@ams/testing';
import { baseTestEnv, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';

const KEY = 'campaigns-scale-key-0123456789';
const CAMPAIGNS = 60;
const DAYS = 30;

/**
 * GET /v1/campaigns without an advertiser reads rollups and entities, not 30 days of hourly facts: a page costs about
 * its size. Measured with PostgreSQL's own counters of the tuples read from hourly_fact by the api's connections
 * (flushed when they close), on a table of 30 days × 24 hours × 60 campaigns.
 */
describe('api: GET /v1/campaigns at scale (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    const setup = new Client({ connectionString: db.url });
    await setup.connect();
    await setup.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start,
         utc_offset_minutes, ad_product, impressions, clicks, cost)
       SELECT 'ADV' || (c % 3), 'M', 'C' || lpad(c::text, 4, '0'), 'G', 'A', 'K', 'P', date_trunc('hour', now()) - h * interval '1 hour', 0, 'sp', 10, 1, 0.5
         FROM generate_series(1, ${CAMPAIGNS}) c, generate_series(0, ${DAYS * 24 - 1}) h`,
    );
    // the aggregator's steady state: every day rolled up, no marks left
    await setup.query(
      `INSERT INTO campaign_daily (advertiser_id, campaign_id, local_date, marketplace_id, ad_product, impressions, clicks, cost)
       SELECT advertiser_id, campaign_id, (hour_start AT TIME ZONE 'UTC')::date, 'M', 'sp', sum(impressions), sum(clicks), sum(cost)
         FROM hourly_fact GROUP BY 1, 2, 3`,
    );
    await setup.query(`DELETE FROM rollup_pending`);
    await setup.query(`ANALYZE`);
    await setup.end();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    // the setup's own scan of hourly_fact is counted once its connection has closed: before the measurement starts
    await waitFor(async () => (await factTuplesRead()).scans > 0, { description: 'setup counters flushed' });
  });
  afterAll(async () => {
    await pg?.end();
    await db?.drop();
  });

  async function factTuplesRead() {
    const { rows } = await pg.query(
      `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS scans, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS tuples
         FROM pg_stat_user_tables WHERE relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'hourly_fact'::regclass)`,
    );
    // hourly_fact is partitioned by month: its partitions count the reads
    const sum = (k: 'scans' | 'tuples') => rows.reduce((n, r) => n + Number(r[k]), 0);
    return { scans: sum('scans'), tuples: sum('tuples') };
  }

  it('reads about a page of facts per page, whatever the table holds', async () => {
    const before = await factTuplesRead();
    const api = await startNestApp(appDefinition, { ...baseTestEnv(db, uniquePrefix('apicscale')), API_KEYS: KEY });
    let body: { data: Array<{ campaignId: string; last24h: { clicks: number } }>; nextCursor: string | null };
    try {
      const res = await fetch(`${api.baseUrl}/v1/campaigns?limit=5`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(res.status).toBe(200);
      body = (await res.json()) as typeof body;
    } finally {
      await api.close(); // the api's connections end: their table counters reach pg_stat_user_tables
    }
    expect(body.data.map((c) => c.campaignId)).toEqual(['C0003', 'C0006', 'C0009', 'C0012', 'C0015']);
    expect(body.data[0].last24h.clicks).toBe(24);
    expect(body.nextCursor).not.toBeNull();
    const after = await waitFor(
      async () => {
        const now = await factTuplesRead();
        return now.scans > before.scans && now;
      },
      { description: 'the api connections counters flushed', timeoutMs: 15_000 },
    );
    // the page's 5 campaigns (+1 telling whether there is a next page) × 24 hours for the last-24 h totals
    expect(after.tuples - before.tuples).toBeLessThanOrEqual(6 * 24);
  });
});
