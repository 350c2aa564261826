import { Client } from 'pg';
import { addDecimal, computeRatios } from '@ams/ams';
import { METRIC_COLUMNS } from '@ams/db';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const KEY = 'spec-key-0123456789abcdef';
const WINDOWS = ['1d', '7d', '14d', '30d'] as const;

interface Fact {
  advertiser: string;
  campaign: string;
  adGroup: string;
  ad: string;
  keyword: string;
  placement: string;
  hourMs: number;
  offset: number;
  product: 'sp' | 'sb' | 'sd';
  impressions: number;
  clicks: number;
  cost: string;
  orders: Record<string, number>;
  sales: Record<string, string>;
  units: Record<string, number>;
}

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function makeFacts(): Fact[] {
  const rnd = random(20251129);
  const int = (n: number) => Math.floor(rnd() * n) - (rnd() < 0.1 ? n : 0); // some restated (negative) sums
  const money = () =>
    (Math.floor(rnd() * 1_000_000) / (rnd() < 0.5 ? 100 : 10_000) - (rnd() < 0.1 ? 50 : 0)).toFixed(
      rnd() < 0.5 ? 2 : 4,
    );
  const facts = new Map<string, Fact>();
  for (let i = 0; i < 2500; i++) {
    const f: Fact = {
      advertiser: `ADV${i % 3}`,
      campaign: `C${i % 5}`,
      adGroup: `G${i % 4}`,
      ad: `A${i % 3}`,
      keyword: `K${i % 6}`,
      placement: ['Top of Search on-Amazon', 'Other on-Amazon', 'quote " and \\ back'][i % 3],
      hourMs: Date.UTC(2025, 5, 1) + Math.floor(rnd() * 24 * 8) * 3_600_000,
      offset: [-420, 120, 540, 330, -600][i % 5],
      product: (['sp', 'sb', 'sd'] as const)[i % 3],
      impressions: int(5000),
      clicks: int(60),
      cost: money(),
      orders: Object.fromEntries(WINDOWS.map((w) => [w, int(5)])),
      sales: Object.fromEntries(WINDOWS.map(() => money()).map((m, j) => [WINDOWS[j], m])),
      units: Object.fromEntries(WINDOWS.map((w) => [w, int(7)])),
    };
    facts.set([f.advertiser, f.campaign, f.adGroup, f.ad, f.keyword, f.placement, f.hourMs].join('|'), f);
  }
  return [...facts.values()];
}

