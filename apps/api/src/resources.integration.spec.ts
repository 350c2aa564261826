import { Client } from 'pg';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from './app.module';
import { ApiEnv } from './config/api.env';

const KEY = 'resources-key-0123456789abcdef';
type Json = Record<string, unknown> & { data: Array<Record<string, unknown>>; nextCursor: string | null };

/** The read endpoints over data written straight into the tables the other apps own. */
describe('api: campaigns, budgets, quarantine, subscriptions, health (real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: RunningTestApp<ApiEnv>;
  const get = async (path: string, key: string | null = KEY) => {
    const res = await fetch(`${api.baseUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const recent = new Date(Date.now() - 3_600_000);
    recent.setUTCMinutes(0, 0, 0);
    await pg.query(
      `INSERT INTO ams_entity (advertiser_id, entity_type, entity_id, version, marketplace_id, name, state, ad_product, budget_amount, budget_currency, raw)
       VALUES ('ADV1', 'campaign', 'C1', 7, 'M', 'SP - Earbuds - Exact', 'ENABLED', 'SPONSORED_PRODUCTS', 50, 'USD', '{}'),
              ('ADV1', 'campaign', 'C3', 2, 'M', 'Brand defense', 'PAUSED', 'SPONSORED_PRODUCTS', 20.5, 'USD', '{}')`,
    );
    await pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start,
         utc_offset_minutes, ad_product, impressions, clicks, cost, orders_7d, sales_7d)
       VALUES ('ADV1', 'M', 'C1', 'G', 'A', 'K', 'P', $1, -420, 'sp', 1000, 20, 12.34, 2, 50.00),
              ('ADV1', 'M', 'C2', 'G', 'A', 'K', 'P', $1, -420, 'sp', 10, 1, 0.50, 0, 0)`,
      [recent.toISOString()],
    );
    await pg.query(
      `INSERT INTO budget_usage_latest (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id, usage_updated_at, ad_product, budget, usage_percentage)
       VALUES ('ADV1', 'M', 'CAMPAIGN', 'C1', '2025-06-03T21:47:21Z', 'sp', 50, 95.12)`,
    );
    for (let i = 0; i < 3; i++) {
      await pg.query(
        `INSERT INTO quarantine (quarantine_key, source, code, reason, dataset_id, raw_body, received_at)
         VALUES ($1, 'ingestor', 'not-json', 'body: is not JSON', NULL, $2, now())`,
        [`q-${i}`, i === 2 ? 'x'.repeat(5000) : `bad body ${i}`],
      );
    }
    await pg.query(
      `INSERT INTO subscription_confirmation (topic_arn, dataset_id, realm, region, account_id, outcome)
       VALUES ('arn:aws:sns:us-east-1:906013806264:T', 'sp-traffic', 'NA', 'us-east-1', '906013806264', 'confirmed')`,
    );
    await pg.end();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apires')),
      API_KEYS: KEY,
      API_RATE_LIMIT_PER_MINUTE: '60',
      SQS_QUEUE_URLS: 'https://sqs.us-east-1.amazonaws.com/123456789012/ams-stream',
      SLACK_WEBHOOKS: 'ops=https://hooks.slack.com/services/T000/B000/SECRETSECRET',
    });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('lists campaigns from the campaign datasets and from performance data, with last-24 h totals', async () => {
    const { status, body } = await get('/v1/campaigns?advertiserId=ADV1');
    expect(status).toBe(200);
    expect(body.data.map((c) => c['campaignId'])).toEqual(['C1', 'C2', 'C3']);
    expect(body.data[0]).toMatchObject({
      name: 'SP - Earbuds - Exact',
      state: 'ENABLED',
      budget: { amount: '50.00', currency: 'USD' },
      last24h: {
        impressions: 1000,
        clicks: 20,
        cost: '12.34',
        orders: 2,
        sales: '50.00',
        cpc: '0.62',
        roas: expect.closeTo(4.051864, 5),
      },
    });
    expect(body.data[1]).toMatchObject({ campaignId: 'C2', name: null, last24h: { clicks: 1 } });
    expect(body.data[2]).toMatchObject({ campaignId: 'C3', last24h: { clicks: 0, cost: '0.00', ctr: null } });
  });

  it('searches by name, pages with a cursor, and answers one campaign or 404', async () => {
    expect((await get('/v1/campaigns?q=earbuds')).body.data.map((c) => c['campaignId'])).toEqual(['C1']);
    const first = await get('/v1/campaigns?limit=2');
    expect(first.body.data).toHaveLength(2);
    const second = await get(`/v1/campaigns?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((c) => c['campaignId'])).toEqual(['C3']);
    expect(second.body.nextCursor).toBeNull();
    expect((await get('/v1/campaigns/C3')).body).toMatchObject({
      campaignId: 'C3',
      name: 'Brand defense',
      budget: { amount: '20.50' },
    });
    expect((await get('/v1/campaigns/NOPE')).status).toBe(404);
    expect((await get('/v1/campaigns?limit=5000')).status).toBe(400);
  });

  it('shows the latest budget usage with the campaign name', async () => {
    const { body } = await get('/v1/budgets?advertiserId=ADV1');
    expect(body.data).toEqual([
      {
        advertiserId: 'ADV1',
        marketplaceId: 'M',
        budgetScopeType: 'CAMPAIGN',
        budgetScopeId: 'C1',
        name: 'SP - Earbuds - Exact',
        adProduct: 'sp',
        budget: '50.00',
        usagePercentage: 95.12,
        usageUpdatedAt: '2025-06-03T21:47:21.000Z',
      },
    ]);
  });

  it('lists quarantine newest first with a preview, shows one in full, and 503s a replay nobody answers', async () => {
    const list = await get('/v1/quarantine?limit=2');
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data[0]).toMatchObject({ code: 'not-json', rawBodyBytes: 5000, rawBodyTruncated: true });
    const rest = await get(`/v1/quarantine?limit=2&cursor=${list.body.nextCursor}`);
    expect(rest.body.data).toHaveLength(1);
    const id = String(list.body.data[0]['id']);
    const one = await get(`/v1/quarantine/${id}`);
    expect((one.body['rawBody'] as string).length).toBe(5000);
    expect((await get('/v1/quarantine/999999')).status).toBe(404);
    expect((await get('/v1/quarantine/abc')).status).toBe(400);
    // no processor in this test: the command has no responder → 503, not a hang
    const t0 = Date.now();
    const res = await fetch(`${api.baseUrl}/v1/quarantine/${id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'COMMAND_TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(11_000);
  });

  it('lists subscription confirmations', async () => {
    const { body } = await get('/v1/subscriptions');
    expect(body.data[0]).toMatchObject({ datasetId: 'sp-traffic', outcome: 'confirmed', accountId: '906013806264' });
  });

  it('GET /health names the configured integrations without secrets and without a key', async () => {
    // with a key it names the queues and counts the keys (without one it only says what is configured: exposure spec)
    const res = await fetch(`${api.baseUrl}/health`, { headers: { authorization: `Bearer ${KEY}` } });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain('SECRETSECRET');
    expect(text).not.toContain(KEY);
    expect(JSON.parse(text)).toMatchObject({
      integrations: {
        sqs: { configured: true, queues: ['ams-stream'] },
        slack: { configured: true, destinations: ['ops'] },
        auth: { apiKeys: 1 },
      },
    });
  });

  it('rate-limits with 429 and Retry-After, per key', async () => {
    let limited: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 80 && !limited; i++) {
      const r = await get('/v1/subscriptions');
      if (r.status === 429) limited = r;
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // health is never throttled
    expect((await fetch(`${api.baseUrl}/health/live`)).status).toBe(200);
  });
});
