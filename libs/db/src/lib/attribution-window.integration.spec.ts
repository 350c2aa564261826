import { Client } from 'pg';
import { defaultAttributionWindow } from '@ams/ams';
import {
  accountDefaultAttributionWindow,
  accountDefaultAttributionWindowSql,
  defaultAttributionWindowSql,
  defaultWindowMetricSql,
} from './attribution-window';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('the default attribution window in SQL (real PostgreSQL)', () => {
  const pg = new Client({ connectionString: ADMIN_URL });
  beforeAll(() => pg.connect());
  afterAll(() => pg.end());

  it('is defaultAttributionWindow for every ad product, bare and qualified', async () => {
    const { rows } = await pg.query<{ ad_product: 'sp' | 'sb' | 'sd'; bare: string; qualified: string }>(
      `SELECT ad_product, ${defaultAttributionWindowSql(null)} AS bare, ${defaultAttributionWindowSql('t')} AS qualified
         FROM (VALUES ('sp'), ('sb'), ('sd')) AS t(ad_product) ORDER BY 1`,
    );
    expect(rows.map((r) => [r.ad_product, r.bare, r.qualified])).toEqual(
      (['sb', 'sd', 'sp'] as const).map((p) => [p, defaultAttributionWindow(p), defaultAttributionWindow(p)]),
    );
  });

  it('picks each conversion metric from the default window column', async () => {
    const cols = ['1d', '7d', '14d', '30d'].flatMap((w) => ['orders', 'sales', 'units'].map((m) => `${m}_${w}`));
    // each column holds its own name, so the answer says which column was read
    const { rows } = await pg.query<{ ad_product: 'sp' | 'sb' | 'sd'; orders: string; sales: string; units: string }>(
      `SELECT ad_product, ${defaultWindowMetricSql('t', 'orders')} AS orders, ${defaultWindowMetricSql('t', 'sales')} AS sales,
              ${defaultWindowMetricSql(null, 'units')} AS units
         FROM (SELECT p AS ad_product, ${cols.map((c) => `'${c}'::text AS ${c}`).join(', ')}
                 FROM unnest(ARRAY['sp', 'sb', 'sd']) AS p) AS t ORDER BY 1`,
    );
    expect(rows.map((r) => [r.ad_product, r.orders, r.sales, r.units])).toEqual(
      (['sb', 'sd', 'sp'] as const).map((p) => {
        const w = defaultAttributionWindow(p);
        return [p, `orders_${w}`, `sales_${w}`, `units_${w}`];
      }),
    );
  });

  it('sets the SP default by the Amazon account type (vendors 14 d), in SQL as in TypeScript', async () => {
    const { rows } = await pg.query<{ ad_product: 'sp' | 'sb' | 'sd'; account_type: string | null; w: string }>(
      `SELECT ad_product, account_type, ${accountDefaultAttributionWindowSql('t', 't.account_type')} AS w
         FROM unnest(ARRAY['sp', 'sb', 'sd']) AS ad_product,
              unnest(ARRAY['seller', 'vendor', 'agency', NULL]) AS account_type,
              LATERAL (SELECT ad_product, account_type) t ORDER BY 1, 2`,
    );
    expect(rows).toHaveLength(12);
    for (const r of rows) expect(r.w).toBe(accountDefaultAttributionWindow(r.ad_product, r.account_type));
    expect(rows.filter((r) => r.w === '14d' && r.ad_product === 'sp').map((r) => r.account_type)).toEqual(['vendor']);
    expect(accountDefaultAttributionWindow('sp', null)).toBe(defaultAttributionWindow('sp'));
  });
});
