import fc from 'fast-check';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from './app.module';
import { ApiEnv } from './config/api.env';

const KEY = 'fuzz-key-0123456789abcdefgh';
const PATHS = [
  '/v1/performance',
  '/v1/campaigns',
  '/v1/budgets',
  '/v1/alerts',
  '/v1/alert-rules',
  '/v1/quarantine',
  '/v1/subscriptions',
];
const PARAMS = [
  'advertiserId',
  'campaignId',
  'adGroupId',
  'keywordId',
  'from',
  'to',
  'granularity',
  'groupBy',
  'attributionWindow',
  'limit',
  'cursor',
  'state',
  'since',
  'q',
  'dataset',
  'status',
];

/** Whatever query an authenticated client sends, the answer is 2xx or 4xx — never a 5xx, never a stack. */
describe('api: fuzzed queries (real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: RunningTestApp<ApiEnv>;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apifuzz')),
      API_KEYS: KEY,
      API_RATE_LIMIT_PER_MINUTE: '1000000',
    });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      '2025-06-03',
      '2025-06-03T10:00:00-07:00',
      '-1',
      '0',
      '99999999999999999999',
      "1' OR 1=1--",
      '%00',
      '[]',
      '{}',
      'hour',
      'day',
      'keyword',
      '7d',
      'firing',
    ),
    fc.integer().map(String),
  );
  const query = fc.dictionary(fc.oneof(fc.constantFrom(...PARAMS), fc.string({ minLength: 1, maxLength: 10 })), value, {
    maxKeys: 6,
  });

  it('answers 2xx/4xx with no stack for any query on every list endpoint', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), query, async (path, q) => {
        const qs = new URLSearchParams(q).toString();
        const res = await fetch(`${api.baseUrl}${path}?${qs}`, { headers: { authorization: `Bearer ${KEY}` } });
        const text = await res.text();
        expect({ path, qs, status: res.status < 500 }).toEqual({ path, qs, status: true });
        expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
      }),
      { numRuns: 300 },
    );
  });

  it('answers 2xx/4xx for any id in a path and any JSON body on the commands', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 30 }), fc.jsonValue({ maxDepth: 3 }), async (id, body) => {
        const seg = encodeURIComponent(id);
        for (const [method, path] of [
          ['GET', `/v1/campaigns/${seg}`],
          ['GET', `/v1/alerts/${seg}`],
          ['GET', `/v1/quarantine/${seg}`],
          ['PUT', `/v1/advertisers/${seg}/settings`],
        ] as const) {
          const res = await fetch(`${api.baseUrl}${path}`, {
            method,
            headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
            body: method === 'GET' ? undefined : JSON.stringify(body),
          });
          expect({ method, path, status: res.status < 500 }).toEqual({ method, path, status: true });
        }
      }),
      { numRuns: 100 },
    );
  });

  /**
   * Values that pass a syntactic check but that PostgreSQL (or the alerter) cannot take: impossible calendar dates,
   * year 0, hours past 23, and numbers beyond what a column holds (1e21 passes @IsInt; bigint stops at 9.2e18).
   * Each is the client's fault: 400 naming the field, never a 500 or a command sent on.
   */
  it.each<[string, string, string, unknown, string]>([
    ['GET', '/v1/performance?campaignId=C1&from=2025-02-30&to=2025-03-01', '', undefined, 'from'],
    ['GET', '/v1/performance?campaignId=C1&from=0000-01-01&to=0000-01-02', '', undefined, 'from'],
    ['GET', '/v1/performance?campaignId=C1&from=2025-06-01&to=2025-06-31', '', undefined, 'to'],
    ['GET', '/v1/performance?campaignId=C1&from=2025-06-03T25:00:00Z&to=2025-06-04T00:00:00Z', '', undefined, 'from'],
    [
      'GET',
      '/v1/performance?campaignId=C1&from=2025-06-03T10:00:00%2B99:00&to=2025-06-04T00:00:00Z',
      '',
      undefined,
      'from',
    ],
    ['GET', '/v1/alerts?since=2025-02-30T00:00:00Z', '', undefined, 'since'],
    ['GET', '/v1/quarantine?since=0000-01-01T00:00:00Z', '', undefined, 'since'],
    ['POST', '/v1/alert-rules', 'minImpressions 1e21', { minImpressions: 1e21 }, 'minImpressions'],
    ['POST', '/v1/alert-rules', 'minClicks 1e21', { minClicks: 1e21 }, 'minClicks'],
    ['POST', '/v1/alert-rules', 'threshold 1e21', { threshold: '1e21' }, 'threshold'],
    ['POST', '/v1/alert-rules', 'threshold of 30 digits', { threshold: '1'.repeat(30) }, 'threshold'],
    ['POST', '/v1/alert-rules', 'minSpend of 30 digits', { minSpend: `${'9'.repeat(30)}.5` }, 'minSpend'],
    ['PATCH', '/v1/alert-rules/1', 'minImpressions 1e21', { minImpressions: 1e21 }, 'minImpressions'],
    ['PATCH', '/v1/alert-rules/1', 'threshold 1e21', { threshold: 1e21 }, 'threshold'],
    ['POST', '/v1/alerts/1/snooze', 'until 2025-02-30', { until: '2025-02-30T00:00:00Z' }, 'until'],
    ['POST', '/v1/alerts/1/snooze', 'until year 0', { until: '0000-06-01T00:00:00Z' }, 'until'],
    ['POST', '/v1/alerts/1/snooze', 'minutes 1e21', { minutes: 1e21 }, 'minutes'],
    ['POST', '/v1/reprocess', 'from 2025-02-30', { from: '2025-02-30T00:00:00Z', to: '2025-03-01T00:00:00Z' }, 'from'],
    ['POST', '/v1/reprocess', 'from year 0', { from: '0000-01-01T00:00:00Z', to: '0000-01-02T00:00:00Z' }, 'from'],
    [
      'PUT',
      '/v1/advertisers/ADV1/settings',
      'a number for a window',
      { attributionWindow: { sp: 1e21 } },
      'attributionWindow.sp',
    ],
  ])('%s %s %s is a 400 naming the field', async (method, path, _what, patch, field) => {
    const rule = {
      name: 'r',
      metric: 'acos',
      condition: 'above',
      threshold: '30',
      windowHours: 24,
      entityLevel: 'campaign',
    };
    const body =
      method === 'GET'
        ? undefined
        : JSON.stringify(method === 'POST' && path === '/v1/alert-rules' ? { ...rule, ...(patch as object) } : patch);
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body,
    });
    const answer = (await res.json()) as { errors?: Array<{ field: string }>; field?: string };
    expect({
      status: res.status,
      fields: [...(answer.errors ?? []).map((e) => e.field), answer.field].filter(Boolean),
    }).toEqual({
      status: 400,
      fields: expect.arrayContaining([field]),
    });
  });
});
