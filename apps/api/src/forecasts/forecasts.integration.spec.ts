import { Client } from 'pg';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const READ = 'forecast-read-key-0123456789abcdef';
const ADV = 'FCADV1';
const HOUR = 3_600_000;
const MONEY = /^\d+\.\d{2}$/;

/**
 * The forecasts over REST on real PostgreSQL: 5 weeks of hourly facts of three campaigns (4.00 an hour, every
 * hour) and today's budget usage at local 10:xx (the advertiser's offset is chosen so): C1 spent twice its usual
 * pace, C2 its usual pace, C3 already capped.
 */
describe('api: /v1/forecasts (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  const now = Date.now();
  // an offset (whole hours, -11..+12) that puts the advertiser's local time now at 10:xx
  const utcHour = new Date(now).getUTCHours();
  const offsetHours = ((((10 - utcHour) % 24) + 24 + 11) % 24) - 11;
  const offset = offsetHours * 60;
  const local = new Date(now + offset * 60_000);
  const today = local.toISOString().slice(0, 10);
  const localMidnightUtc = Date.parse(`${today}T00:00:00Z`) - offset * 60_000;
  const addDays = (d: string, n: number) =>
    new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

  const get = async (path: string) => {
    const started = performance.now();
    const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${READ}` } });
    return { status: res.status, body: (await res.json()) as any, ms: performance.now() - started };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apifc')),
      API_KEYS: 'forecast-admin-key-0123456789abcdef',
      API_READ_KEYS: READ,
    });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    // history: 35 days before today, every hour 4.00 spend, 8 clicks, 1 order, 20.00 sales (SP, 7d window)
    const hist = `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
        hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d)
      SELECT $1, 'ATVPDKIKX0DER', c, 'ag', 'ad', 'kw', '', to_timestamp($2::bigint / 1000.0) + make_interval(hours => h), $3, 'sp', 'USD',
             100, 8, $4::numeric, 1, 20
        FROM unnest($5::text[]) c, generate_series($6::int, $7::int) h`;
    await pg.query(hist, [ADV, localMidnightUtc, offset, '4.00', ['C1', 'C2', 'C3', 'C5', 'C6'], -35 * 24, -1]);
    // today until 10:00: C1 8.00 an hour (twice its pace), C2 4.00, C3 10.00
    for (const [c, spend] of [
      ['C1', '8.00'],
      ['C2', '4.00'],
      ['C3', '10.00'],
      ['C5', '6.00'],
      ['C6', '4.00'],
    ])
      await pg.query(hist, [ADV, localMidnightUtc, offset, spend, [c], 0, 9]);
    const usage = `INSERT INTO budget_usage_latest (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id,
        usage_updated_at, ad_product, budget, usage_percentage) VALUES ($1, 'ATVPDKIKX0DER', 'CAMPAIGN', $2, $3, 'sp', $4, $5)`;
    const at = new Date(localMidnightUtc + 10 * HOUR + 5 * 60_000);
    await pg.query(usage, [ADV, 'C1', at, '120', '66.67']);
    await pg.query(usage, [ADV, 'C2', at, '120', '33.33']);
    await pg.query(usage, [ADV, 'C3', at, '100', '100']);
    // yesterday's usage only: not of today, not answered
    await pg.query(usage, [ADV, 'C4', new Date(localMidnightUtc - 2 * HOUR), '50', '10']);
    // yesterday's usage (23:30, 90 %) and today's facts: projected from the facts
    await pg.query(usage, [ADV, 'C5', new Date(localMidnightUtc - HOUR / 2), '100', '90']);
    // Amazon's recommendations (sp-budget-recommendations): C3 a current one and an older one (the latest wins), C2
    // one whose share in budget is unknown (-1), C1 only one whose window ended 9 days ago (none applies today)
    const rec = `INSERT INTO budget_recommendation (advertiser_id, campaign_id, recommendation_time, marketplace_id,
        suggested_budget, reason_for_suggestion, missed_sales_lower, missed_sales_upper, missed_clicks_lower,
        missed_clicks_upper, missed_impressions_lower, missed_impressions_upper, start_date, end_date,
        percent_time_in_budget)
      VALUES ($1, $2, $3, 'ATVPDKIKX0DER', $4, 'ran out of budget', $5, $6, 12, 30.5, 900, 2100, $7, $8, $9)`;
    await pg.query(rec, [ADV, 'C3', new Date(now - HOUR), '172.5', '88.4', '245.9', addDays(today, -6), today, '0.62']);
    await pg.query(rec, [
      ADV,
      'C3',
      new Date(now - 25 * HOUR),
      '150',
      '10',
      '20',
      addDays(today, -7),
      addDays(today, -1),
      '0.7',
    ]);
    await pg.query(rec, [
      ADV,
      'C2',
      new Date(now - 2 * HOUR),
      '130',
      null,
      null,
      addDays(today, -7),
      addDays(today, -1),
      '-1',
    ]);
    await pg.query(rec, [
      ADV,
      'C1',
      new Date(now - 10 * 24 * HOUR),
      '140',
      '1',
      '2',
      addDays(today, -15),
      addDays(today, -9),
      '0.5',
    ]);
    // no usage at all, a budget in the entity data and today's facts
    await pg.query(
      `INSERT INTO ams_entity (advertiser_id, entity_type, entity_id, version, marketplace_id, campaign_id, budget_amount, raw)
       VALUES ($1, 'campaign', 'C6', 1, 'ATVPDKIKX0DER', 'C6', '50', '{}')`,
      [ADV],
    );
  }, 30_000);
  afterAll(async () => {
    await pg?.end();
    await api?.close();
    await db?.drop();
  });

  it('answers the pacing of each campaign with usage today: labels, ordered exhaustion, cents', async () => {
    const cold = await get(`/v1/forecasts/budgets?advertiserId=${ADV}`);
    expect(cold.status).toBe(200);
    const by = Object.fromEntries(cold.body.data.map((d: any) => [d.campaignId, d]));
    expect(Object.keys(by).sort()).toEqual(['C1', 'C2', 'C3', 'C5', 'C6']);

    const c1 = by.C1;
    expect(c1.label).toBe('overpacing');
    expect(c1.localDate).toBe(today);
    const ex = [c1.exhaustion.p10, c1.exhaustion.p50, c1.exhaustion.p90];
    expect(ex.every((x: string | null) => x === null || x.startsWith(today))).toBe(true);
    expect(ex[1]).not.toBeNull();
    const ms = ex.map((x: string | null) => (x === null ? Infinity : Date.parse(x)));
    expect(ms[0]).toBeLessThanOrEqual(ms[1]);
    expect(ms[1]).toBeLessThanOrEqual(ms[2]);
    expect(ms[1]).toBeGreaterThan(localMidnightUtc + 10 * HOUR);
    // the offset travels: 10:05 local
    const sign = offset < 0 ? '-' : '+';
    expect(c1.asOf).toBe(`${today}T10:05:00${sign}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`);
    expect(c1.source).toBe('usage');
    expect(c1.budget).toBe('120.00');
    expect(c1.spentSoFar).toBe('80.00');
    for (const m of [c1.budget, c1.spentSoFar, c1.daySpend.p10, c1.daySpend.p50, c1.daySpend.p90])
      expect(m).toMatch(MONEY);
    expect(c1.projected.map((p: any) => p.hour)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    for (const p of c1.projected) {
      for (const v of [p.p10, p.p50, p.p90]) expect(v).toMatch(MONEY);
      expect(Number(p.p10)).toBeLessThanOrEqual(Number(p.p50));
      expect(Number(p.p50)).toBeLessThanOrEqual(Number(p.p90));
    }
    expect(c1.model).toMatchObject({ name: 'hour-of-week-profile-nb', fitDate: today, profileSource: 'campaign' });
    expect(c1.estimatedLoss).toBeNull();
    expect(c1.amazonEstimate).toBeNull();

    expect(by.C2.label).toBe('on_track');
    // a window that ended yesterday still applies; Amazon's -1 (unknown) is null, estimates it did not send null
    expect(by.C2.amazonEstimate).toMatchObject({
      suggestedBudget: '130',
      percentTimeInBudget: null,
      missedSales: { lower: null, upper: null },
      window: { startDate: addDays(today, -7), endDate: addDays(today, -1) },
    });
    expect(by.C2.exhaustion.p50).toBeNull();

    const c3 = by.C3;
    expect(c3.exhausted).toBe(true);
    expect(c3.label).toBe('overpacing');
    expect(c3.estimatedLoss.cappedAt.startsWith(today)).toBe(true);
    for (const v of Object.values(c3.estimatedLoss.spend)) expect(v).toMatch(MONEY);
    // about 14 hours × 4.00 missed after a cap at 10:00
    expect(Number(c3.estimatedLoss.spend.p50)).toBeGreaterThan(30);
    // Amazon's own estimate beside ours: its latest recommendation, numbers exact as stored
    expect(c3.amazonEstimate).toEqual({
      recommendationTime: new Date(now - HOUR).toISOString(),
      window: { startDate: addDays(today, -6), endDate: today },
      suggestedBudget: '172.5',
      missedSales: { lower: '88.4', upper: '245.9' },
      missedClicks: { lower: '12', upper: '30.5' },
      missedImpressions: { lower: '900', upper: '2100' },
      percentTimeInBudget: '0.62',
      reason: 'ran out of budget',
    });

    // repeated reads use the cached fits
    const warm = await get(`/v1/forecasts/budgets?advertiserId=${ADV}&campaignId=C1`);
    expect(warm.status).toBe(200);
    expect(warm.body.data.map((d: any) => d.campaignId)).toEqual(['C1']);
    expect(warm.body.data[0].model.fittedAt).toBe(c1.model.fittedAt);
    if (process.env['FORECAST_TIMINGS']) {
      const all: number[] = [];
      for (let i = 0; i < 20; i++) all.push((await get(`/v1/forecasts/budgets?advertiserId=${ADV}`)).ms);
      all.sort((a, b) => a - b);
      process.stderr.write(
        `budgets (3 campaigns) cold ${cold.ms.toFixed(1)} ms; warm p50 ${all[10].toFixed(1)} ms, max ${all[19].toFixed(1)} ms\n`,
      );
    }
  });

  it('projects from today’s facts a campaign whose latest usage is of yesterday, or that has none', async () => {
    const r = await get(`/v1/forecasts/budgets?advertiserId=${ADV}&campaignId=C5`);
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(1);
    const c5 = r.body.data[0];
    const sign = offset < 0 ? '-' : '+';
    const zone = `${sign}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`;
    // as of the end of its latest hour with facts (09:00–10:00), 10 × 6.00 spent; yesterday's 90 % is not today's
    expect(c5).toMatchObject({
      source: 'facts',
      localDate: today,
      asOf: `${today}T10:00:00${zone}`,
      usageUpdatedAt: new Date(localMidnightUtc - HOUR / 2).toISOString(),
      budget: '100.00',
      spentSoFar: '60.00',
      label: 'overpacing',
      exhausted: false,
    });
    expect(c5.projected[0].hour).toBe(10);
    expect(Date.parse(c5.exhaustion.p50)).toBeGreaterThan(localMidnightUtc + 10 * HOUR);
    // 4.00 an hour of a 50.00 entity budget: 40.00 by 10:00, 96.00 a usual day
    const c6 = (await get(`/v1/forecasts/budgets?advertiserId=${ADV}&campaignId=C6`)).body.data[0];
    expect(c6).toMatchObject({ source: 'facts', usageUpdatedAt: null, budget: '50.00', spentSoFar: '40.00' });
    expect(c6.label).toBe('overpacing');
  });

  it('answers a portfolio budget’s pacing from its campaigns (entity data) and its budget-usage', async () => {
    // portfolio P1 holds C1 (twice its pace) and C2 (its pace): 120.00 spent by 10:05 of a 200.00 budget
    for (const c of ['C1', 'C2'])
      await pg.query(
        `INSERT INTO ams_entity (advertiser_id, entity_type, entity_id, version, marketplace_id, campaign_id, portfolio_id, raw)
         VALUES ($1, 'campaign', $2, 1, 'ATVPDKIKX0DER', $2, 'P1', '{}')`,
        [ADV, c],
      );
    await pg.query(
      `INSERT INTO budget_usage_latest (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id,
          usage_updated_at, ad_product, budget, usage_percentage) VALUES ($1, 'ATVPDKIKX0DER', 'PORTFOLIO', 'P1', $2, 'sp', '200', '60')`,
      [ADV, new Date(localMidnightUtc + 10 * HOUR + 5 * 60_000)],
    );
    const r = await get(`/v1/forecasts/budgets?advertiserId=${ADV}&portfolioId=P1`);
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(1);
    const p = r.body.data[0];
    expect(p).toMatchObject({ portfolioId: 'P1', campaignIds: ['C1', 'C2'], spentSoFar: '120.00', budget: '200.00' });
    expect(p.campaignId).toBeUndefined();
    // 192.00 a usual day; today hot (120.00 where 80.00 was usual by 10:00): it runs out in the afternoon
    expect(p.label).toBe('overpacing');
    const hourOf = (iso: string) => Number(iso.slice(11, 13)) + Number(iso.slice(14, 16)) / 60;
    expect(hourOf(p.exhaustion.p50)).toBeGreaterThan(10);
    expect(hourOf(p.exhaustion.p10)).toBeLessThanOrEqual(hourOf(p.exhaustion.p50));
    expect(p.projected[0].p50).toMatch(MONEY);
    expect(p.model.profileSource).toBe('campaign');
    expect((await get(`/v1/forecasts/budgets?advertiserId=${ADV}&portfolioId=P2`)).body).toEqual({ data: [] });
    const both = await get(`/v1/forecasts/budgets?advertiserId=${ADV}&portfolioId=P1&campaignId=C1`);
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body)).toContain('campaignId');
  });

  it('answers expected performance per local hour with bands and the actual beside it', async () => {
    const from = addDays(today, -1);
    const to = addDays(today, 1);
    const r = await get(`/v1/forecasts/performance?campaignId=C2&from=${from}&to=${to}`);
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(72);
    for (const h of r.body.data) {
      for (const m of ['spend', 'clicks', 'orders', 'sales']) {
        const e = h.expected[m];
        expect(Number(e.p10)).toBeLessThanOrEqual(Number(e.p50));
        expect(Number(e.p50)).toBeLessThanOrEqual(Number(e.p90));
      }
      expect(h.expected.spend.p50).toMatch(MONEY);
    }
    const yesterdayNoon = r.body.data[12];
    expect(yesterdayNoon).toMatchObject({ localDate: from, hour: 12, actual: { spend: '4.00', clicks: 8 } });
    // a steady campaign: the expectation brackets what it did
    expect(Number(yesterdayNoon.expected.spend.p10)).toBeLessThanOrEqual(4);
    expect(Number(yesterdayNoon.expected.spend.p90)).toBeGreaterThanOrEqual(4);
    const tomorrow = r.body.data[48];
    expect(tomorrow).toMatchObject({ localDate: to, hour: 0, modelFitDate: today, actual: { spend: null } });
  });

  it('answers 400 naming the bad parameter', async () => {
    const bad = async (q: string, field: string) => {
      const r = await get(`/v1/forecasts/${q}`);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toContain(field);
    };
    await bad('performance?from=2026-01-01&to=2026-01-02', 'campaignId');
    await bad('performance?campaignId=C1&from=2026-13-01&to=2026-01-02', 'from');
    await bad('performance?campaignId=C1&from=2026-01-01&to=2026-02-01', 'to');
    await bad('performance?campaignId=C1&from=2026-01-05&to=2026-01-02', 'to');
    await bad('budgets?advertiserId=no%20spaces', 'advertiserId');
    expect((await get(`/v1/forecasts/performance?campaignId=NOPE&from=${today}&to=${today}`)).status).toBe(404);
  });
});
