import { Client } from 'pg';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const ADMIN = 'ads-spec-admin-key-0123456789';
const OPERATOR = 'ads-spec-operator-key-0123456789';
const READ = 'ads-spec-read-key-0123456789';
/** 2^53 + 1: a JS number would read it as 9007199254740992 */
const BIG = '9007199254740993';
const ARN = 'arn:aws:sqs:us-east-1:123456789012:ams-sp-traffic';

type Json = Record<string, unknown> & { data: Array<Record<string, unknown>>; nextCursor: string | null };

/**
 * The Ads API routes' reads from the connector's tables (rows seeded as the connector writes them), their scopes and
 * advertiser limits, and the commands' refusals that need no connector: bad bodies (400 naming the field, before any
 * command is sent), unknown subscriptions (404), and no connector running (503 naming it, at once).
 */
describe('api: /v1/ads reads, scopes and refusals (real PostgreSQL and NATS, no connector)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  let limitedKey: string;

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
    return { status: res.status, headers: res.headers, text, body: (text ? JSON.parse(text) : null) as Json };
  };
  const fieldsOf = (body: Json) =>
    [...new Set((body['errors'] as Array<{ field: string }>).map((e) => e.field))].sort();

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(
      `INSERT INTO ads_profile (profile_id, region, advertiser_id, marketplace_id, country_code, currency_code, time_zone,
         account_type, account_name, active, synced_at)
       VALUES ($1, 'NA', 'ADV1', 'ATVPDKIKX0DER', 'US', 'USD', 'America/Los_Angeles', 'seller', 'Earbuds Inc', true, '2026-12-01T10:00:00Z'),
              ('1200000000000002', 'EU', 'ADV1', 'A1PA6795UKMFR9', 'DE', 'EUR', 'Europe/Berlin', 'seller', 'Earbuds Inc', false, '2026-11-01T10:00:00Z'),
              ('3300000000000003', 'FE', 'ADV2', 'A1VC38T7YXB528', 'JP', 'JPY', 'Asia/Tokyo', 'vendor', 'Tokyo Vendor', true, '2026-12-01T10:00:00Z')`,
      [BIG],
    );
    await pg.query(
      `INSERT INTO ads_stream_subscription (subscription_id, profile_id, data_set_id, destination_arn, status, status_since, polled_at)
       VALUES ('amzn1.fead.sub1', $1, 'sp-traffic', $2, 'ACTIVE', '2026-12-01T10:00:00Z', '2026-12-01T11:00:00Z'),
              ('amzn1.fead.sub2', $1, 'sp-conversion', $2, 'PENDING_CONFIRMATION', '2026-12-01T10:00:00Z', '2026-12-01T11:00:00Z'),
              ('amzn1.fead.sub3', '3300000000000003', 'budget-usage', $2, 'SUSPENDED', '2026-12-01T09:00:00Z', '2026-12-01T11:00:00Z')`,
      [BIG, ARN],
    );
    await pg.query(
      `INSERT INTO ads_sync_state (kind, scope, status, started_at, finished_at, last_success_at, error, counts)
       VALUES ('profiles', 'NA', 'ok', '2026-12-01T10:00:00Z', '2026-12-01T10:00:02Z', '2026-12-01T10:00:02Z', NULL, '{"profiles": 2}'),
              ('entities', $1, 'failed', '2026-12-01T10:05:00Z', '2026-12-01T10:06:00Z', '2026-11-30T10:06:00Z', 'HTTP 500 after 3 tries', '{"campaign": 12}'),
              ('entities', '3300000000000003', 'ok', '2026-12-01T10:05:00Z', '2026-12-01T10:05:30Z', '2026-12-01T10:05:30Z', NULL, '{}')`,
      [BIG],
    );
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apiads')),
      API_KEYS: ADMIN,
      API_OPERATOR_KEYS: OPERATOR,
      API_READ_KEYS: READ,
      API_RATE_LIMIT_PER_MINUTE: '1000',
    });
    const created = await call('POST', '/v1/api-keys', ADMIN, {
      name: 'adv1 operator',
      scope: 'operator',
      advertiserIds: ['ADV1'],
    });
    expect(created.status).toBe(201);
    limitedKey = String(created.body['key']);
  });
  afterAll(async () => {
    await api?.close();
    await pg?.end();
    await db?.drop();
  });

  it('GET /v1/ads/connection: unconfigured before the connector writes its state, then its state and syncs, no secret', async () => {
    const before = await call('GET', '/v1/ads/connection', READ);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ configured: false, state: 'unconfigured', region: null, lastError: null });

    await pg.query(
      `INSERT INTO ads_connection (region, state, last_token_refresh_at, last_error, last_error_at)
       VALUES ('NA', 'needs_reauthorization', '2026-12-01T09:00:00Z', 'invalid_grant: the refresh token was revoked', '2026-12-01T10:00:00Z')`,
    );
    const after = await call('GET', '/v1/ads/connection', READ);
    expect(after.body).toMatchObject({
      configured: true,
      region: 'NA',
      state: 'needs_reauthorization',
      lastTokenRefreshAt: '2026-12-01T09:00:00.000Z',
      lastError: 'invalid_grant: the refresh token was revoked',
      lastErrorAt: '2026-12-01T10:00:00.000Z',
    });
    expect(Object.keys(after.body).sort()).toEqual(
      ['configured', 'lastError', 'lastErrorAt', 'lastTokenRefreshAt', 'region', 'state', 'syncs', 'updatedAt'].sort(),
    );
    const syncs = after.body['syncs'] as Array<Record<string, unknown>>;
    expect(syncs.map((s) => `${s['kind']}:${s['scope']}:${s['status']}`)).toEqual([
      `entities:3300000000000003:ok`,
      `entities:${BIG}:failed`,
      'profiles:NA:ok',
    ]);
    expect(syncs.find((s) => s['status'] === 'failed')).toMatchObject({
      error: 'HTTP 500 after 3 tries',
      lastSuccessAt: '2026-11-30T10:06:00.000Z',
      counts: { campaign: 12 },
    });
    // a key limited to ADV1 sees the profile listings and its own profiles' syncs only
    const limited = await call('GET', '/v1/ads/connection', limitedKey);
    expect((limited.body['syncs'] as Array<Record<string, unknown>>).map((s) => s['scope'])).toEqual([BIG, 'NA']);
  });

  it('GET /v1/ads/profiles: exact ids, filter, pages, and a limited key sees only its advertisers', async () => {
    const all = await call('GET', '/v1/ads/profiles', READ);
    expect(all.status).toBe(200);
    expect(all.body.data.map((p) => p['profileId'])).toEqual(['1200000000000002', '3300000000000003', BIG]);
    // the id travels as its exact digits in the JSON text, never through a JS number
    expect(all.text).toContain(`"profileId":"${BIG}"`);
    expect(all.body.data[2]).toEqual({
      profileId: BIG,
      advertiserId: 'ADV1',
      region: 'NA',
      marketplaceId: 'ATVPDKIKX0DER',
      countryCode: 'US',
      currencyCode: 'USD',
      timeZone: 'America/Los_Angeles',
      accountType: 'seller',
      accountSubType: null,
      name: 'Earbuds Inc',
      dailyBudget: null,
      active: true,
      syncedAt: '2026-12-01T10:00:00.000Z',
    });
    const active = await call('GET', '/v1/ads/profiles?active=true', READ);
    expect(active.body.data.map((p) => p['profileId'])).toEqual(['3300000000000003', BIG]);
    const inactive = await call('GET', '/v1/ads/profiles?active=false', READ);
    expect(inactive.body.data.map((p) => p['profileId'])).toEqual(['1200000000000002']);

    const first = await call('GET', '/v1/ads/profiles?limit=2', READ);
    expect(first.body.data).toHaveLength(2);
    const second = await call('GET', `/v1/ads/profiles?limit=2&cursor=${String(first.body.nextCursor)}`, READ);
    expect(second.body.data.map((p) => p['profileId'])).toEqual([BIG]);
    expect(second.body.nextCursor).toBeNull();

    const mine = await call('GET', '/v1/ads/profiles', limitedKey);
    expect(mine.body.data.map((p) => p['advertiserId'])).toEqual(['ADV1', 'ADV1']);

    const bad = await call('GET', '/v1/ads/profiles?active=yes&limit=0', READ);
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['active', 'limit']);
    expect(fieldsOf((await call('GET', '/v1/ads/profiles?cursor=nope', READ)).body)).toEqual(['cursor']);
  });

  it('GET /v1/ads/stream-subscriptions: by profile, limited to the key advertisers (404 beyond), refresh needs operator', async () => {
    const all = await call('GET', '/v1/ads/stream-subscriptions', READ);
    expect(all.body.data.map((s) => s['subscriptionId'])).toEqual([
      'amzn1.fead.sub1',
      'amzn1.fead.sub2',
      'amzn1.fead.sub3',
    ]);
    expect(all.body.data[2]).toEqual({
      subscriptionId: 'amzn1.fead.sub3',
      profileId: '3300000000000003',
      advertiserId: 'ADV2',
      dataSetId: 'budget-usage',
      destinationArn: ARN,
      status: 'SUSPENDED',
      statusSince: '2026-12-01T09:00:00.000Z',
      notes: null,
      createdDate: null,
      updatedDate: null,
      polledAt: '2026-12-01T11:00:00.000Z',
    });
    const one = await call('GET', `/v1/ads/stream-subscriptions?profileId=${BIG}&limit=1`, READ);
    expect(one.body.data.map((s) => s['dataSetId'])).toEqual(['sp-traffic']);
    const next = await call(
      'GET',
      `/v1/ads/stream-subscriptions?profileId=${BIG}&limit=1&cursor=${String(one.body.nextCursor)}`,
      READ,
    );
    expect(next.body.data.map((s) => s['dataSetId'])).toEqual(['sp-conversion']);
    expect(next.body.nextCursor).toBeNull();

    const mine = await call('GET', '/v1/ads/stream-subscriptions', limitedKey);
    expect(mine.body.data.map((s) => s['profileId'])).toEqual([BIG, BIG]);
    expect((await call('GET', '/v1/ads/stream-subscriptions?profileId=3300000000000003', limitedKey)).status).toBe(404);
    expect((await call('GET', '/v1/ads/stream-subscriptions?profileId=3300000000000099', limitedKey)).status).toBe(404);

    const refresh = await call('GET', '/v1/ads/stream-subscriptions?refresh=true', READ);
    expect(refresh.status).toBe(403);
    expect(refresh.body).toMatchObject({ code: 'SCOPE_REQUIRED', requiredScope: 'operator' });
    const unnamed = await call('GET', '/v1/ads/stream-subscriptions?refresh=true', limitedKey);
    expect(unnamed.status).toBe(400);
    expect(fieldsOf(unnamed.body)).toEqual(['profileId']);

    const bad = await call('GET', '/v1/ads/stream-subscriptions?profileId=12ab&refresh=1', READ);
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['profileId', 'refresh']);
  });

  it('a read key reads but every change is 403 SCOPE_REQUIRED; an operator key cannot change either', async () => {
    const changes: Array<[string, string, unknown]> = [
      ['POST', '/v1/ads/profiles/sync', {}],
      ['POST', '/v1/ads/entities/sync', {}],
      ['POST', '/v1/ads/stream-subscriptions', { profileId: BIG, dataSetIds: ['sp-traffic'], destinationArn: ARN }],
      ['DELETE', '/v1/ads/stream-subscriptions/amzn1.fead.sub1', undefined],
    ];
    for (const key of [READ, OPERATOR]) {
      for (const [method, path, body] of changes) {
        const res = await call(method, path, key, body);
        expect([method, path, res.status, res.body['code'], res.body['requiredScope']]).toEqual([
          method,
          path,
          403,
          'SCOPE_REQUIRED',
          'admin',
        ]);
      }
    }
  });

  it('refuses bad bodies with 400 naming each field, before any command is sent', async () => {
    const post = (body: unknown) => call('POST', '/v1/ads/stream-subscriptions', ADMIN, body);
    const bad = await post({ profileId: '12.5', dataSetIds: ['SP TRAFFIC'], destinationArn: 'arn:aws:sns:x' });
    expect(bad.status).toBe(400);
    expect(bad.body['code']).toBe('VALIDATION');
    expect(fieldsOf(bad.body)).toEqual(['dataSetIds', 'destinationArn', 'profileId']);
    expect(fieldsOf((await post({ profileId: BIG, dataSetIds: [], destinationArn: ARN })).body)).toEqual([
      'dataSetIds',
    ]);
    expect(
      fieldsOf((await post({ profileId: BIG, dataSetIds: ['sp-traffic', 'sp-traffic'], destinationArn: ARN })).body),
    ).toEqual(['dataSetIds']);
    expect(
      fieldsOf((await post({ profileId: Number(BIG), dataSetIds: ['sp-traffic'], destinationArn: ARN })).body),
    ).toEqual(['profileId']);
    expect(
      fieldsOf((await post({ profileId: BIG, dataSetIds: ['sp-traffic'], destinationArn: ARN, extra: 1 })).body),
    ).toEqual(['extra']);
    expect(
      fieldsOf((await post({ dataSetIds: ['sp-traffic'], destinationArn: ARN, notes: 'x'.repeat(129) })).body),
    ).toEqual(['notes', 'profileId']);
    const sync = await call('POST', '/v1/ads/entities/sync', ADMIN, { profileId: '-1' });
    expect(sync.status).toBe(400);
    expect(fieldsOf(sync.body)).toEqual(['profileId']);
    const del = await call('DELETE', '/v1/ads/stream-subscriptions/has%20space', ADMIN);
    expect(del.status).toBe(400);
    expect(fieldsOf(del.body)).toEqual(['subscriptionId']);
  });

  it('archive of a subscription the connector has not seen is 404, without a command', async () => {
    const res = await call('DELETE', '/v1/ads/stream-subscriptions/amzn1.fead.unknown', ADMIN);
    expect(res.status).toBe(404);
    expect(res.body['code']).toBe('NOT_FOUND');
  });

  it('with no connector running, a command is a 503 naming the connector at once, and the attempt is audited', async () => {
    const t0 = Date.now();
    const res = await call('POST', '/v1/ads/profiles/sync', ADMIN, {});
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body['code']).toBe('COMMAND_TIMEOUT');
    expect(String(res.body['message'])).toMatch(/connector did not answer cmd\.connector\.profiles-sync\.v1/);
    const create = await call('POST', '/v1/ads/stream-subscriptions', ADMIN, {
      profileId: BIG,
      dataSetIds: ['sp-traffic'],
      destinationArn: ARN,
    });
    expect(create.status).toBe(503);
    const { rows } = await pg.query(
      `SELECT action, target, outcome, status FROM audit_log WHERE action LIKE 'ads.%' ORDER BY id`,
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { action: 'ads.profiles.sync', target: 'ads:profiles', outcome: 'failed', status: 503 },
        {
          action: 'ads.stream-subscription.create',
          target: `ads:profile:${BIG}:${ARN}`,
          outcome: 'failed',
          status: 503,
        },
      ]),
    );
  });

  it('the OpenAPI document describes every /v1/ads operation with its scope', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { 'x-required-scope'?: string; description?: string }>>;
    };
    const scopes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/ads/'))
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(([m, op]) => `${m.toUpperCase()} ${path} ${op['x-required-scope']}`),
      )
      .sort();
    expect(scopes).toEqual([
      'DELETE /v1/ads/stream-subscriptions/{subscriptionId} admin',
      'GET /v1/ads/connection read',
      'GET /v1/ads/profiles read',
      'GET /v1/ads/stream-subscriptions read',
      'POST /v1/ads/entities/sync admin',
      'POST /v1/ads/profiles/sync admin',
      'POST /v1/ads/stream-subscriptions admin',
    ]);
    const create = doc.paths['/v1/ads/stream-subscriptions']['post'] as unknown as {
      requestBody: { content: Record<string, { schema: { $ref: string } }> };
    };
    expect(create.requestBody.content['application/json'].schema.$ref).toMatch(/StreamSubscriptionCreateDto/);
  });
});
