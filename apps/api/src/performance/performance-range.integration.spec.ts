import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const KEY = 'range-key-0123456789abcdefghij';

/** Daily ranges are capped (API_MAX_DAILY_RANGE_DAYS, default 400): years of rollups are not one request. */
describe('api: /v1/performance range caps (real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: RunningTestApp<ApiEnv>;
  const get = async (query: string) => {
    const res = await fetch(`${api.baseUrl}/v1/performance?${query}`, { headers: { authorization: `Bearer ${KEY}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startNestApp(appDefinition, { ...baseTestEnv(db, uniquePrefix('apirange')), API_KEYS: KEY });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('answers 400 naming to beyond 400 days by default, by date or by instant', async () => {
    // 2024-01-01 … 2025-02-03 inclusive: 400 days
    expect((await get('advertiserId=ADV1&from=2024-01-01&to=2025-02-03&granularity=day')).status).toBe(200);
    for (const q of [
      'advertiserId=ADV1&from=2024-01-01&to=2025-02-04&granularity=day',
      'advertiserId=ADV1&from=2000-01-01&to=2025-01-01&granularity=day',
      'advertiserId=ADV1&from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&granularity=day',
    ]) {
      expect(await get(q)).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION', errors: [{ field: 'to', reason: expect.stringContaining('400 days') }] },
      });
    }
  });

  it('refuses a bad API_MAX_DAILY_RANGE_DAYS at start, naming it', async () => {
    await expect(
      startNestApp(appDefinition, {
        ...baseTestEnv(db, uniquePrefix('apirange2')),
        API_KEYS: KEY,
        API_MAX_DAILY_RANGE_DAYS: '0',
      }),
    ).rejects.toThrow(/API_MAX_DAILY_RANGE_DAYS/);
  });
});