/** What GET /v1/performance must answer, computed here from the facts with libs/ams, serialised as before. */
function expectedBody(
  facts: Fact[],
  q: {
    campaignId: string;
    /** also filter by advertiser (the statement then reads the advertiser's windows once) */
    advertiserId?: string;
    from: string;
    to: string;
    granularity: 'hour' | 'day';
    groupBy?: 'keyword' | 'placement';
    window?: string;
    limit: number;
  },
  settings: Record<string, Partial<Record<'sp' | 'sb' | 'sd', string>>>,
): string {
  const dateOnly = !q.from.includes('T');
  const localDate = (f: Fact) => new Date(f.hourMs + f.offset * 60_000).toISOString().slice(0, 10);
  const inRange = (f: Fact) =>
    dateOnly
      ? localDate(f) >= q.from && localDate(f) <= q.to
      : f.hourMs >= Date.parse(q.from) && f.hourMs < Date.parse(q.to);
  const groupCols: Array<[string, (f: Fact) => string]> =
    q.groupBy === 'keyword'
      ? [
          ['campaignId', (f) => f.campaign],
          ['adGroupId', (f) => f.adGroup],
          ['keywordId', (f) => f.keyword],
        ]
      : q.groupBy === 'placement'
        ? [
            ['campaignId', (f) => f.campaign],
            ['placement', (f) => f.placement],
          ]
        : [];
  type Sum = {
    key: string[];
    periodSort: string;
    offset: number;
    impressions: string;
    clicks: string;
    cost: string;
    orders: string;
    sales: string;
    units: string;
  };
  const zero = (): Omit<Sum, 'key' | 'periodSort' | 'offset'> => ({
    impressions: '0',
    clicks: '0',
    cost: '0',
    orders: '0',
    sales: '0',
    units: '0',
  });
  const groups = new Map<string, Sum>();
  const totals = zero();
  let any = false;
  const ofAdvertiser = (f: Fact) => q.advertiserId === undefined || f.advertiser === q.advertiserId;
  for (const f of facts.filter((x) => x.campaign === q.campaignId && ofAdvertiser(x) && inRange(x))) {
    const w = q.window ?? settings[f.advertiser]?.[f.product] ?? (f.product === 'sp' ? '7d' : '14d');
    const periodSort = q.granularity === 'hour' ? new Date(f.hourMs).toISOString() : localDate(f);
    const key = [periodSort, ...groupCols.map(([, get]) => get(f))];
    const id = JSON.stringify(key);
    const g = groups.get(id) ?? { key, periodSort, offset: -Infinity, ...zero() };
    g.offset = Math.max(g.offset, f.offset);
    for (const s of [g, totals]) {
      s.impressions = addDecimal(s.impressions, String(f.impressions));
      s.clicks = addDecimal(s.clicks, String(f.clicks));
      s.cost = addDecimal(s.cost, f.cost);
      s.orders = addDecimal(s.orders, String(f.orders[w]));
      s.sales = addDecimal(s.sales, f.sales[w]);
      s.units = addDecimal(s.units, String(f.units[w]));
    }
    groups.set(id, g);
    any = true;
  }
  const money = (v: string) => {
    const [int, frac = ''] = v.split('.');
    return `${int}.${frac.replace(/0+$/, '').padEnd(2, '0')}`;
  };
  const metrics = (s: Omit<Sum, 'key' | 'periodSort' | 'offset'>) => ({
    impressions: Number(s.impressions),
    clicks: Number(s.clicks),
    cost: money(s.cost),
    orders: Number(s.orders),
    sales: money(s.sales),
    units: Number(s.units),
    ...computeRatios(s),
  });
  const sorted = [...groups.values()].sort((a, b) => (a.key.join('\u0000') < b.key.join('\u0000') ? -1 : 1));
  const page = sorted.slice(0, q.limit);
  const period = (g: Sum) => {
    if (q.granularity === 'day') return g.periodSort;
    const local = new Date(Date.parse(g.periodSort) + g.offset * 60_000).toISOString().slice(0, 19);
    const abs = Math.abs(g.offset);
    return `${local}${g.offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  };
  const last = page[page.length - 1];
  const body = {
    data: page.map((g) => ({
      period: period(g),
      ...Object.fromEntries(groupCols.map(([name], i) => [name, g.key[i + 1]])),
      ...metrics(g),
    })),
    totals: metrics(any ? totals : zero()),
    nextCursor:
      sorted.length > q.limit && last ? Buffer.from(JSON.stringify(last.key), 'utf8').toString('base64url') : null,
  };
  return JSON.stringify(body);
}

async function insert(pg: Client, facts: Fact[]): Promise<void> {
  for (let i = 0; i < facts.length; i += 200) {
    const chunk = facts.slice(i, i + 200);
    await pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start,
         utc_offset_minutes, ad_product, currency, impressions, clicks, cost, ${WINDOWS.map((w) => `orders_${w}, sales_${w}, units_${w}`).join(', ')})
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(a text, m text, c text, g text, d text, k text, p text, h timestamptz, o smallint, ap text,
         cur text, i bigint, cl bigint, co numeric, ${WINDOWS.map((w) => `o${w} bigint, s${w} numeric, u${w} bigint`).join(', ')})`,
      [
        JSON.stringify(
          chunk.map((f) => ({
            a: f.advertiser,
            m: 'ATVPDKIKX0DER',
            c: f.campaign,
            g: f.adGroup,
            d: f.ad,
            k: f.keyword,
            p: f.placement,
            h: new Date(f.hourMs).toISOString(),
            o: f.offset,
            ap: f.product,
            cur: 'USD',
            i: f.impressions,
            cl: f.clicks,
            co: f.cost,
            ...Object.fromEntries(
              WINDOWS.flatMap((w) => [
                [`o${w}`, f.orders[w]],
                [`s${w}`, f.sales[w]],
                [`u${w}`, f.units[w]],
              ]),
            ),
          })),
        ),
      ],
    );
  }
}

