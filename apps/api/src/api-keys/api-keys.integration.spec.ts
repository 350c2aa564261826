import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const ADMIN = 'managed-admin-key-0123456789';
type Json = Record<string, unknown> & { data: Array<Record<string, unknown>>; nextCursor: string | null };

/** Keys created through /v1/api-keys: shown once, stored as a digest, limited to advertisers, revoked on every replica. */
describe('api: managed keys and advertiser limits (real PostgreSQL, two api replicas)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  let replica: RunningTestApp<ApiEnv>;
  const call = async (method: string, path: string, key: string, body?: unknown, base = api.baseUrl) => {
    const res = await fetch(`${base}${path}`, {
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
  const createKey = async (body: unknown) => {
    const r = await call('POST', '/v1/api-keys', ADMIN, body);
    expect(r.status).toBe(201);
    return r.body as unknown as { id: string; key: string };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const recent = new Date(Date.now() - 3_600_000);
    recent.setUTCMinutes(0, 0, 0);
    await pg.query(
      `INSERT INTO ams_entity (advertiser_id, entity_type, entity_id, version, marketplace_id, name, state, ad_product, raw)
       VALUES ('ADV1', 'campaign', 'C1', 1, 'M', 'mine', 'ENABLED', 'SPONSORED_PRODUCTS', '{}'),
              ('ADV2', 'campaign', 'C2', 1, 'M', 'theirs', 'ENABLED', 'SPONSORED_PRODUCTS', '{}')`,
    );
    await pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start,
         utc_offset_minutes, ad_product, impressions, clicks, cost)
       VALUES ('ADV1', 'M', 'C1', 'G', 'A', 'K', 'P', $1, 0, 'sp', 100, 5, 1.00),
              ('ADV2', 'M', 'C2', 'G', 'A', 'K', 'P', $1, 0, 'sp', 200, 9, 2.00),
              ('ADV2', 'M', 'C9', 'G', 'A', 'K', 'P', $1, 0, 'sp', 1, 1, 0.10)`,
      [recent.toISOString()],
    );
    await pg.query(
      `INSERT INTO budget_usage_latest (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id, usage_updated_at, ad_product, budget, usage_percentage)
       VALUES ('ADV1', 'M', 'CAMPAIGN', 'C1', now(), 'sp', 50, 10), ('ADV2', 'M', 'CAMPAIGN', 'C2', now(), 'sp', 50, 90)`,
    );
    const { rows } = await pg.query(
      `INSERT INTO alert_rule (name, metric, condition, threshold, entity_level, scope_type, scope_id, repeat_interval_minutes)
       VALUES ('all', 'cpc', 'above', 1, 'campaign', 'all', NULL, 60), ('adv2 only', 'cpc', 'above', 1, 'campaign', 'advertiser', 'ADV2', 60)
       RETURNING id`,
    );
    await pg.query(
      `INSERT INTO alert (rule_id, advertiser_id, entity_type, entity_id, campaign_id, window_key, state, threshold, fired_at)
       VALUES ($1, 'ADV1', 'campaign', 'C1', 'C1', '', 'firing', 1, now()), ($1, 'ADV2', 'campaign', 'C2', 'C2', '', 'firing', 1, now())`,
      [rows[0].id],
    );
    await pg.query(
      `INSERT INTO quarantine (quarantine_key, source, code, reason, raw_body, received_at) VALUES ('q1', 'ingestor', 'not-json', 'x', 'x', now())`,
    );
    const env = { ...baseTestEnv(db, uniquePrefix('apikeys')), API_KEYS: ADMIN };
    api = await startNestApp(appDefinition, env);
    replica = await startNestApp(appDefinition, env);
  });
  afterAll(async () => {
    await replica?.close();
    await api?.close();
    await pg?.end();
    await db?.drop();
  });

  it('creates a key shown once and stored only as its SHA-256 digest', async () => {
    const created = await createKey({ name: 'dashboard', scope: 'read' });
    expect(created).toMatchObject({
      name: 'dashboard',
      scope: 'read',
      advertiserIds: null,
      createdBy: expect.stringMatching(/^env:[0-9a-f]{12}$/),
    });
    expect(created.key).toMatch(/^ams_[A-Za-z0-9_-]{43}$/);
    const { rows } = await pg.query(
      `SELECT encode(key_digest, 'hex') AS digest, row_to_json(api_key)::text AS row FROM api_key WHERE id = $1`,
      [created.id],
    );
    expect(rows[0].digest).toBe(createHash('sha256').update(created.key).digest('hex'));
    expect(rows[0].row).not.toContain(created.key);
    const list = await call('GET', '/v1/api-keys', ADMIN);
    expect(JSON.stringify(list.body)).not.toContain(created.key);
    expect(list.body.data.find((k) => k['id'] === created.id)).toMatchObject({
      name: 'dashboard',
      scope: 'read',
      lastUsedAt: null,
      revokedAt: null,
    });
    // the key works, with its scope, and its use is recorded (at most about once a minute)
    expect((await call('GET', '/v1/campaigns', created.key)).status).toBe(200);
    expect(await call('PUT', '/v1/advertisers/ADV1/settings', created.key, {})).toMatchObject({
      status: 403,
      body: { code: 'SCOPE_REQUIRED' },
    });
    const used = await pg.query(`SELECT last_used_at FROM api_key WHERE id = $1`, [created.id]);
    expect(used.rows[0].last_used_at).not.toBeNull();
    const first = (used.rows[0].last_used_at as Date).getTime();
    for (let i = 0; i < 5; i++) await call('GET', '/v1/campaigns', created.key);
    const again = await pg.query(`SELECT last_used_at FROM api_key WHERE id = $1`, [created.id]);
    expect((again.rows[0].last_used_at as Date).getTime()).toBe(first);
  });

  it('refuses bad key requests with 400 naming the field, and non-admin callers with 403', async () => {
    expect(await call('POST', '/v1/api-keys', ADMIN, { name: 'x', scope: 'root' })).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'scope' }] },
    });
    expect(
      await call('POST', '/v1/api-keys', ADMIN, { name: 'x', scope: 'admin', advertiserIds: ['ADV1'] }),
    ).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'advertiserIds' }] },
    });
    expect(
      await call('POST', '/v1/api-keys', ADMIN, { name: 'x', scope: 'read', advertiserIds: ['no spaces'] }),
    ).toMatchObject({ status: 400 });
    const operator = await createKey({ name: 'ops', scope: 'operator' });
    expect(await call('POST', '/v1/api-keys', operator.key, { name: 'y', scope: 'admin' })).toMatchObject({
      status: 403,
      body: { requiredScope: 'admin' },
    });
    expect((await call('GET', '/v1/api-keys', operator.key)).status).toBe(403);
  });

  it('a key limited to an advertiser sees only its rows and gets 404 for the rest', async () => {
    const { key } = await createKey({ name: 'client ADV1', scope: 'operator', advertiserIds: ['ADV1'] });
    const ids = (r: { body: Json }, field: string) => r.body.data.map((x) => x[field]);
    // lists without an advertiser filter: only ADV1's rows
    expect(ids(await call('GET', '/v1/campaigns', key), 'campaignId')).toEqual(['C1']);
    expect(ids(await call('GET', '/v1/budgets', key), 'budgetScopeId')).toEqual(['C1']);
    expect(ids(await call('GET', '/v1/alerts', key), 'advertiserId')).toEqual(['ADV1']);
    expect(ids(await call('GET', '/v1/alert-rules', key), 'name')).toEqual(['all']);
    expect((await call('GET', '/v1/quarantine', key)).body.data).toEqual([]);
    expect((await call('GET', '/v1/subscriptions', key)).body.data).toEqual([]);
    // the other advertiser's things do not exist for this key
    expect((await call('GET', '/v1/campaigns?advertiserId=ADV2', key)).status).toBe(404);
    expect((await call('GET', '/v1/campaigns/C2', key)).status).toBe(404);
    expect((await call('GET', '/v1/campaigns/C9', key)).status).toBe(404);
    expect((await call('GET', '/v1/budgets?advertiserId=ADV2', key)).status).toBe(404);
    expect((await call('GET', '/v1/alerts?advertiserId=ADV2', key)).status).toBe(404);
    expect((await call('GET', '/v1/advertisers/ADV2/settings', key)).status).toBe(404);
    expect(
      (await call('GET', '/v1/performance?advertiserId=ADV2&from=2025-01-01&to=2025-01-02&granularity=day', key))
        .status,
    ).toBe(404);
    expect(
      await call('GET', '/v1/performance?campaignId=C2&from=2025-01-01&to=2025-01-02&granularity=day', key),
    ).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'advertiserId' }] },
    });
    const theirs = await pg.query(`SELECT id::text FROM alert WHERE advertiser_id = 'ADV2'`);
    expect((await call('GET', `/v1/alerts/${theirs.rows[0].id}`, key)).status).toBe(404);
    // commands too: acknowledging another advertiser's alert is a 404, decided before the alerter is asked
    expect(await call('POST', `/v1/alerts/${theirs.rows[0].id}/acknowledge`, key, {})).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });
    const rule = await pg.query(`SELECT id::text FROM alert_rule WHERE scope_id = 'ADV2'`);
    expect((await call('GET', `/v1/alert-rules/${rule.rows[0].id}`, key)).status).toBe(404);
    const q = await pg.query(`SELECT id::text FROM quarantine`);
    expect((await call('GET', `/v1/quarantine/${q.rows[0].id}`, key)).status).toBe(404);
    // its own are there
    expect((await call('GET', '/v1/campaigns/C1', key)).status).toBe(200);
    expect((await call('GET', '/v1/advertisers/ADV1/settings', key)).status).toBe(200);
    expect(
      (await call('GET', '/v1/performance?advertiserId=ADV1&from=2025-01-01&to=2025-01-02&granularity=day', key))
        .status,
    ).toBe(200);
    // an unrestricted key sees both
    expect(ids(await call('GET', '/v1/campaigns', ADMIN), 'campaignId')).toEqual(['C1', 'C2', 'C9']);
  });

  it('a revoked key is refused at once on every replica', async () => {
    const { id, key } = await createKey({ name: 'to revoke', scope: 'read' });
    expect((await call('GET', '/v1/campaigns', key, undefined, replica.baseUrl)).status).toBe(200);
    const revoked = await call('DELETE', `/v1/api-keys/${id}`, ADMIN);
    expect(revoked).toMatchObject({ status: 200, body: { id, revokedAt: expect.any(String) } });
    expect(await call('GET', '/v1/campaigns', key)).toMatchObject({ status: 403, body: { code: 'KEY_REVOKED' } });
    expect(await call('GET', '/v1/campaigns', key, undefined, replica.baseUrl)).toMatchObject({
      status: 403,
      body: { code: 'KEY_REVOKED' },
    });
    expect((await call('DELETE', '/v1/api-keys/999999', ADMIN)).status).toBe(404);
  });
});
