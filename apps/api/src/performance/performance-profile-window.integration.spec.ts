import { Client } from 'pg';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const KEY = 'profile-window-spec-key-0123456789';
const DAY = '2025-06-03';

type Json = Record<string, unknown> & {
  data: Array<Record<string, unknown>>;
  totals: { orders: number; sales: string; units: number };
};

/**
 * The default attribution window follows the Amazon account type of the advertiser's profile (the connector's
 * ads_profile): SP vendors 14 d, sellers 7 d, SB/SD 14 d, unless the advertiser's settings say otherwise. Every fact has
 * orders 7d = 1, 14d = 3 (sales 10 / 30, units 1 / 3), so a sum says which window it counted.
 */
describe('api: default window by the profile account type (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return { cache: res.headers.get('x-cache'), body: (await res.json()) as Json };
  };
  const totals = async (advertiserId: string, extra = '') =>
    (await call('GET', `/v1/performance?advertiserId=${advertiserId}&from=${DAY}&to=${DAY}&granularity=day${extra}`))
      .body.totals;

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(
      `INSERT INTO ads_profile (profile_id, region, advertiser_id, marketplace_id, country_code, currency_code, time_zone,
         account_type, account_name, active, synced_at)
       VALUES ('101', 'NA', 'VEND', 'ATVPDKIKX0DER', 'US', 'USD', 'America/Los_Angeles', 'vendor', 'Vendor Co', true, now()),
              ('102', 'NA', 'SELL', 'ATVPDKIKX0DER', 'US', 'USD', 'America/New_York', 'seller', 'Seller Co', true, now()),
              -- an inactive old profile of the seller says vendor: the active one counts
              ('103', 'EU', 'SELL', 'A1PA6795UKMFR9', 'DE', 'EUR', 'Europe/Berlin', 'vendor', 'Seller Co', false, now())`,
    );
    const recent = new Date(Date.now() - 3_600_000);
    recent.setUTCMinutes(0, 0, 0);
    const fact = (adv: string, campaign: string, product: string, hour: string) =>
      pg.query(
        `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
           hour_start, utc_offset_minutes, ad_product, impressions, clicks, cost,
           orders_7d, sales_7d, units_7d, orders_14d, sales_14d, units_14d)
         VALUES ($1, 'ATVPDKIKX0DER', $2, 'G', 'A', 'K', 'P', $3, 0, $4, 10, 1, 1, 1, 10, 1, 3, 30, 3)`,
        [adv, campaign, hour, product],
      );
    for (const adv of ['VEND', 'SELL', 'NONE']) {
      await fact(adv, `${adv}-SP`, 'sp', `${DAY}T10:00:00Z`);
      await fact(adv, `${adv}-SB`, 'sb', `${DAY}T11:00:00Z`);
      await fact(adv, `${adv}-NOW`, 'sp', recent.toISOString());
    }
    api = await startNestApp(appDefinition, { ...baseTestEnv(db, uniquePrefix('apiprofwin')), API_KEYS: KEY });
  });
  afterAll(async () => {
    await api?.close();
    await pg?.end();
    await db?.drop();
  });

  it('sums SP in 14 d for a vendor and 7 d for a seller (and without a profile); SB in 14 d for all', async () => {
    // SP (1 or 3) + SB (3)
    expect(await totals('VEND')).toMatchObject({ orders: 6, sales: '60.00', units: 6 });
    expect(await totals('SELL')).toMatchObject({ orders: 4, sales: '40.00', units: 4 });
    expect(await totals('NONE')).toMatchObject({ orders: 4, sales: '40.00', units: 4 });
    // hourly, by campaign: the same windows
    const hourly = await call('GET', `/v1/performance?campaignId=VEND-SP&from=${DAY}&to=${DAY}&granularity=hour`);
    expect(hourly.body.totals).toMatchObject({ orders: 3 });
    // a window asked for wins over every default
    expect(await totals('VEND', '&attributionWindow=7d')).toMatchObject({ orders: 2 });
  });

  it('the last-24 h totals of GET /v1/campaigns use the same default', async () => {
    const now = async (adv: string) =>
      ((await call('GET', `/v1/campaigns?advertiserId=${adv}`)).body.data.find(
        (c) => c['campaignId'] === `${adv}-NOW`,
      )?.['last24h'] as Record<string, unknown>) ?? {};
    expect(await now('VEND')).toMatchObject({ orders: 3, sales: '30.00' });
    expect(await now('SELL')).toMatchObject({ orders: 1, sales: '10.00' });
  });

  it('the advertiser settings show the profile and its defaults, and override them', async () => {
    const vendor = await call('GET', '/v1/advertisers/VEND/settings');
    expect(vendor.body).toEqual({
      advertiserId: 'VEND',
      attributionWindow: { sp: '14d', sb: '14d', sd: '14d' },
      defaultAttributionWindow: { sp: '14d', sb: '14d', sd: '14d' },
      updatedAt: null,
      profile: {
        profileId: '101',
        name: 'Vendor Co',
        accountType: 'vendor',
        timeZone: 'America/Los_Angeles',
        countryCode: 'US',
        marketplaceId: 'ATVPDKIKX0DER',
        active: true,
      },
    });
    expect((await call('GET', '/v1/advertisers/SELL/settings')).body).toMatchObject({
      attributionWindow: { sp: '7d' },
      profile: { profileId: '102', accountType: 'seller', timeZone: 'America/New_York' },
    });
    expect((await call('GET', '/v1/advertisers/NONE/settings')).body).toMatchObject({
      attributionWindow: { sp: '7d', sb: '14d' },
      profile: null,
    });

    // changing SB only starts the row from the vendor's defaults: SP stays 14 d
    const sbOnly = await call('PUT', '/v1/advertisers/VEND/settings', { attributionWindow: { sb: '1d' } });
    expect(sbOnly.body['attributionWindow']).toEqual({ sp: '14d', sb: '1d', sd: '14d' });
    expect(await totals('VEND')).toMatchObject({ orders: 3 + 0 }); // SB 1d is 0 in these facts
    await call('PUT', '/v1/advertisers/VEND/settings', { attributionWindow: { sp: '7d', sb: '14d' } });
    expect(await totals('VEND')).toMatchObject({ orders: 4 });
  });

  it('a cached answer is not served after the profile account type changes', async () => {
    const first = await call('GET', `/v1/performance?advertiserId=SELL&from=${DAY}&to=${DAY}&granularity=day&limit=7`);
    const again = await call('GET', `/v1/performance?advertiserId=SELL&from=${DAY}&to=${DAY}&granularity=day&limit=7`);
    expect([first.cache, again.cache, again.body.totals.orders]).toEqual(['miss', 'hit', 4]);
    // the connector's next profile sync says vendor
    await pg.query(`UPDATE ads_profile SET account_type = 'vendor', synced_at = now() WHERE profile_id = '102'`);
    const after = await call('GET', `/v1/performance?advertiserId=SELL&from=${DAY}&to=${DAY}&granularity=day&limit=7`);
    expect([after.cache, after.body.totals.orders]).toEqual(['miss', 6]);
  });
});
