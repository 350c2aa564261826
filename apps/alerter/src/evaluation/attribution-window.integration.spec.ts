import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@ams/db';
import { createTestDatabase, TestDatabase } from '@ams/testing';
import { MetricsRepository } from './metrics.repository';

/**
 * The alerter counts orders and sales in the window the api uses when a query names none: the advertiser's setting,
 * else its Amazon account type's default (SP: vendors 14 d, sellers 7 d). Otherwise a vendor's ACOS alert would judge
 * 7-day sales while the api shows 14-day sales for the same hours.
 */
describe('alerter sums: the attribution window of each advertiser (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pg: Client;
  let ds: DataSource;
  const hour = Date.UTC(2026, 5, 3, 10);

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    ds = await new DataSource(dataSourceOptions({ url: db.url, poolSize: 1 })).initialize();
    for (const adv of ['VENDOR1', 'SELLER1', 'SETTING1', 'UNKNOWN1']) {
      await pg.query(
        `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
                                  hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost,
                                  orders_1d, sales_1d, orders_7d, sales_7d, orders_14d, sales_14d)
         VALUES ($1, 'ATVPDKIKX0DER', 'c1', 'ag1', 'ad1', 'kw1', '', $2, 0, 'sp', 'USD', 100, 10, 5,
                 1, 10, 2, 20, 4, 40)`,
        [adv, new Date(hour).toISOString()],
      );
    }
    const profile = (id: string, adv: string, type: string) =>
      pg.query(
        `INSERT INTO ads_profile (profile_id, region, advertiser_id, marketplace_id, country_code, currency_code,
                                  time_zone, account_type, synced_at)
         VALUES ($1, 'NA', $2, 'ATVPDKIKX0DER', 'US', 'USD', 'America/Los_Angeles', $3, now())`,
        [id, adv, type],
      );
    await profile('11', 'VENDOR1', 'vendor');
    await profile('12', 'SELLER1', 'seller');
    await profile('13', 'SETTING1', 'vendor');
    await pg.query(`INSERT INTO advertiser_setting (advertiser_id, attribution_window_sp) VALUES ('SETTING1', '1d')`);
  });
  afterAll(async () => {
    await ds?.destroy();
    await pg?.end();
    await db?.drop();
  });

  it('vendors 14 d, sellers and unlisted advertisers 7 d, an advertiser setting over both', async () => {
    const units = ['VENDOR1', 'SELLER1', 'SETTING1', 'UNKNOWN1'].map((advertiserId, idx) => ({
      idx,
      advertiserId,
      campaignId: 'c1',
      localStartMs: hour,
      localEndMs: hour + 3_600_000,
      adGroupId: null,
      keywordId: null,
    }));
    const rows = await ds.transaction((em) => new MetricsRepository().sumWindows(em, 'campaign', units));
    const byAdvertiser = Object.fromEntries(
      rows.map((r) => [units[r.idx].advertiserId, [r.parts.orders, r.parts.sales]]),
    );
    expect(byAdvertiser).toEqual({
      VENDOR1: ['4', '40'],
      SELLER1: ['2', '20'],
      SETTING1: ['1', '10'],
      UNKNOWN1: ['2', '20'],
    });
  });
});
