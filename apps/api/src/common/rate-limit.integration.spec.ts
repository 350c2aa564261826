import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const KEY = 'ratelimit-key-0123456789abcdef';
const OTHER = 'ratelimit-other-key-0123456789';
const LIMIT = 20;

/** The per-key limit counts a key's requests across every route, whatever the spelling of its header. */
describe('api: rate limit per key and failed authentication per address (real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: RunningTestApp<ApiEnv>;
  const get = async (path: string, authorization?: string) => {
    const res = await fetch(`${api.baseUrl}${path}`, { headers: authorization ? { authorization } : {} });
    await res.arrayBuffer();
    return res;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apirate')),
      API_KEYS: `${KEY},${OTHER}`,
      API_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      API_AUTH_FAILURES_PER_MINUTE: '5',
    });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('counts one bucket per key across routes and header spellings', async () => {
    const spellings = [`Bearer ${KEY}`, `bearer ${KEY}`, `Bearer  ${KEY}`, `BEARER ${KEY} `];
    const routes = ['/v1/campaigns', '/v1/budgets', '/v1/subscriptions', '/v1/alert-rules', '/v1/quarantine'];
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 5; i++)
      statuses.push((await get(routes[i % routes.length], spellings[i % spellings.length])).status);
    expect(statuses.slice(0, LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(LIMIT)).toEqual([429, 429, 429, 429, 429]);
    const limited = await get('/v1/advertisers/ADV1/settings', `bearer   ${KEY}`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // another key has its own bucket
    expect((await get('/v1/campaigns', `Bearer ${OTHER}`)).status).toBe(200);
  });

  it('limits failed authentications per client address, before a key is looked at', async () => {
    const statuses: number[] = [];
    // spread over routes (and /health, which shows more to a valid key): one count per address
    const paths = ['/v1/campaigns', '/v1/budgets', '/health', '/v1/alerts'];
    for (let i = 0; i < 8; i++)
      statuses.push((await get(paths[i % paths.length], `Bearer guess-${i}-0123456789abcdefgh`)).status);
    // /health answers a wrong key with its anonymous view (200), but the failure is counted: the 5th failure is the
    // limit, the 6th request is refused
    expect(statuses).toEqual([401, 401, 200, 401, 401, 429, 200, 429]);
    // while blocked, even a good key from that address waits (a guess that hits is not told apart)
    const blocked = await get('/v1/campaigns', `Bearer ${OTHER}`);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('behind a trusted proxy (API_TRUST_PROXY), counts failures per forwarded client address', async () => {
    const proxied = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apiprox')),
      API_KEYS: KEY,
      API_AUTH_FAILURES_PER_MINUTE: '2',
      API_TRUST_PROXY: 'loopback',
    });
    try {
      const from = async (client: string, key: string) =>
        (
          await fetch(`${proxied.baseUrl}/v1/campaigns`, {
            headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': client },
          })
        ).status;
      expect([
        await from('203.0.113.1', 'bad-key-0123456789abcdefgh'),
        await from('203.0.113.1', 'bad-key-0123456789abcdefgh'),
      ]).toEqual([401, 401]);
      expect(await from('203.0.113.1', 'bad-key-0123456789abcdefgh')).toBe(429);
      expect(await from('203.0.113.2', KEY)).toBe(200);
    } finally {
      await proxied.close();
    }
  });
});