describe('api: GET /v1/performance body equals a recomputation from hourly_fact (real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: RunningTestApp<ApiEnv>;
  const facts = makeFacts();
  const settings = { ADV1: { sp: '1d', sb: '30d' } };

  beforeAll(async () => {
    db = await createTestDatabase();
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await insert(pg, facts);
    await pg.query(
      `INSERT INTO advertiser_setting (advertiser_id, attribution_window_sp, attribution_window_sb) VALUES ('ADV1', '1d', '30d')`,
    );
    await pg.end();
    // one connection: the statements prepared by one test are the ones the next finds; no response cache: the tests
    // change the tables behind the api's back (no update events), and every answer must come from PostgreSQL
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('api')),
      API_KEYS: KEY,
      DATABASE_POOL_SIZE: '1',
      API_CACHE_MAX_ENTRIES: '0',
    });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('answers byte for byte what the facts say: money to the cent, ratios of sums, local periods, pages', async () => {
    let compared = 0;
    for (const campaignId of ['C0', 'C1', 'C2']) {
      for (const granularity of ['hour', 'day'] as const) {
        for (const groupBy of [undefined, 'keyword', 'placement'] as const) {
          for (const window of [undefined, '30d']) {
            for (const [from, to] of [
              ['2025-06-01', '2025-06-08'],
              ['2025-06-02T03:00:00.000Z', '2025-06-05T00:00:00.000Z'],
            ]) {
              const limit = 50;
              const q = { campaignId, from, to, granularity, groupBy, window, limit };
              const path =
                `/v1/performance?campaignId=${campaignId}&from=${from}&to=${to}&granularity=${granularity}&limit=${limit}` +
                `${groupBy ? `&groupBy=${groupBy}` : ''}${window ? `&attributionWindow=${window}` : ''}`;
              const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
              expect(res.status).toBe(200);
              expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
              expect({ path, body: await res.text() }).toEqual({ path, body: expectedBody(facts, q, settings) });
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBe(72);
  });

  it("answers the same with advertiserId: the advertiser's windows read once, each ad product picked right", async () => {
    // campaigns C0 and C1 have facts of ADV0, ADV1 (settings SP 1d, SB 30d) and ADV2, each of SP, SB and SD
    let compared = 0;
    for (const campaignId of ['C0', 'C1']) {
      for (const advertiserId of ['ADV0', 'ADV1', 'ADV2']) {
        for (const granularity of ['hour', 'day'] as const) {
          for (const groupBy of [undefined, 'keyword'] as const) {
            for (const [from, to] of [
              ['2025-06-01', '2025-06-08'],
              ['2025-06-02T03:00:00.000Z', '2025-06-05T00:00:00.000Z'],
            ]) {
              const q = { campaignId, advertiserId, from, to, granularity, groupBy, limit: 50 };
              const path =
                `/v1/performance?advertiserId=${advertiserId}&campaignId=${campaignId}&from=${from}&to=${to}` +
                `&granularity=${granularity}&limit=50${groupBy ? `&groupBy=${groupBy}` : ''}`;
              const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
              expect(res.status).toBe(200);
              expect({ path, body: await res.text() }).toEqual({ path, body: expectedBody(facts, q, settings) });
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBe(48);
  });

  it('reads whole days from the daily rollups except the days marked pending, which it sums from the facts', async () => {
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const get = async (path: string) => {
      const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(res.status).toBe(200);
      return res.text();
    };
    const dayQueries = ['C0', 'C3'].flatMap((campaignId) =>
      ([undefined, 'keyword'] as const).flatMap((groupBy) =>
        [undefined, '30d'].map((window) => ({
          campaignId,
          from: '2025-06-01',
          to: '2025-06-08',
          granularity: 'day' as const,
          groupBy,
          window,
          limit: 50,
        })),
      ),
    );
    const pathOf = (q: (typeof dayQueries)[number]) =>
      `/v1/performance?campaignId=${q.campaignId}&from=${q.from}&to=${q.to}&granularity=day&limit=${q.limit}` +
      `${q.groupBy ? `&groupBy=${q.groupBy}` : ''}${q.window ? `&attributionWindow=${q.window}` : ''}`;
    const expectAllExact = async () => {
      for (const q of dayQueries)
        expect({ q, body: await get(pathOf(q)) }).toEqual({ q, body: expectedBody(facts, q, settings) });
    };
    try {
      // rollups as the aggregator keeps them (summed here from the facts, independently of its code), no day marked
      const localDate = `((hour_start + make_interval(mins => utc_offset_minutes::int)) AT TIME ZONE 'UTC')::date`;
      const sums = METRIC_COLUMNS.map((c) => `sum(${c})`).join(', ');
      const attrs = 'max(marketplace_id), max(ad_product), max(currency)';
      await pg.query(`INSERT INTO keyword_daily (advertiser_id, campaign_id, local_date, ad_group_id, keyword_id, marketplace_id, ad_product,
          currency, ${METRIC_COLUMNS.join(', ')})
        SELECT advertiser_id, campaign_id, ${localDate}, ad_group_id, keyword_id, ${attrs}, ${sums} FROM hourly_fact GROUP BY 1, 2, 3, 4, 5`);
      await pg.query(`INSERT INTO ad_group_daily (advertiser_id, campaign_id, local_date, ad_group_id, marketplace_id, ad_product, currency,
          ${METRIC_COLUMNS.join(', ')})
        SELECT advertiser_id, campaign_id, ${localDate}, ad_group_id, ${attrs}, ${sums} FROM hourly_fact GROUP BY 1, 2, 3, 4`);
      await pg.query(`INSERT INTO campaign_daily (advertiser_id, campaign_id, local_date, marketplace_id, ad_product, currency,
          ${METRIC_COLUMNS.join(', ')})
        SELECT advertiser_id, campaign_id, ${localDate}, ${attrs}, ${sums} FROM hourly_fact GROUP BY 1, 2, 3`);
      await pg.query('DELETE FROM rollup_pending');
      await expectAllExact();

      // a stale rollup on a marked day is never read: the facts answer for that day
      const stale = `SET clicks = clicks + 1000, cost = cost + 10 WHERE campaign_id = 'C0' AND local_date = '2025-06-03'`;
      for (const table of ['campaign_daily', 'ad_group_daily', 'keyword_daily'])
        await pg.query(`UPDATE ${table} ${stale}`);
      await pg.query(`INSERT INTO rollup_pending (advertiser_id, campaign_id, local_date)
        SELECT DISTINCT advertiser_id, campaign_id, local_date FROM campaign_daily WHERE campaign_id = 'C0' AND local_date = '2025-06-03'`);
      await expectAllExact();

      // and the rollups are what answers the other days: with the mark gone, the stale numbers show
      await pg.query('DELETE FROM rollup_pending');
      const q = dayQueries[0];
      const body = JSON.parse(await get(pathOf(q))) as {
        data: Array<{ period: string; clicks: number }>;
        totals: { clicks: number };
      };
      const exact = JSON.parse(expectedBody(facts, q, settings)) as typeof body;
      // one campaign_daily row per advertiser of C0 on that day
      const staleRows = (
        await pg.query(
          `SELECT count(*)::int AS n FROM campaign_daily WHERE campaign_id = 'C0' AND local_date = '2025-06-03'`,
        )
      ).rows[0].n;
      expect(staleRows).toBeGreaterThan(0);
      expect(body.totals.clicks - exact.totals.clicks).toBe(1000 * staleRows);
      const day = (b: typeof body) => b.data.find((r) => r.period === '2025-06-03')?.clicks ?? 0;
      expect(day(body) - day(exact)).toBe(1000 * staleRows);
    } finally {
      // back to facts only: no rollups, every campaign-day marked (as the migration leaves a database with facts)
      for (const table of ['campaign_daily', 'ad_group_daily', 'keyword_daily', 'rollup_pending'])
        await pg.query(`DELETE FROM ${table}`);
      await pg.query(`INSERT INTO rollup_pending (advertiser_id, campaign_id, local_date)
        SELECT DISTINCT advertiser_id, campaign_id, ((hour_start + make_interval(mins => utc_offset_minutes::int)) AT TIME ZONE 'UTC')::date
        FROM hourly_fact`);
      await pg.end();
    }
  });

  it('answers zeros and nulls for a range without facts', async () => {
    const res = await fetch(`${api.baseUrl}/v1/performance?campaignId=NONE&from=2025-06-01&to=2025-06-02`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(await res.text()).toBe(
      '{"data":[],"totals":{"impressions":0,"clicks":0,"cost":"0.00","orders":0,"sales":"0.00","units":0,"ctr":null,"cpc":null,"cvr":null,"acos":null,"roas":null},"nextCursor":null}',
    );
  });

  it('prepares its statement again when a migration changed its result type', async () => {
    const path =
      '/v1/performance?campaignId=C1&from=2025-06-01&to=2025-06-08&granularity=day&groupBy=placement&limit=50';
    const get = async () => {
      const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
      return `${res.status} ${await res.text()}`;
    };
    const before = await get();
    expect(before.startsWith('200 ')).toBe(true);
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query('ALTER TABLE hourly_fact ALTER COLUMN utc_offset_minutes TYPE integer');
    await pg.end();
    expect(await get()).toBe(before);
  });
});
