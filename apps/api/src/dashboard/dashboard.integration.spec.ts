import { Client } from 'pg';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const ADMIN = 'dashboard-admin-key-0123456789abcdef';
const READ = 'dashboard-read-key-0123456789abcdef';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
type Json = Record<string, any>;

/**
 * The web app's read endpoints on real PostgreSQL: /v1/me, /v1/advertisers (from profiles, settings, freshness and
 * rollups), freshness per dataset, and every campaign's totals over a range equal to /v1/performance's per campaign.
 */
describe('api: /v1/me, /v1/advertisers (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  let limited: { id: string; key: string };

  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
  };
  const get = (path: string, key = READ) => call('GET', path, key);

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    // PROF: a profile (Berlin, EUR); SETT: a setting only; FRESH: a dataset record only; DAILY: a rollup only (GBP)
    await pg.query(
      `INSERT INTO ads_profile (profile_id, region, advertiser_id, marketplace_id, country_code, currency_code, time_zone,
         account_type, account_name, active, synced_at)
       VALUES ('201', 'EU', 'PROF', 'A1PA6795UKMFR9', 'DE', 'EUR', 'Europe/Berlin', 'seller', 'Prof GmbH', true, now())`,
    );
    await pg.query(`INSERT INTO advertiser_setting (advertiser_id) VALUES ('SETT')`);
    await pg.query(
      `INSERT INTO dataset_freshness (advertiser_id, dataset_id, last_received_at, latest_hour_start)
       VALUES ('FRESH', 'sp-traffic', '2026-12-01T10:04:00Z', '2026-12-01T09:00:00Z'),
              ('PROF', 'sp-traffic', '2026-12-01T10:05:00Z', '2026-12-01T10:00:00Z'),
              ('PROF', 'budget-usage', '2026-12-01T10:01:00Z', NULL)`,
    );
    await pg.query(
      `INSERT INTO campaign_daily (advertiser_id, campaign_id, local_date, marketplace_id, ad_product, currency, clicks, cost)
       VALUES ('DAILY', 'D1', '2026-11-30', 'A1F83G8C2ARO7P', 'sp', 'GBP', 3, 1.50)`,
    );
    // PROF: three campaigns over two local days (UTC+1 in winter), cents that a float sum would not keep exact
    const fact = (
      campaign: string,
      hour: string,
      clicks: number,
      cost: string,
      orders: number,
      sales: string,
      adGroup = 'G',
    ) =>
      pg.query(
        `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
           hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d, units_7d)
         VALUES ('PROF', 'A1PA6795UKMFR9', $1, $7, 'A', 'K', 'P', $2, 60, 'sp', 'EUR', 100, $3, $4, $5, $6, $5)`,
        [campaign, hour, clicks, cost, orders, sales, adGroup],
      );
    await fact('C1', '2026-11-30T09:00:00Z', 3, '0.10', 1, '10.01');
    await fact('C1', '2026-11-30T23:00:00Z', 2, '0.20', 0, '0'); // local 2026-12-01 00:00
    await fact('C1', '2026-12-01T12:00:00Z', 5, '0.30', 2, '20.02');
    await fact('C1', '2026-11-30T10:00:00Z', 1, '0.05', 0, '0', 'G2');
    await fact('C2', '2026-11-30T10:00:00Z', 1, '7.77', 0, '0');
    await fact('C3', '2026-12-01T08:00:00Z', 4, '1.11', 1, '3.33');
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apidash')),
      API_KEYS: ADMIN,
      API_READ_KEYS: READ,
    });
    const created = await call('POST', '/v1/api-keys', ADMIN, {
      name: 'prof',
      scope: 'operator',
      advertiserIds: ['PROF'],
    });
    expect(created.status).toBe(201);
    limited = created.body as { id: string; key: string };
  }, 60_000);
  afterAll(async () => {
    await pg?.end();
    await api?.close();
    await db?.drop();
  });

  it('/v1/me names the key, its scope and advertisers, never the key', async () => {
    const read = await get('/v1/me');
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      keyId: expect.stringMatching(/^env:[0-9a-f]{12}$/),
      scope: 'read',
      advertiserIds: null,
    });
    expect(JSON.stringify(read.body)).not.toContain(READ);
    expect((await get('/v1/me', ADMIN)).body).toMatchObject({ scope: 'admin', advertiserIds: null });
    const mine = await get('/v1/me', limited.key);
    expect(mine.body).toEqual({ keyId: `key:${limited.id}`, scope: 'operator', advertiserIds: ['PROF'] });
    expect(JSON.stringify(mine.body)).not.toContain(limited.key);
    expect((await fetch(`${api.baseUrl}/v1/me`)).status).toBe(401);
  });

  it('/v1/advertisers lists every advertiser with a profile, setting, record or rollup; a limited key its own', async () => {
    const all = await get('/v1/advertisers');
    expect(all.status).toBe(200);
    expect(all.body['data']).toEqual([
      { advertiserId: 'DAILY', name: null, accountType: null, timeZone: null, currencyCode: 'GBP', countryCode: null },
      { advertiserId: 'FRESH', name: null, accountType: null, timeZone: null, currencyCode: null, countryCode: null },
      {
        advertiserId: 'PROF',
        name: 'Prof GmbH',
        accountType: 'seller',
        timeZone: 'Europe/Berlin',
        currencyCode: 'EUR',
        countryCode: 'DE',
      },
      { advertiserId: 'SETT', name: null, accountType: null, timeZone: null, currencyCode: null, countryCode: null },
    ]);
    const mine = await get('/v1/advertisers', limited.key);
    expect(mine.body['data'].map((a: Json) => a['advertiserId'])).toEqual(['PROF']);
  });

  it('/v1/advertisers/{id}/freshness: each dataset, 404 beyond a limited key, 400 for a bad id', async () => {
    const f = await get('/v1/advertisers/PROF/freshness');
    expect(f.status).toBe(200);
    expect(f.body['data']).toEqual([
      { datasetId: 'budget-usage', lastReceivedAt: '2026-12-01T10:01:00.000Z', latestHourStart: null },
      {
        datasetId: 'sp-traffic',
        lastReceivedAt: '2026-12-01T10:05:00.000Z',
        latestHourStart: '2026-12-01T10:00:00.000Z',
      },
    ]);
    expect((await get('/v1/advertisers/NONE/freshness')).body).toEqual({ data: [] });
    expect((await get('/v1/advertisers/PROF/freshness', limited.key)).status).toBe(200);
    const other = await get('/v1/advertisers/FRESH/freshness', limited.key);
    expect(other.status).toBe(404);
    expect(other.body['code']).toBe('NOT_FOUND');
    const bad = await get('/v1/advertisers/no%20spaces/freshness');
    expect(bad.status).toBe(400);
    expect(bad.body['errors']).toEqual([{ field: 'advertiserId', reason: expect.any(String) }]);
  });

  it("campaign-performance: each campaign's totals equal /v1/performance's for it, daily values by local day", async () => {
    const r = await get('/v1/advertisers/PROF/campaign-performance?from=2026-11-30&to=2026-12-01');
    expect(r.status).toBe(200);
    const by = Object.fromEntries(r.body['data'].map((c: Json) => [c['campaignId'], c]));
    expect(Object.keys(by)).toEqual(['C1', 'C2', 'C3']);
    expect(by['C1']).toMatchObject({ clicks: 11, cost: '0.65', orders: 3, sales: '30.03', acos: 0.021645 });
    expect(by['C1']['daily']).toEqual([
      { date: '2026-11-30', impressions: 200, clicks: 4, cost: '0.15', orders: 1, sales: '10.01', units: 1 },
      { date: '2026-12-01', impressions: 200, clicks: 7, cost: '0.50', orders: 2, sales: '20.02', units: 2 },
    ]);
    for (const id of ['C1', 'C2', 'C3']) {
      const perf = await get(
        `/v1/performance?advertiserId=PROF&campaignId=${id}&from=2026-11-30&to=2026-12-01&granularity=day`,
      );
      const { daily: _daily, campaignId: _id, ...totals } = by[id];
      expect(totals).toEqual(perf.body['totals']);
    }
    const whole = await get('/v1/performance?advertiserId=PROF&from=2026-11-30&to=2026-12-01&granularity=day');
    expect(r.body['totals']).toEqual(whole.body['totals']);
    // one day: only that day's campaigns
    const one = await get('/v1/advertisers/PROF/campaign-performance?from=2026-12-01&to=2026-12-01');
    expect(one.body['data'].map((c: Json) => c['campaignId'])).toEqual(['C1', 'C3']);
  });

  it("campaign-performance groupBy=adGroup: one campaign's ad groups, each equal to /v1/performance for it", async () => {
    const r = await get(
      '/v1/advertisers/PROF/campaign-performance?from=2026-11-30&to=2026-12-01&groupBy=adGroup&campaignId=C1',
    );
    expect(r.status).toBe(200);
    expect(r.body['data'].map((g: Json) => [g['campaignId'], g['adGroupId'], g['cost'], g['clicks']])).toEqual([
      ['C1', 'G', '0.60', 10],
      ['C1', 'G2', '0.05', 1],
    ]);
    for (const g of r.body['data']) {
      const perf = await get(
        `/v1/performance?advertiserId=PROF&campaignId=C1&adGroupId=${g['adGroupId']}&from=2026-11-30&to=2026-12-01&granularity=day`,
      );
      const { daily: _daily, campaignId: _c, adGroupId: _g, ...totals } = g;
      expect(totals).toEqual(perf.body['totals']);
    }
    const kw = await get(
      '/v1/advertisers/PROF/campaign-performance?from=2026-11-30&to=2026-12-01&groupBy=keyword&campaignId=C3',
    );
    expect(kw.body['data'].map((k: Json) => [k['adGroupId'], k['keywordId'], k['cost']])).toEqual([['G', 'K', '1.11']]);
  });

  it('campaign-performance: bad ranges are 400 naming the field; other advertisers 404 for a limited key', async () => {
    const fields = async (q: string) => [
      ...new Set(
        (await get(`/v1/advertisers/PROF/campaign-performance?${q}`)).body['errors']?.map((e: Json) => e['field']),
      ),
    ];
    expect(await fields('from=2026-02-30&to=2026-03-01')).toEqual(['from']);
    expect(await fields('from=2026-12-01T00:00:00Z&to=2026-12-02')).toEqual(['from']);
    expect(await fields('from=2026-12-02&to=2026-12-01')).toEqual(['to']);
    expect(await fields('from=2020-01-01&to=2026-12-01')).toEqual(['to']);
    expect(await fields('from=2026-12-01&to=2026-12-01&attributionWindow=2d')).toEqual(['attributionWindow']);
    expect(await fields('to=2026-12-01')).toEqual(['from']);
    expect(await fields('from=2026-12-01&to=2026-12-01&groupBy=placement')).toEqual(['groupBy']);
    expect(await fields('from=2026-12-01&to=2026-12-01&campaignId=a%20b')).toEqual(['campaignId']);
    expect(
      (await get('/v1/advertisers/PROF/campaign-performance?from=2026-12-01&to=2026-12-01', limited.key)).status,
    ).toBe(200);
    expect(
      (await get('/v1/advertisers/FRESH/campaign-performance?from=2026-12-01&to=2026-12-01', limited.key)).status,
    ).toBe(404);
  });
});
