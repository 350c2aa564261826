import { Client } from 'pg';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const KEY = 'spec-key-0123456789abcdef';

type Row = Record<string, string | number | null>;
interface Body {
  data: Row[];
  totals: Row;
  nextCursor: string | null;
  code?: string;
  field?: string;
  errors?: Array<{ field: string; reason: string }>;
}
const REVOKED = 'old-key-0123456789abcdefgh';

/** Inserts hourly facts directly: the api is a reader, and this test is about what it reads. */
async function seed(pg: Client): Promise<void> {
  const rows: Array<[string, string, string, number, number, number, string, number, string]> = [];
  // campaign C1 (US, UTC-7 in June): hours 10:00..12:00 local on 2025-06-03, two keywords
  for (const [hourLocal, kw, impressions, clicks, cost, orders7, sales7] of [
    [10, 'k1', 412, 7, '6.93', 2, '54.98'],
    [10, 'k2', 100, 3, '1.01', 0, '0'],
    [11, 'k1', 50, 0, '0', 0, '0'],
    [23, 'k1', 10, 1, '0.10', 1, '10.00'], // 23:00 local = next UTC day; still local 2025-06-03
  ] as const) {
    const utc = new Date(Date.UTC(2025, 5, 3, hourLocal + 7)).toISOString();
    rows.push(['C1', kw, utc, impressions, clicks, orders7, cost, -420, sales7]);
  }
  for (const [campaign, kw, utc, impressions, clicks, orders7, cost, offset, sales7] of rows) {
    await pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
         hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d, orders_14d, sales_14d)
       VALUES ('ADV1', 'ATVPDKIKX0DER', $1, 'G1', 'A1', $2, 'Top of Search on-Amazon', $3, $4, 'sp', 'USD', $5, $6, $7, $8, $9, 99, 999)`,
      [campaign, kw, utc, offset, impressions, clicks, cost, orders7, sales7],
    );
  }
}

describe('api: GET /v1/performance (real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: RunningTestApp<ApiEnv>;
  const get = (path: string, key: string | null = KEY) =>
    fetch(`${api.baseUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const getJson = async (path: string): Promise<Body> => (await (await get(path)).json()) as Body;

  beforeAll(async () => {
    db = await createTestDatabase();
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await seed(pg);
    await pg.end();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('api')),
      API_KEYS: KEY,
      API_REVOKED_KEYS: REVOKED,
    });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('refuses requests without a key (401), with an unknown key (401) and with a revoked key (403)', async () => {
    const path = '/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-03';
    expect((await get(path, null)).status).toBe(401);
    expect((await get(path, 'wrong-key-0123456789abcdef')).status).toBe(401);
    const revoked = await get(path, REVOKED);
    expect(revoked.status).toBe(403);
    expect((await revoked.json()) as Body).toMatchObject({ code: 'KEY_REVOKED' });
  });

  it('serves health without a key', async () => {
    expect((await get('/health/live', null)).status).toBe(200);
    const ready = await get('/health/ready', null);
    expect(ready.status).toBe(200);
    expect((await ready.json()) as Body).toMatchObject({
      status: 'ok',
      info: { postgres: { status: 'up' }, nats: { status: 'up' } },
    });
  });

  it('returns hourly rows in the advertiser offset, with exact money and ratios from summed parts', async () => {
    const res = await get('/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-03&granularity=hour');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.data.map((r) => r['period'])).toEqual([
      '2025-06-03T10:00:00-07:00',
      '2025-06-03T11:00:00-07:00',
      '2025-06-03T23:00:00-07:00',
    ]);
    expect(body.data[0]).toMatchObject({
      impressions: 512,
      clicks: 10,
      cost: '7.94',
      orders: 2,
      sales: '54.98',
      cpc: '0.79',
    });
    // CTR of the sum, not the mean of the keywords' CTRs (7/412 and 3/100)
    expect(body.data[0]['ctr']).toBeCloseTo(10 / 512, 6);
    expect(body.data[1]).toMatchObject({ clicks: 0, cpc: null, cvr: null, acos: null, roas: null, ctr: 0 });
    expect(body.totals).toMatchObject({ impressions: 572, clicks: 11, cost: '8.04', orders: 3, sales: '64.98' });
    expect(body.nextCursor).toBeNull();
  });

  it('groups an advertiser-local day, including the hour that is already tomorrow in UTC', async () => {
    const body = await getJson('/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-04&granularity=day');
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ period: '2025-06-03', impressions: 572, clicks: 11, cost: '8.04' });
  });

  it('applies an explicit attribution window', async () => {
    const body = await getJson(
      '/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-03&granularity=day&attributionWindow=14d',
    );
    expect(body.totals).toMatchObject({ orders: 4 * 99, sales: '3996.00' });
  });

  it("uses the advertiser's attribution window setting when the query names none", async () => {
    const put = await fetch(`${api.baseUrl}/v1/advertisers/ADV1/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ attributionWindow: { sp: '14d' } }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ attributionWindow: { sp: '14d', sb: '14d', sd: '14d' } });
    const body = await getJson('/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-03&granularity=day');
    expect(body.totals).toMatchObject({ orders: 4 * 99, sales: '3996.00' });
    const bad = await fetch(`${api.baseUrl}/v1/advertisers/ADV1/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ attributionWindow: { sp: '3d' } }),
    });
    expect(bad.status).toBe(400);
    // back to the default for the other tests
    await fetch(`${api.baseUrl}/v1/advertisers/ADV1/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ attributionWindow: { sp: '7d' } }),
    });
    expect(
      (await getJson('/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-03&granularity=day')).totals,
    ).toMatchObject({ orders: 3 });
  });

  it('pages with a stable cursor and no row twice', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-03&groupBy=keyword&limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const body = await getJson(q);
      for (const r of body.data) seen.push(`${r['period']}|${r['keywordId']}`);
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([
      '2025-06-03T10:00:00-07:00|k1',
      '2025-06-03T10:00:00-07:00|k2',
      '2025-06-03T11:00:00-07:00|k1',
      '2025-06-03T23:00:00-07:00|k1',
    ]);
  });

  it('answers 400 naming the field and the reason', async () => {
    const cases: Array<[string, string]> = [
      ['/v1/performance?campaignId=C1&from=yesterday&to=2025-06-03', 'from'],
      ['/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-03&granularity=week', 'granularity'],
      ['/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-03&limit=0', 'limit'],
      ['/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-03&bogus=1', 'bogus'],
      ['/v1/performance?campaignId=C1&from=2025-01-01&to=2025-06-03', 'to'],
      ['/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-01', 'to'],
      ['/v1/performance?campaignId=C1&from=2025-06-03&to=2025-06-03&cursor=garbage', 'cursor'],
      ['/v1/performance?from=2025-06-03&to=2025-06-03', 'campaignId'],
      ["/v1/performance?campaignId=1'%20OR%201=1--&from=2025-06-03&to=2025-06-03", 'campaignId'],
    ];
    for (const [path, field] of cases) {
      const res = await get(path);
      const body = (await res.json()) as Body;
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      const fields = (body.errors ?? [{ field: body.field ?? '' }]).map((e) => e.field);
      expect({ path, fields }).toEqual({ path, fields: expect.arrayContaining([field]) });
    }
  });

  it('exposes Prometheus metrics with HTTP latency by route', async () => {
    const text = await (await get('/metrics', null)).text();
    expect(text).toMatch(/ams_http_request_duration_seconds_count\{[^}]*route="\/v1\/performance"/);
  });
});
