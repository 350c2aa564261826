import { Client } from 'pg';
import { ENTITY_LATEST_COLUMNS, entityLatestLookupSql } from '@ams/db';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const KEY = 'entity-latest-spec-key-0123456789';
const HOUR = 3_600_000;

type Json = Record<string, unknown> & { data: Array<Record<string, unknown>>; nextCursor: string | null };

/**
 * Names, states and budgets of campaigns, budgets and alerts are entity_latest's: the newer of the AMS campaign record
 * (by its change time) and the Ads API entity sync (by when it listed). Seeded as the processor and the connector write.
 */
describe('api: names and budgets from entity_latest (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  const t = (hoursAgo: number) => new Date(Date.now() - hoursAgo * HOUR).toISOString();
  const get = async (path: string) => {
    const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
    return { status: res.status, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    // C1: the sync (1 h ago) is newer than the AMS change (3 h ago): the sync wins
    // C2: the AMS change (30 min ago) is newer than the sync (1 h ago): AMS wins
    // C3: only synced, no performance row at all; C4: only AMS, without changed_at (stored 5 h ago), older than the sync
    await pg.query(
      `INSERT INTO ams_entity (advertiser_id, entity_type, entity_id, version, marketplace_id, name, state, ad_product,
         budget_amount, budget_currency, raw, changed_at, updated_at)
       VALUES ('ADV1', 'campaign', 'C1', 4, 'M', 'C1 old AMS name', 'PAUSED', 'SPONSORED_PRODUCTS', 10, 'USD', '{}', $1, $1),
              ('ADV1', 'campaign', 'C2', 9, 'M', 'C2 renamed in AMS', 'ENABLED', 'SPONSORED_PRODUCTS', 99.5, 'USD', '{}', $2, $2),
              ('ADV1', 'campaign', 'C4', 2, 'M', 'C4 old', 'PAUSED', 'SPONSORED_PRODUCTS', 1, 'USD', '{}', NULL, $3)`,
      [t(3), t(0.5), t(5)],
    );
    await pg.query(
      `INSERT INTO ads_entity (advertiser_id, entity_type, entity_id, profile_id, marketplace_id, ad_product, name, state,
         budget_amount, budget_type, budget_currency, observed_at, raw)
       VALUES ('ADV1', 'campaign', 'C1', '11', 'M', 'SPONSORED_PRODUCTS', 'C1 synced name', 'ENABLED', 25, 'DAILY', 'USD', $1, '{}'),
              ('ADV1', 'campaign', 'C2', '11', 'M', 'SPONSORED_PRODUCTS', 'C2 synced before the change', 'PAUSED', 40, 'DAILY', 'USD', $1, '{}'),
              ('ADV1', 'campaign', 'C3', '11', 'M', 'SPONSORED_BRANDS', 'C3 synced, no data yet', 'ENABLED', 70, 'DAILY', 'USD', $1, '{}'),
              ('ADV1', 'campaign', 'C4', '11', 'M', 'SPONSORED_PRODUCTS', 'C4 synced', 'ENABLED', 5, 'LIFETIME', 'USD', $1, '{}'),
              ('ADV1', 'target', 'K1', '11', 'M', 'SPONSORED_PRODUCTS', 'running shoes', 'ENABLED', NULL, NULL, NULL, $1, '{}')`,
      [t(1)],
    );
    const recent = new Date(Date.now() - HOUR);
    recent.setUTCMinutes(0, 0, 0);
    await pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start,
         utc_offset_minutes, ad_product, impressions, clicks, cost)
       VALUES ('ADV1', 'M', 'C1', 'G', 'A', 'K1', 'P', $1, 0, 'sp', 100, 5, 1.00)`,
      [recent.toISOString()],
    );
    await pg.query(
      `INSERT INTO budget_usage_latest (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id, usage_updated_at, ad_product, budget, usage_percentage)
       VALUES ('ADV1', 'M', 'CAMPAIGN', 'C1', now(), 'sp', 25, 10), ('ADV1', 'M', 'CAMPAIGN', 'C2', now(), 'sp', 99.5, 90),
              ('ADV1', 'M', 'PORTFOLIO', 'C1', now(), 'sp', 500, 1)`,
    );
    const { rows } = await pg.query(
      `INSERT INTO alert_rule (name, metric, condition, threshold, entity_level, scope_type, scope_id, repeat_interval_minutes)
       VALUES ('cpc', 'cpc', 'above', 1, 'keyword', 'all', NULL, 60) RETURNING id`,
    );
    await pg.query(
      `INSERT INTO alert (rule_id, advertiser_id, entity_type, entity_id, campaign_id, window_key, state, threshold, fired_at)
       VALUES ($1, 'ADV1', 'keyword', 'K1', 'C1', '', 'firing', 1, now()), ($1, 'ADV1', 'campaign', 'C2', 'C2', '', 'firing', 1, now())`,
      [rows[0].id],
    );
    api = await startNestApp(appDefinition, { ...baseTestEnv(db, uniquePrefix('apientity')), API_KEYS: KEY });
  });
  afterAll(async () => {
    await api?.close();
    await pg?.end();
    await db?.drop();
  });

  it('GET /v1/campaigns: the newer source wins for each campaign; a synced campaign without data is listed', async () => {
    const { status, body } = await get('/v1/campaigns?advertiserId=ADV1');
    expect(status).toBe(200);
    const byId = Object.fromEntries(body.data.map((c) => [c['campaignId'], c]));
    expect(Object.keys(byId)).toEqual(['C1', 'C2', 'C3', 'C4']);
    expect(byId['C1']).toMatchObject({
      name: 'C1 synced name',
      state: 'ENABLED',
      budget: { amount: '25.00', currency: 'USD', type: 'DAILY' },
      version: null,
      source: { kind: 'ads_api' },
      last24h: { impressions: 100, clicks: 5 },
    });
    expect(byId['C2']).toMatchObject({
      name: 'C2 renamed in AMS',
      state: 'ENABLED',
      budget: { amount: '99.50', currency: 'USD', type: null },
      version: 9,
      source: { kind: 'ams' },
    });
    expect(byId['C3']).toMatchObject({
      name: 'C3 synced, no data yet',
      adProduct: 'SPONSORED_BRANDS',
      budget: { amount: '70.00' },
      last24h: { impressions: 0, clicks: 0, cost: '0.00' },
    });
    expect(byId['C4']).toMatchObject({ name: 'C4 synced', budget: { amount: '5.00', type: 'LIFETIME' } });
    expect((await get('/v1/campaigns/C3')).body).toMatchObject({ campaignId: 'C3', name: 'C3 synced, no data yet' });
    // pages over both sources and the facts in key order
    const first = await get('/v1/campaigns?advertiserId=ADV1&limit=3');
    const second = await get(`/v1/campaigns?advertiserId=ADV1&limit=3&cursor=${String(first.body.nextCursor)}`);
    expect([...first.body.data, ...second.body.data].map((c) => c['campaignId'])).toEqual(['C1', 'C2', 'C3', 'C4']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('q matches the name shown, not one a newer source replaced', async () => {
    const names = async (q: string) =>
      (await get(`/v1/campaigns?q=${encodeURIComponent(q)}`)).body.data.map((c) => c['campaignId']);
    expect(await names('old AMS name')).toEqual([]);
    expect(await names('synced name')).toEqual(['C1']);
    expect(await names('synced before the change')).toEqual([]);
    expect(await names('renamed in AMS')).toEqual(['C2']);
    expect(await names('synced')).toEqual(['C1', 'C3', 'C4']);
    expect(await names('C2')).toEqual(['C2']); // an exact id
  });

  it('GET /v1/budgets and GET /v1/alerts show the same names', async () => {
    const budgets = (await get('/v1/budgets?advertiserId=ADV1')).body.data;
    expect(budgets.map((b) => [b['budgetScopeType'], b['budgetScopeId'], b['name']])).toEqual([
      ['CAMPAIGN', 'C1', 'C1 synced name'],
      ['CAMPAIGN', 'C2', 'C2 renamed in AMS'],
      ['PORTFOLIO', 'C1', null],
    ]);
    const alerts = (await get('/v1/alerts?advertiserId=ADV1')).body.data;
    const entities = alerts.map((a) => a['entity'] as { id: string; name: string | null });
    expect(entities.map((e) => [e.id, e.name]).sort()).toEqual([
      ['C2', 'C2 renamed in AMS'],
      ['K1', 'running shoes'],
    ]);
  });

  it('the api lookup follows the view rule row for row, and both read through the primary keys', async () => {
    const cols = ENTITY_LATEST_COLUMNS.join(', ');
    const view = await pg.query(`SELECT ${cols} FROM entity_latest ORDER BY advertiser_id, entity_type, entity_id`);
    const lookup = await pg.query(
      `SELECT e.${ENTITY_LATEST_COLUMNS.join(', e.')}
         FROM (SELECT advertiser_id, entity_type, entity_id FROM ams_entity UNION SELECT advertiser_id, entity_type, entity_id FROM ads_entity) k
         CROSS JOIN LATERAL (${entityLatestLookupSql('k.advertiser_id', 'k.entity_type', 'k.entity_id')}) e
        ORDER BY 1, 2, 3`,
    );
    expect(view.rows).toHaveLength(5);
    expect(lookup.rows).toEqual(view.rows);

    const plan = async (sql: string) =>
      (await pg.query(`EXPLAIN (COSTS OFF) ${sql}`)).rows
        .map((r: Record<string, string>) => r['QUERY PLAN'])
        .join('\n');
    // at scale (5,000 more campaigns in each table, analysed) the planner must still go by the primary keys
    for (const table of ['ams_entity', 'ads_entity']) {
      await pg.query(
        table === 'ams_entity'
          ? `INSERT INTO ams_entity (advertiser_id, entity_type, entity_id, version, marketplace_id, raw)
             SELECT 'ADV' || (i % 50), 'campaign', 'X' || i, 1, 'M', '{}' FROM generate_series(1, 5000) i`
          : `INSERT INTO ads_entity (advertiser_id, entity_type, entity_id, profile_id, marketplace_id, ad_product, observed_at, raw)
             SELECT 'ADV' || (i % 50), 'campaign', 'X' || i, '11', 'M', 'SPONSORED_PRODUCTS', now(), '{}' FROM generate_series(1, 5000) i`,
      );
    }
    await pg.query('ANALYZE ams_entity, ads_entity, budget_usage_latest');
    const keyed = await plan(
      `SELECT * FROM entity_latest WHERE advertiser_id = 'ADV1' AND entity_type = 'campaign' AND entity_id = 'C1'`,
    );
    expect(keyed).toMatch(
      /Index Scan using ams_entity_pkey on ams_entity[\s\S]*Index Cond: \(\(advertiser_id = 'ADV1'/,
    );
    expect(keyed).toMatch(
      /Index Scan using ads_entity_pkey on ads_entity[\s\S]*Index Cond: \(\(advertiser_id = 'ADV1'/,
    );
    const joined = await plan(
      `SELECT e.name FROM budget_usage_latest b
         LEFT JOIN LATERAL (${entityLatestLookupSql('b.advertiser_id', `'campaign'`, 'b.budget_scope_id')}) e ON true`,
    );
    expect(joined).toMatch(/Index Scan using ams_entity_pkey[\s\S]*Index Cond: \(\(advertiser_id = b\.advertiser_id\)/);
    expect(joined).toMatch(/Index Scan using ads_entity_pkey[\s\S]*Index Cond: \(\(advertiser_id = b\.advertiser_id\)/);
  });
});
