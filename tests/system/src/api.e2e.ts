/**
 * The REST API end to end, on data produced by the real pipeline: the five built apps, fauxqs,
 * the machine's PostgreSQL and NATS, a Slack catcher. Covers every endpoint, auth and
 * validation failures, pagination, and totals recomputed independently from the fixtures.
 */
import { readFile } from 'node:fs/promises';
import {
  AppName,
  AppProcess,
  createTestDatabase,
  DEFAULT_NATS_URL,
  fixtureBody,
  freePort,
  loadFixture,
  SlackCatcher,
  SqsEndpoint,
  startApp,
  startSlackCatcher,
  startSqsEndpoint,
  TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';

const KEY = 'api-e2e-key-0123456789abcdef';
const AWS_SECRET = 'AwsSecretNeverLogged0123456789';
const REVOKED = 'api-e2e-revoked-0123456789';
const APPS: AppName[] = ['ingestor', 'processor', 'aggregator', 'alerter', 'api'];
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('api e2e on pipeline data', () => {
  let db: TestDatabase;
  let sqs: SqsEndpoint;
  let slack: SlackCatcher;
  let queueUrl: string;
  const apps = new Map<AppName, AppProcess>();
  const base = () => apps.get('api')?.baseUrl ?? '';

  const call = async (method: string, path: string, body?: unknown, key: string | null = KEY) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      json = { text };
    }
    return { status: res.status, body: json, text };
  };
  const get = (path: string, key: string | null = KEY) => call('GET', path, undefined, key);

  beforeAll(async () => {
    db = await createTestDatabase();
    sqs = await startSqsEndpoint();
    slack = await startSlackCatcher();
    const prefix = uniquePrefix('apie2e');
    queueUrl = await sqs.createQueue(`ams-${prefix}`);
    const env = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      NATS_URL: DEFAULT_NATS_URL,
      NATS_PREFIX: prefix,
      // debug: every request is logged, so the test below can show no key ever reaches a log line
      LOG_LEVEL: 'debug',
      SQS_QUEUE_URLS: queueUrl,
      SQS_ENDPOINT: sqs.endpoint,
      SQS_WAIT_TIME_SECONDS: '1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      API_KEYS: KEY,
      API_REVOKED_KEYS: REVOKED,
      SLACK_WEBHOOK_URL: slack.urlFor('alerts'),
      SLACK_MIN_INTERVAL_MS: '100',
      // this suite sends hundreds of unauthenticated requests on purpose (every route × method): the per-address
      // limit of failed authentications has its own spec (apps/api rate-limit.integration.spec.ts)
      API_AUTH_FAILURES_PER_MINUTE: '100000',
    };
    await Promise.all(
      APPS.map(async (name) => {
        const app = await startApp(name, env, { port: await freePort() });
        apps.set(name, app);
        await app.waitReady(60_000);
      }),
    );
    // the example traffic, a duplicate, a conversion, budget usage at 95 %, the campaign's name,
    // a body that is not JSON, and a confirmation from a topic that is not Amazon's
    const refused = { ...loadFixture('01'), TopicArn: 'arn:aws:sns:us-east-1:123456789012:not-amazon' };
    for (const body of [
      fixtureBody('08'),
      fixtureBody('02'),
      fixtureBody('03'),
      fixtureBody('02'),
      fixtureBody('04'),
      fixtureBody('05'),
      'definitely { not json',
      JSON.stringify(refused),
    ]) {
      await sqs.send(queueUrl, body);
    }
    await waitFor(
      async () => {
        const q = await sqs.counts(queueUrl);
        return q.visible === 0 && q.inFlight === 0;
      },
      { timeoutMs: 30_000, description: 'queue drained' },
    );
  });

  afterAll(async () => {
    for (const app of apps.values()) await app.stop('SIGTERM').catch(() => undefined);
    await slack?.close();
    await sqs?.stop();
    await db?.drop();
  });

  it('performance totals equal the sums computed from the fixtures, to the cent', async () => {
    const [t, r, c] = [loadFixture('02'), loadFixture('03'), loadFixture('04')];
    const cents = (x: number) => Math.round(x * 100);
    const expected = {
      impressions: t.impressions + r.impressions,
      clicks: t.clicks + r.clicks,
      cost: ((cents(t.cost) + cents(r.cost)) / 100).toFixed(2),
      orders: c.attributed_conversions_7d,
      sales: c.attributed_sales_7d.toFixed(2),
      units: c.attributed_units_ordered_7d,
    };
    const res = await waitFor(
      async () => {
        const x = await get('/v1/performance?campaignId=185402650650808&from=2025-06-03&to=2025-06-03&granularity=day');
        return x.body['totals']?.orders === expected.orders && x;
      },
      { timeoutMs: 30_000, description: 'traffic and conversion joined' },
    );
    expect(res.body['totals']).toMatchObject(expected);
    expect(res.body['data']).toEqual([expect.objectContaining({ period: '2025-06-03', ...expected })]);
    const hourly = await get(
      '/v1/performance?campaignId=185402650650808&from=2025-06-03T17:00:00Z&to=2025-06-03T18:00:00Z&granularity=hour&groupBy=keyword',
    );
    expect(hourly.body['data']).toEqual([
      expect.objectContaining({ period: '2025-06-03T10:00:00-07:00', keywordId: '236652758809586', clicks: 6 }),
    ]);
  });

  it('campaigns carry the name and budget of the campaign dataset', async () => {
    const list = await get('/v1/campaigns?advertiserId=A1EXAMPLEADV01');
    expect(list.status).toBe(200);
    expect(list.body['data']).toEqual([
      expect.objectContaining({
        campaignId: '185402650650808',
        name: 'SP - Earbuds - Exact',
        // the AMS campaign record is the newest source; it carries no budget type (the entity sync does)
        budget: { amount: '50.00', currency: 'USD', type: null },
        source: { kind: 'ams', asOf: '2025-06-03T16:41:09.000Z' },
      }),
    ]);
    expect((await get('/v1/campaigns/185402650650808')).body).toMatchObject({ state: 'ENABLED', version: 7 });
  });

  it('budgets and the budget alert: fired, delivered once to Slack, listed, acknowledged, snoozed', async () => {
    expect((await get('/v1/budgets')).body['data']).toEqual([
      expect.objectContaining({
        budgetScopeId: '185402650650808',
        usagePercentage: 95.12,
        name: 'SP - Earbuds - Exact',
      }),
    ]);
    const alerts = await waitFor(
      async () => {
        const a = await get('/v1/alerts?state=firing');
        return a.body['data']?.length > 0 && a;
      },
      { timeoutMs: 30_000, description: 'budget alert firing' },
    );
    const alert = alerts.body['data'][0] as Json;
    expect(alert).toMatchObject({
      state: 'firing',
      rule: { metric: 'budget_usage' },
      entity: { id: '185402650650808', name: 'SP - Earbuds - Exact' },
    });
    await waitFor(() => slack.delivered.length >= 1, { timeoutMs: 30_000, description: 'Slack message' });
    expect(JSON.stringify(slack.delivered[0].body)).toContain('185402650650808');

    const detail = await get(`/v1/alerts/${alert['id']}`);
    expect(detail.body['history'][0]).toMatchObject({ type: 'fired' });
    const ack = await call('POST', `/v1/alerts/${alert['id']}/acknowledge`, { by: 'e2e' });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ acknowledged: true });
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const snooze = await call('POST', `/v1/alerts/${alert['id']}/snooze`, { until });
    expect(snooze.status).toBe(200);
    expect(snooze.body['snoozedUntil']).toBe(until);
    expect((await call('POST', `/v1/alerts/${alert['id']}/snooze`, {})).status).toBe(400);
    expect((await call('POST', '/v1/alerts/999999/acknowledge', {})).status).toBe(404);
    expect((await get('/v1/alerts/999999')).status).toBe(404);
  });

  it('alert rules: list the defaults, create, read, patch, delete', async () => {
    const defaults = await get('/v1/alert-rules');
    expect(defaults.body['data'].map((r: Json) => r['metric'])).toEqual(
      expect.arrayContaining(['ctr', 'spend', 'acos', 'roas', 'budget_usage']),
    );
    const created = await call('POST', '/v1/alert-rules', {
      name: 'CPC above 2',
      metric: 'cpc',
      condition: 'above',
      threshold: '2',
      windowHours: 24,
      entityLevel: 'campaign',
    });
    expect(created.status).toBe(201);
    const id = created.body['id'] as string;
    expect((await get(`/v1/alert-rules/${id}`)).body).toMatchObject({ name: 'CPC above 2', threshold: '2' });
    expect((await call('PATCH', `/v1/alert-rules/${id}`, { threshold: '2.5' })).body).toMatchObject({
      threshold: '2.5',
    });
    expect((await call('PATCH', `/v1/alert-rules/${id}`, { metric: 'ctr' })).status).toBe(400);
    expect(
      (
        await call('POST', '/v1/alert-rules', {
          name: 'x',
          metric: 'mood',
          condition: 'above',
          threshold: '1',
          entityLevel: 'campaign',
        })
      ).status,
    ).toBe(400);
    expect((await call('DELETE', `/v1/alert-rules/${id}`)).body).toEqual({ id, deleted: true });
    expect((await get(`/v1/alert-rules/${id}`)).status).toBe(404);
  });

  it('quarantine: the malformed body is listed and, once corrected, replayed into the numbers', async () => {
    const q = await waitFor(async () => {
      const r = await get('/v1/quarantine?status=open');
      return r.body['data']?.length > 0 && r;
    });
    const item = q.body['data'][0] as Json;
    expect(item).toMatchObject({ code: 'not-json', rawBody: 'definitely { not json', source: 'ingestor' });
    expect((await call('POST', `/v1/quarantine/${item['id']}/replay`, {})).status).toBe(422);
    const corrected = { ...loadFixture('02'), idempotency_id: 'replayed-1', campaign_id: '185402650650809' };
    const replay = await call('POST', `/v1/quarantine/${item['id']}/replay`, { rawBody: JSON.stringify(corrected) });
    expect(replay.body).toMatchObject({ outcome: 'stored', records: 1 });
    expect((await call('POST', `/v1/quarantine/${item['id']}/replay`, {})).status).toBe(409);
    expect(
      (await get('/v1/performance?campaignId=185402650650809&from=2025-06-03&to=2025-06-03')).body['totals'],
    ).toMatchObject({ clicks: 7 });
  });

  it('reprocess: re-running the whole replay log changes no number', async () => {
    const before = (await get('/v1/performance?campaignId=185402650650808&from=2025-06-03&to=2025-06-03')).body[
      'totals'
    ];
    const r = await call('POST', '/v1/reprocess', {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(r.status).toBe(200);
    expect(r.body['messages']).toBeGreaterThanOrEqual(5);
    expect(
      (await get('/v1/performance?campaignId=185402650650808&from=2025-06-03&to=2025-06-03')).body['totals'],
    ).toEqual(before);
    expect(
      (await call('POST', '/v1/reprocess', { from: '2025-06-03T00:00:00Z', to: '2025-06-02T00:00:00Z' })).status,
    ).toBe(400);
  });

  it('subscriptions: the refused confirmation is listed', async () => {
    const s = await get('/v1/subscriptions');
    expect(s.body['data']).toEqual([
      expect.objectContaining({ outcome: 'refused', topicArn: 'arn:aws:sns:us-east-1:123456789012:not-amazon' }),
    ]);
  });

  it('authentication: 401 without or with a wrong key, 403 revoked, health open', async () => {
    for (const path of [
      '/v1/performance?campaignId=1&from=2025-06-03&to=2025-06-03',
      '/v1/campaigns',
      '/v1/budgets',
      '/v1/alerts',
      '/v1/alert-rules',
      '/v1/quarantine',
      '/v1/subscriptions',
    ]) {
      expect({ path, status: (await get(path, null)).status }).toEqual({ path, status: 401 });
      expect({ path, status: (await get(path, 'nope-nope-nope-nope-nope')).status }).toEqual({ path, status: 401 });
      expect({ path, status: (await get(path, REVOKED)).status }).toEqual({ path, status: 403 });
    }
    expect((await get('/health', null)).status).toBe(200);
    expect((await get('/health/ready', null)).status).toBe(200);
  });

  it('validation: 400 with field and reason; unknown ids 404; bad JSON 400; no stack ever', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['GET', '/v1/alerts?state=burning', undefined, 'state'],
      ['GET', '/v1/alerts?limit=-1', undefined, 'limit'],
      ['GET', '/v1/quarantine?since=yesterday', undefined, 'since'],
      ['GET', '/v1/campaigns?advertiserId=a%20b', undefined, 'advertiserId'],
      ['POST', '/v1/alert-rules', '{"name":', 'body'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await call(method, path, body);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.text).not.toMatch(/at .*\.(js|ts):\d+/);
      if (field !== 'body')
        expect({ path, fields: (r.body['errors'] ?? []).map((e: Json) => e['field']) }).toEqual({
          path,
          fields: expect.arrayContaining([field]),
        });
    }
  });

  it('pagination: alerts and quarantine pages never repeat a row', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const r: Awaited<ReturnType<typeof get>> = await get(`/v1/alert-rules`);
      expect(r.status).toBe(200);
      const page: Awaited<ReturnType<typeof get>> = await get(
        `/v1/quarantine?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const item of page.body['data']) {
        expect(seen.has(item['id'])).toBe(false);
        seen.add(item['id']);
      }
      cursor = page.body['nextCursor'];
    } while (cursor);
    expect(seen.size).toBeGreaterThanOrEqual(1);
  });

  it('serves its OpenAPI document', async () => {
    const doc = await get('/docs-json', null);
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body['paths'])).toEqual(
      expect.arrayContaining([
        '/v1/performance',
        '/v1/campaigns',
        '/v1/campaigns/{campaignId}',
        '/v1/budgets',
        '/v1/alerts',
        '/v1/alerts/{id}',
        '/v1/alerts/{id}/acknowledge',
        '/v1/alerts/{id}/snooze',
        '/v1/alert-rules',
        '/v1/alert-rules/{id}',
        '/v1/quarantine',
        '/v1/quarantine/{id}/replay',
        '/v1/subscriptions',
        '/v1/reprocess',
        '/health',
      ]),
    );
  });

  it('unauthenticated requests see nothing but health: every route, every method, answers 401 and changes nothing', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/v1/performance?campaignId=185402650650808&from=2025-06-03&to=2025-06-03'],
      ['GET', '/v1/campaigns'],
      ['GET', '/v1/campaigns/185402650650808'],
      ['GET', '/v1/budgets'],
      ['GET', '/v1/alerts'],
      ['GET', '/v1/alerts/1'],
      ['POST', '/v1/alerts/1/acknowledge', {}],
      ['POST', '/v1/alerts/1/snooze', { minutes: 60 }],
      ['GET', '/v1/alert-rules'],
      [
        'POST',
        '/v1/alert-rules',
        { name: 'x', metric: 'ctr', condition: 'below', threshold: '1', entityLevel: 'campaign' },
      ],
      ['PATCH', '/v1/alert-rules/1', { enabled: false }],
      ['DELETE', '/v1/alert-rules/1'],
      ['GET', '/v1/quarantine'],
      ['GET', '/v1/quarantine/1'],
      ['POST', '/v1/quarantine/1/replay', {}],
      ['GET', '/v1/subscriptions'],
      ['GET', '/v1/advertisers/ENTITY2LJ7PT1S0EHHP/settings'],
      ['PUT', '/v1/advertisers/ENTITY2LJ7PT1S0EHHP/settings', { timeZone: 'UTC' }],
      ['POST', '/v1/reprocess', {}],
      ['GET', '/v1/action-rules'],
      ['POST', '/v1/action-rules', { name: 'x' }],
      ['GET', '/v1/action-rules/1'],
      ['PATCH', '/v1/action-rules/1', { enabled: false }],
      ['DELETE', '/v1/action-rules/1'],
      ['GET', '/v1/actions'],
      ['GET', '/v1/actions/1'],
      ['POST', '/v1/actions/1/approve', {}],
      ['POST', '/v1/actions/1/reject', {}],
      ['POST', '/v1/actions/1/revert', {}],
      ['GET', '/v1/automation'],
      ['PUT', '/v1/automation', { enabled: false }],
    ];
    const rulesBefore = (await get('/v1/alert-rules')).body['data'];
    for (const [method, path, body] of routes) {
      for (const key of [null, 'nope-nope-nope-nope-nope']) {
        const r = await call(method, path, body, key);
        expect({ method, path, status: r.status }).toEqual({ method, path, status: 401 });
        expect({ path, keys: Object.keys(r.body).sort() }).toEqual({ path, keys: ['code', 'message'] });
      }
    }
    expect((await get('/v1/alert-rules')).body['data']).toEqual(rulesBefore);
    expect((await get('/health', null)).status).toBe(200);
  });

  it('SQL-looking input is inert: in ids, filters and bodies it is a 400/404 or plain text, and the tables stay', async () => {
    const sql = "1' OR '1'='1'; DROP TABLE hourly_fact; --";
    for (const path of [
      `/v1/campaigns/${encodeURIComponent(sql)}`,
      `/v1/campaigns?advertiserId=${encodeURIComponent(sql)}`,
      `/v1/quarantine?q=${encodeURIComponent(sql)}`,
    ]) {
      const r = await get(path);
      expect({ path, ok: [200, 400, 404].includes(r.status) }).toEqual({ path, ok: true });
      if (r.status === 200) expect(r.body['data']).toEqual([]);
    }
    const created = await call('POST', '/v1/alert-rules', {
      name: sql,
      metric: 'ctr',
      condition: 'below',
      threshold: '1',
      windowHours: 24,
      entityLevel: 'campaign',
    });
    expect({ status: created.status, body: created.status === 201 ? {} : created.body }).toEqual({
      status: 201,
      body: {},
    });
    expect((await get(`/v1/alert-rules/${created.body['id']}`)).body['name']).toBe(sql);
    expect((await call('DELETE', `/v1/alert-rules/${created.body['id']}`)).status).toBe(200);
    const perf = await get('/v1/performance?campaignId=185402650650808&from=2025-06-03&to=2025-06-03');
    expect(perf.body['totals']).toMatchObject({ clicks: 6 });
  });

  it('resource limits: 10,000-row pages, big and deeply nested bodies get clear 4xx answers and bounded memory', async () => {
    const rss = async () =>
      Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${apps.get('api')?.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    const before = await rss();

    const tooMany = await get(
      '/v1/performance?campaignId=185402650650808&from=2024-01-01&to=2025-12-31&granularity=hour&limit=10000',
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body['errors']).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'limit' })]));
    const twoYears = await get(
      '/v1/performance?campaignId=185402650650808&from=2024-01-01&to=2025-12-31&granularity=hour',
    );
    expect([200, 400]).toContain(twoYears.status); // bounded: a page (with a cursor) or a clear refusal
    if (twoYears.status === 200) expect(twoYears.body['data'].length).toBeLessThanOrEqual(5000);
    const alerts = await get('/v1/alerts?limit=10000');
    expect(alerts.status).toBe(400);
    expect(alerts.body['errors']).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'limit' })]));

    const big = JSON.stringify({
      name: 'x'.repeat(2 * 1024 * 1024),
      metric: 'ctr',
      condition: 'below',
      threshold: '1',
      entityLevel: 'campaign',
    });
    const deep = `{"name":"deep","metric":"ctr","condition":"below","threshold":"1","entityLevel":"campaign","x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    for (let i = 0; i < 10; i++) {
      const r1 = await call('POST', '/v1/alert-rules', big);
      expect(r1.status).toBe(413);
      expect(r1.body).toEqual({
        statusCode: 413,
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringMatching(/larger than the limit of \d+ bytes/),
      });
      const r2 = await call('PUT', '/v1/advertisers/ENTITY2LJ7PT1S0EHHP/settings', deep);
      expect([400, 413]).toContain(r2.status);
      expect(r2.text).not.toMatch(/at .*\.(js|ts):\d+/);
    }
    expect((await get('/health/ready', null)).status).toBe(200);
    expect((await get('/v1/alert-rules')).body['data'].some((r: Json) => r['name'] === 'deep')).toBe(false);
    expect(await rss()).toBeLessThan(before + 100); // MiB: nothing of the 20 MiB sent stays
  });

  it('no key or secret reaches any log line, at debug level, even when sent in a query string', async () => {
    await get(`/v1/campaigns?api_key=${KEY}`, null);
    await get('/v1/campaigns', 'Wrong-Key-Sent-By-Mistake-0123');
    await get(`/v1/campaigns?token=${REVOKED}`);
    const api = apps.get('api');
    expect(api?.logs.some((l) => l.includes('/v1/campaigns'))).toBe(true); // requests are logged at debug…
    for (const app of apps.values()) {
      const text = app.logs.join('\n');
      for (const secret of [KEY, REVOKED, AWS_SECRET, 'Wrong-Key-Sent-By-Mistake-0123', slack.urlFor('alerts')]) {
        expect({ app: app.name, secret, logged: text.includes(secret) }).toEqual({
          app: app.name,
          secret,
          logged: false,
        }); // …without their secrets
      }
    }
  });
});
