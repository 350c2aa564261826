import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const ADMIN = 'audit-admin-key-0123456789abc';
const READ = 'audit-read-key-0123456789abcd';
type Row = Record<string, unknown>;

/** Every change through /v1 is in audit_log: who (never the key), what, when, correlation id, outcome. */
describe('api: audit log (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  const adminId = `env:${createHash('sha256').update(ADMIN).digest('hex').slice(0, 12)}`;
  const call = async (method: string, path: string, key: string, body?: unknown, correlationId?: string) => {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(correlationId ? { 'x-correlation-id': correlationId } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: (text ? JSON.parse(text) : null) as Row & { data: Row[]; nextCursor: string | null },
    };
  };
  const audit = async (query = '') => (await call('GET', `/v1/audit${query}`, ADMIN)).body;

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apiaudit')),
      API_KEYS: ADMIN,
      API_READ_KEYS: READ,
    });
  });
  afterAll(async () => {
    await api?.close();
    await pg?.end();
    await db?.drop();
  });

  it('records a settings change with who, what, the body, the correlation id and the outcome', async () => {
    const before = new Date().toISOString();
    expect(
      (await call('PUT', '/v1/advertisers/ADV1/settings', ADMIN, { attributionWindow: { sp: '14d' } }, 'corr-audit-1'))
        .status,
    ).toBe(200);
    const { data } = await audit(`?action=settings.update&since=${before}`);
    expect(data).toEqual([
      {
        id: expect.any(String),
        at: expect.any(String),
        actor: adminId,
        action: 'settings.update',
        target: 'advertiser:ADV1',
        summary: { attributionWindow: { sp: '14d' } },
        correlationId: 'corr-audit-1',
        outcome: 'ok',
        status: 200,
        finishedAt: expect.any(String),
      },
    ]);
    const { rows } = await pg.query(`SELECT row_to_json(audit_log)::text AS row FROM audit_log`);
    for (const r of rows) expect(r.row).not.toContain(ADMIN);
  });

  it('records a failed command as failed, and a replay body by its size and digest, not its content', async () => {
    const rawBody = JSON.stringify({ secretish: 'an invented record body' });
    // no processor runs here: the replay command fails (503)
    expect((await call('POST', '/v1/quarantine/7/replay', ADMIN, { rawBody }, 'corr-audit-2')).status).toBe(503);
    const [row] = (await audit('?action=quarantine.replay')).data;
    expect(row).toMatchObject({
      action: 'quarantine.replay',
      target: 'quarantine:7',
      outcome: 'failed',
      status: 503,
      correlationId: 'corr-audit-2',
      summary: {
        rawBody: {
          bytes: Buffer.byteLength(rawBody),
          sha256: createHash('sha256').update(rawBody).digest('hex').slice(0, 16),
        },
      },
    });
    expect(JSON.stringify(row)).not.toContain('invented');
    // a refused body is a failed change too
    expect(
      (await call('PUT', '/v1/advertisers/ADV1/settings', ADMIN, { attributionWindow: { sp: '2d' } })).status,
    ).toBe(400);
    expect((await audit('?action=settings.update&limit=1')).data[0]).toMatchObject({ outcome: 'failed', status: 400 });
  });

  it('records key creation and revocation without the key', async () => {
    const created = await call('POST', '/v1/api-keys', ADMIN, { name: 'for audit', scope: 'read' });
    expect(created.status).toBe(201);
    expect((await call('DELETE', `/v1/api-keys/${String(created.body['id'])}`, ADMIN)).status).toBe(200);
    const { data } = await audit('?limit=2');
    expect(data.map((r) => [r['action'], r['target'], r['outcome']])).toEqual([
      ['api-key.revoke', `api-key:${String(created.body['id'])}`, 'ok'],
      ['api-key.create', '/v1/api-keys', 'ok'],
    ]);
    expect(JSON.stringify(data)).not.toContain(String(created.body['key']));
    expect(data[1]['summary']).toEqual({ name: 'for audit', scope: 'read' });
  });

  it('refuses the change when the audit log cannot be written: no unaudited change', async () => {
    await pg.query(`ALTER TABLE audit_log ADD CONSTRAINT audit_test_refuse CHECK (false) NOT VALID`);
    try {
      const r = await call('PUT', '/v1/advertisers/ADV9/settings', ADMIN, { attributionWindow: { sp: '1d' } });
      expect(r).toMatchObject({ status: 503, body: { code: 'AUDIT_UNAVAILABLE' } });
      expect((await pg.query(`SELECT 1 FROM advertiser_setting WHERE advertiser_id = 'ADV9'`)).rowCount).toBe(0);
    } finally {
      await pg.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_test_refuse`);
    }
  });

  it('lists newest first with a cursor, for admin keys only', async () => {
    const first = await audit('?limit=2');
    expect(first.data).toHaveLength(2);
    const next = await audit(`?limit=2&cursor=${String(first.nextCursor)}`);
    expect(Number(next.data[0]['id'])).toBeLessThan(Number(first.data[1]['id']));
    expect((await call('GET', '/v1/audit', READ)).status).toBe(403);
    expect((await call('GET', '/v1/audit?since=yesterday', ADMIN)).body).toMatchObject({
      errors: [{ field: 'since' }],
    });
  });
});
