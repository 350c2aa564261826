import fc from 'fast-check';
import { baseTestEnv, createTestDatabase, RunningTestApp, startNestApp, TestDatabase, uniquePrefix } from '@ams/testing';
import { appDefinition } from './app.module';
import { ApiEnv } from './config/api.env';

const KEY = 'fuzz-key-0123456789abcdefgh';
const PATHS = ['/v1/performance', '/v1/campaigns', '/v1/budgets', '/v1/alerts', '/v1/alert-rules', '/v1/quarantine', '/v1/subscriptions'];
const PARAMS = ['advertiserId', 'campaignId', 'adGroupId', 'keywordId', 'from', 'to', 'granularity', 'groupBy', 'attributionWindow', 'limit', 'cursor', 'state', 'since', 'q', 'dataset', 'status'];

/** Whatever query an authenticated client sends, the answer is 2xx or 4xx — never a 5xx, never a stack. */
describe('api: fuzzed queries (real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: RunningTestApp<ApiEnv>;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startNestApp(appDefinition, { ...baseTestEnv(db, uniquePrefix('apifuzz')), API_KEYS: KEY, API_RATE_LIMIT_PER_MINUTE: '1000000' });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('2025-06-03', '2025-06-03T10:00:00-07:00', '-1', '0', '99999999999999999999', "1' OR 1=1--", '%00', '[]', '{}', 'hour', 'day', 'keyword', '7d', 'firing'),
    fc.integer().map(String),
  );
  const query = fc.dictionary(fc.oneof(fc.constantFrom(...PARAMS), fc.string({ minLength: 1, maxLength: 10 })), value, { maxKeys: 6 });

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
});
