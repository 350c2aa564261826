import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const ADMIN = 'scopes-admin-key-0123456789';
const OPERATOR = 'scopes-operator-key-0123456789';
const READ = 'scopes-read-key-0123456789abc';
const REVOKED = 'scopes-revoked-key-0123456789';

/** Scopes of the environment's keys: read (GET), operator (+ alert commands), admin (everything). */
describe('api: scoped keys (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let api: RunningTestApp<ApiEnv>;
  const call = async (
    method: string,
    path: string,
    key: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apiscope')),
      API_KEYS: ADMIN,
      API_OPERATOR_KEYS: OPERATOR,
      API_READ_KEYS: READ,
      API_REVOKED_KEYS: REVOKED,
    });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('a read key reads, and every change is refused with 403 SCOPE_REQUIRED naming the scope', async () => {
    expect((await call('GET', '/v1/campaigns', READ)).status).toBe(200);
    expect((await call('GET', '/v1/advertisers/ADV1/settings', READ)).status).toBe(200);
    // none of these routes declares a scope: the default for a non-GET route is admin
    for (const [method, path, body] of [
      ['POST', '/v1/quarantine/1/replay', { rawBody: '{"invented":true}' }],
      ['PUT', '/v1/advertisers/ADV1/settings', { attributionWindow: { sp: '1d' } }],
      ['POST', '/v1/reprocess', { from: '2025-01-01T00:00:00Z', to: '2025-03-31T00:00:00Z' }],
      ['POST', '/v1/alert-rules', { name: 'x' }],
      ['DELETE', '/v1/alert-rules/1', undefined],
    ] as const) {
      const r = await call(method, path, READ, body);
      expect({ path, status: r.status, body: r.body }).toEqual({
        path,
        status: 403,
        body: expect.objectContaining({
          code: 'SCOPE_REQUIRED',
          requiredScope: 'admin',
          message: expect.stringContaining('scope admin'),
        }),
      });
    }
    const ack = await call('POST', '/v1/alerts/1/acknowledge', READ, {});
    expect(ack).toMatchObject({ status: 403, body: { code: 'SCOPE_REQUIRED', requiredScope: 'operator' } });
    // nothing was changed
    expect((await call('GET', '/v1/advertisers/ADV1/settings', READ)).body).toMatchObject({
      attributionWindow: { sp: '7d' },
      updatedAt: null,
    });
  });

  it('an operator key may command alerts, not settings, rules, replays or reprocess runs', async () => {
    expect(
      await call('PUT', '/v1/advertisers/ADV1/settings', OPERATOR, { attributionWindow: { sp: '1d' } }),
    ).toMatchObject({
      status: 403,
      body: { code: 'SCOPE_REQUIRED', requiredScope: 'admin' },
    });
    expect((await call('POST', '/v1/quarantine/1/replay', OPERATOR, {})).status).toBe(403);
    // past the guard: the alerter is not running here, so the command times out (503), which is not a 403
    const [ack, replay] = await Promise.all([
      call('POST', '/v1/alerts/1/acknowledge', OPERATOR, { by: 'me' }),
      call('POST', '/v1/quarantine/1/replay', ADMIN, {}),
    ]);
    expect(ack).toMatchObject({ status: 503, body: { code: 'COMMAND_TIMEOUT' } });
    expect(replay).toMatchObject({ status: 503, body: { code: 'COMMAND_TIMEOUT' } });
  });

  it('an admin key changes settings; a revoked key is 403, an unknown one 401', async () => {
    expect(
      await call('PUT', '/v1/advertisers/ADV1/settings', ADMIN, { attributionWindow: { sp: '1d' } }),
    ).toMatchObject({
      status: 200,
      body: { attributionWindow: { sp: '1d' } },
    });
    expect(await call('GET', '/v1/campaigns', REVOKED)).toMatchObject({ status: 403, body: { code: 'KEY_REVOKED' } });
    expect(await call('GET', '/v1/campaigns', 'not-a-key-of-this-deployment')).toMatchObject({
      status: 401,
      body: { code: 'AUTH_INVALID' },
    });
    expect(await call('GET', '/v1/campaigns', null)).toMatchObject({ status: 401, body: { code: 'AUTH_REQUIRED' } });
  });

  it('the OpenAPI document states the scope of every /v1 operation', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const ops = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/v1/'))
      .flatMap(([p, item]) =>
        Object.entries(item).map(([m, op]) => ({
          op: `${m.toUpperCase()} ${p}`,
          scope: op['x-required-scope'],
          description: op['description'],
        })),
      );
    expect(ops.length).toBeGreaterThan(15);
    for (const o of ops) {
      expect({ op: o.op, scope: o.scope }).toEqual({
        op: o.op,
        scope: expect.stringMatching(/^(read|operator|admin)$/),
      });
      expect(o.description).toContain(`scope \`${String(o.scope)}\``);
    }
    const scopeOf = (op: string) => ops.find((o) => o.op === op)?.scope;
    expect(scopeOf('GET /v1/campaigns')).toBe('read');
    expect(scopeOf('POST /v1/alerts/{id}/acknowledge')).toBe('operator');
    expect(scopeOf('POST /v1/alerts/{id}/snooze')).toBe('operator');
    expect(scopeOf('POST /v1/quarantine/{id}/replay')).toBe('admin');
    expect(scopeOf('PUT /v1/advertisers/{advertiserId}/settings')).toBe('admin');
    // declared on the controller: its GETs need admin too
    expect(scopeOf('GET /v1/audit')).toBe('admin');
    expect(scopeOf('GET /v1/api-keys')).toBe('admin');
  });
});

describe('api: API_INSECURE_NO_AUTH still serves /v1 without a key', () => {
  it('answers without a key, as admin', async () => {
    const db = await createTestDatabase();
    const api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apiinsec')),
      API_INSECURE_NO_AUTH: 'true',
    });
    try {
      expect((await fetch(`${api.baseUrl}/v1/campaigns`)).status).toBe(200);
      const put = await fetch(`${api.baseUrl}/v1/advertisers/ADV1/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ attributionWindow: { sb: '7d' } }),
      });
      expect(put.status).toBe(200);
    } finally {
      await api.close();
      await db.drop();
    }
  });
});
