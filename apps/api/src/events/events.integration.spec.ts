import { Client } from 'pg';
import { ACTIONS_SETTLED, BUDGET_USAGE_UPDATED, PERF_HOURLY_UPDATED } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { createTestDatabase, TestDatabase, uniquePrefix, waitFor } from '@ams/testing';
import { baseTestEnv, type RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';
import { openStream, type SseStream } from './sse-client.spec-env';

const ADMIN = 'events-admin-key-0123456789abc';
const READ = 'events-read-key-0123456789abcd';
const MAX = 6;

/** GET /v1/events against the real PostgreSQL and NATS: update events in, server-sent events out, per advertiser. */
describe('api: GET /v1/events (server-sent events; real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  let limitedKey: string;
  let closed = false;
  const open: SseStream[] = [];
  const stream = async (advertiserId: string, key: string | null = READ) => {
    const s = await openStream(`${api.baseUrl}/v1/events?advertiserId=${advertiserId}`, key);
    open.push(s);
    return s;
  };
  const js = () => api.app.get(JetStreamService);
  const perf = (touched: Array<[string, string]>) =>
    js().publish(PERF_HOURLY_UPDATED, {
      version: 1,
      touched: touched.map(([advertiserId, campaignId]) => ({
        advertiserId,
        campaignId,
        hourStart: '2026-12-07T10:00:00.000Z',
        utcOffsetMinutes: 0,
      })),
      emittedAt: new Date().toISOString(),
    });
  const metric = async (name: string) => {
    const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
    return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apisse')),
      API_KEYS: ADMIN,
      API_READ_KEYS: READ,
      API_SSE_MAX_CONNECTIONS: String(MAX),
      API_SSE_PING_SECONDS: '1',
    });
    const res = await fetch(`${api.baseUrl}/v1/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'adv-b only', scope: 'read', advertiserIds: ['ADVB'] }),
    });
    expect(res.status).toBe(201);
    limitedKey = ((await res.json()) as { key: string }).key;
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(async () => {
    for (const s of open) s.close();
    if (!closed) await api?.close();
    await pg?.end();
    await db?.drop();
  });

  it('authorises like every /v1 route: 401 without a key, 404 for a key limited to another advertiser, 400 without advertiserId', async () => {
    const none = await stream('ADVA', null);
    expect(none.status).toBe(401);
    const other = await stream('ADVA', limitedKey);
    expect(other.status).toBe(404);
    const own = await stream('ADVB', limitedKey);
    expect(own.status).toBe(200);
    const missing = await fetch(`${api.baseUrl}/v1/events`, { headers: { authorization: `Bearer ${READ}` } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      errors: expect.arrayContaining([expect.objectContaining({ field: 'advertiserId' })]),
    });
  });

  it('streams text/event-stream to a read key and pings an idle stream', async () => {
    const s = await stream('ADVA');
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(s.headers['cache-control']).toContain('no-cache');
    await waitFor(() => s.comments.includes('ping'), {
      timeoutMs: 5000,
      description: 'a ping (API_SSE_PING_SECONDS=1)',
    });
  });

  it("delivers an advertiser's perf update within a second or two, and never another advertiser's", async () => {
    const a = await stream('ADVA');
    const b = await stream('ADVB', limitedKey);
    await waitFor(() => a.body.includes('connected') && b.body.includes('connected'), { description: 'both open' });
    await waitFor(async () => (await metric('ams_api_sse_connections')) === 2, { description: 'two streams counted' });
    const t0 = Date.now();
    await perf([['ADVB', 'CB1']]); // first, on the same connection: it would arrive first
    await perf([
      ['ADVA', 'CA1'],
      ['ADVA', 'CA2'],
    ]);
    const got = await a.next((e) => e.event === 'perf', 'ADVA perf event', 5000);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(got.data).toEqual({ advertiserIds: ['ADVA'], campaignIds: ['CA1', 'CA2'] });
    await b.next((e) => e.event === 'perf', 'ADVB perf event');
    expect(b.events.filter((e) => e.event === 'perf')).toEqual([
      { event: 'perf', data: { advertiserIds: ['ADVB'], campaignIds: ['CB1'] } },
    ]);
    expect(JSON.stringify(a.events)).not.toContain('ADVB');
    expect(JSON.stringify(a.events)).not.toContain('CB1');
  });

  it('coalesces a burst: at most one perf event a second, carrying every campaign', async () => {
    const a = await stream('ADVC');
    await waitFor(() => a.body.includes('connected'), { description: 'open' });
    await waitFor(async () => (await metric('ams_api_sse_connections')) === 1, { description: 'counted' });
    const ids = Array.from({ length: 30 }, (_, i) => `C${i}`);
    for (const id of ids) await perf([['ADVC', id]]);
    await waitFor(
      () => {
        const seen = new Set(a.events.flatMap((e) => (e.data['campaignIds'] as string[]) ?? []));
        return ids.every((id) => seen.has(id));
      },
      { timeoutMs: 5000, description: 'every campaign of the burst' },
    );
    expect(a.events.length).toBeGreaterThanOrEqual(1);
    expect(a.events.length).toBeLessThanOrEqual(2);
  });

  it('sends budget, alert and action events', async () => {
    const a = await stream('ADVD');
    await waitFor(() => a.body.includes('connected'), { description: 'open' });
    await js().publish(BUDGET_USAGE_UPDATED, {
      version: 1,
      scopes: [
        { advertiserId: 'ADVD', marketplaceId: 'M', budgetScopeType: 'CAMPAIGN', budgetScopeId: 'CD1' },
        { advertiserId: 'ADVE', marketplaceId: 'M', budgetScopeType: 'CAMPAIGN', budgetScopeId: 'CE1' },
      ],
      emittedAt: new Date().toISOString(),
    });
    expect((await a.next((e) => e.event === 'budget', 'budget event')).data).toEqual({
      advertiserId: 'ADVD',
      campaignIds: ['CD1'],
    });

    // alert lifecycle: the alerter writes alert_event rows (fired, acknowledged, …); no NATS event announces them
    await waitFor(async () => (await metric('ams_api_sse_connections')) === 1, { description: 'counted' });
    const rule = await pg.query<{ id: string }>(
      `INSERT INTO alert_rule (name, metric, condition, threshold, entity_level, repeat_interval_minutes)
       VALUES ('r', 'cpc', 'above', 1, 'campaign', 60) RETURNING id::text`,
    );
    const alert = await pg.query<{ id: string }>(
      `INSERT INTO alert (rule_id, advertiser_id, entity_type, entity_id, campaign_id, state, threshold, fired_at)
       VALUES ($1, 'ADVD', 'campaign', 'CD1', 'CD1', 'firing', 1, now()) RETURNING id::text`,
      [rule.rows[0].id],
    );
    await pg.query(
      `INSERT INTO alert_event (alert_id, advertiser_id, rule_id, type) VALUES ($1, 'ADVD', $2, 'fired')`,
      [alert.rows[0].id, rule.rows[0].id],
    );
    expect((await a.next((e) => e.event === 'alert', 'alert event', 5000)).data).toMatchObject({
      advertiserId: 'ADVD',
      alertId: alert.rows[0].id,
    });

    // an action: a proposal (a row, no event) and its settlement (ACTIONS_SETTLED)
    const action = await pg.query<{ id: string }>(
      `INSERT INTO automation_action (kind, decision_key, mode, state, advertiser_id, profile_id, ad_product, entity_type,
         entity_id, field, value_before, value_asked, reason, local_date)
       VALUES ('revert', 'k1', 'approval', 'pending_approval', 'ADVD', 'P1', 'SP', 'campaign', 'CD1', 'budget', '10',
         '12', 'test', CURRENT_DATE) RETURNING id::text`,
    );
    expect((await a.next((e) => e.event === 'action', 'action event (proposal)', 5000)).data).toMatchObject({
      advertiserId: 'ADVD',
      actionId: action.rows[0].id,
    });
    const before = a.events.length;
    await js().publish(ACTIONS_SETTLED, { actionIds: [action.rows[0].id], emittedAt: new Date().toISOString() });
    await waitFor(() => a.events.slice(before).some((e) => e.event === 'action'), {
      timeoutMs: 5000,
      description: 'action event (settled)',
    });
    expect(a.events.every((e) => JSON.stringify(e.data).indexOf('ADVE') < 0)).toBe(true);
  });

  it(`caps open streams at API_SSE_MAX_CONNECTIONS (${MAX}): 503 with Retry-After beyond, counted in /metrics`, async () => {
    const streams = await Promise.all(Array.from({ length: MAX }, () => stream('ADVA')));
    expect(streams.map((s) => s.status)).toEqual(Array(MAX).fill(200));
    const refused = await stream('ADVA');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    await waitFor(() => refused.ended, { description: 'the refusal ends' });
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'TOO_MANY_STREAMS' });
    expect(await metric('ams_api_sse_connections')).toBe(MAX);
    expect(await metric('ams_api_sse_refused_total')).toBeGreaterThanOrEqual(1);
    streams[0].close();
    await waitFor(async () => (await metric('ams_api_sse_connections')) === MAX - 1, { description: 'one closed' });
    expect((await stream('ADVA')).status).toBe(200);
  });

  it('ends every stream on shutdown, so the api stops at once', async () => {
    const s = await stream('ADVA');
    await waitFor(() => s.body.includes('connected'), { description: 'open' });
    const t0 = Date.now();
    await api.close();
    closed = true;
    await waitFor(() => s.ended, { timeoutMs: 2000, description: 'the stream ended by the server' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
