import { Client } from 'pg';
import { PERF_HOURLY_UPDATED } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import {
  createTestDatabase,
  type PrivateReplicaPair,
  startPrivateReplicaPair,
  type TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';
import { baseTestEnv, type RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';
import { PerformanceCache } from '../performance/performance.cache';
import { ReadDb } from './read-db.service';

jest.setTimeout(60_000);

const KEY = 'replica-spec-key-0123456789';
const DAY = '2025-06-03';
const PATH = `/v1/performance?campaignId=C1&from=${DAY}&to=${DAY}&granularity=day`;
const MAX_LAG_MS = 1500;

/**
 * The api on a real primary and hot standby (made by the test: initdb, pg_basebackup -R), DATABASE_READ_URL on the
 * standby. Replication lag is induced by pausing the standby's replay (pg_wal_replay_pause): the api's answers stay
 * those of the primary's latest commit for every update it heard of, its cache never keeps an answer older than an
 * update event, and once replay resumes the replica serves again.
 */
describe('api: reads on a PostgreSQL streaming replica (DATABASE_READ_URL)', () => {
  let pair: PrivateReplicaPair;
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  let impressions = 0;

  const read = async (path = PATH) => {
    const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    return { cache: res.headers.get('x-cache'), body: (await res.json()) as { totals: { impressions: number } } };
  };
  const reads = async (server: 'replica' | 'primary') => {
    const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
    return Number(new RegExp(`ams_api_reads_total\\{[^}]*server="${server}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
  };
  const cache = () => api.app.get(PerformanceCache);
  const readDb = () => api.app.get(ReadDb);

  /** A fact committed on the primary, as the processor stores it (hour 10 + n local). */
  const insertFact = async (n: number, count: number) => {
    const utc = new Date(Date.UTC(2025, 5, 3, 10 + n + 7)).toISOString();
    await pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
         hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d, orders_14d, sales_14d)
       VALUES ('ADV1', 'ATVPDKIKX0DER', 'C1', 'G1', 'A1', 'k1', 'Top of Search on-Amazon', $1, -420, 'sp', 'USD', $2, 0, 0, 1, 10, 5, 50)`,
      [utc, count],
    );
    impressions += count;
    return { advertiserId: 'ADV1', campaignId: 'C1', hourStart: utc, utcOffsetMinutes: -420 };
  };
  /** The processor's update event (with the primary's WAL position after the commit, or without, as older ones sent). */
  const announce = async (touched: Awaited<ReturnType<typeof insertFact>>, withLsn: boolean) => {
    const walLsn = withLsn
      ? (await pg.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn
      : undefined;
    const before = cache().generation;
    await api.app.get(JetStreamService).publish(PERF_HOURLY_UPDATED, {
      version: 1,
      touched: [touched],
      emittedAt: new Date().toISOString(),
      ...(walLsn ? { walLsn } : {}),
    });
    await waitFor(() => cache().generation > before, { description: 'the event applied to the cache' });
  };

  beforeAll(async () => {
    pair = await startPrivateReplicaPair();
    db = await createTestDatabase({ adminUrl: pair.primaryUrl });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    for (let n = 0; n < 3; n++) await insertFact(n, 100);
    await pair.caughtUp();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('replica')),
      API_KEYS: KEY,
      DATABASE_READ_URL: pair.onStandby(db.url),
      DATABASE_READ_MAX_LAG_MS: String(MAX_LAG_MS),
      DATABASE_READ_LAG_CHECK_MS: '100',
    });
    await waitFor(() => cache().ticket() !== undefined && readDb().replicaUsable, {
      description: 'the cache live and the replica in use',
    });
    // the cache went live after the lag checks began: replica answers are cacheable once a check after that moment
    // found the replica caught up (until then misses read the primary)
    await waitFor(async () => (await readDb().target(cache().need('C1', 'ADV1'))).replica, {
      description: 'the replica caught up with the moment the cache went live',
    });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await pg?.end();
    await db?.drop();
    await pair?.dispose();
  });

  it('reads the replica while it keeps up, and caches what it read', async () => {
    const replicaBefore = await reads('replica');
    const first = await read();
    expect(first).toEqual({
      cache: 'miss',
      body: expect.objectContaining({ totals: expect.objectContaining({ impressions }) }),
    });
    expect(await reads('replica')).toBeGreaterThan(replicaBefore);
    expect((await read()).cache).toBe('hit');
    const campaigns = await fetch(`${api.baseUrl}/v1/campaigns?advertiserId=ADV1`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(campaigns.status).toBe(200);
    // the dashboard's own reads go there too
    for (const path of ['/v1/advertisers', '/v1/advertisers/ADV1/freshness']) {
      const before = await reads('replica');
      const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(res.status).toBe(200);
      expect(await reads('replica')).toBeGreaterThan(before);
    }
  });

  it('with replay paused: every answer has every update the api heard of, and no stale answer is cached', async () => {
    await pair.pauseReplay();
    try {
      // an update with its WAL position: the replica has not replayed it, so the primary answers (and may cache)
      await announce(await insertFact(3, 7), true);
      const a = await read();
      expect(a.body.totals.impressions).toBe(impressions);
      expect((await read()).body.totals.impressions).toBe(impressions);

      // an update from an older processor (no position): the replica must have replayed past the moment it was heard
      await announce(await insertFact(4, 5), false);
      expect((await read()).body.totals.impressions).toBe(impressions);

      // the replica now lags beyond DATABASE_READ_MAX_LAG_MS: every read goes to the primary, uncached ones included
      await waitFor(() => !readDb().replicaUsable, { description: 'the replica marked lagging', timeoutMs: 10_000 });
      const primaryBefore = await reads('primary');
      const list = await fetch(`${api.baseUrl}/v1/budgets`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(list.status).toBe(200);
      expect(await reads('primary')).toBeGreaterThan(primaryBefore);
      const lag = /ams_api_read_replica_lag_seconds(?:\{[^}]*\})? ([\d.]+)/.exec(
        await (await fetch(`${api.baseUrl}/metrics`)).text(),
      );
      expect(Number(lag?.[1])).toBeGreaterThan(MAX_LAG_MS / 1000);
      // what the cache holds is the primary's latest
      const cached = await read();
      expect(cached).toEqual({
        cache: 'hit',
        body: expect.objectContaining({ totals: expect.objectContaining({ impressions }) }),
      });
      // the standby really is behind: it does not have the last two facts
      const standby = new Client({ connectionString: pair.onStandby(db.url) });
      await standby.connect();
      try {
        const n = await standby.query<{ n: string }>(
          `SELECT sum(impressions) AS n FROM hourly_fact WHERE campaign_id = 'C1'`,
        );
        expect(Number(n.rows[0].n)).toBe(impressions - 12);
      } finally {
        await standby.end();
      }
    } finally {
      await pair.resumeReplay();
    }
  });

  it('the cache refuses an answer read from a replica behind an update it heard of', async () => {
    const c = cache();
    const ticket = c.ticket();
    c.invalidate([{ advertiserId: 'ADV9', campaignId: 'C9' }], 1000n);
    const entry = {
      body: Buffer.from('{}'),
      etag: 'W/"x"',
      campaignId: 'C9',
      settingsAdvertisers: null,
      settingsStamp: '',
    };
    const now = Date.now();
    expect(c.set('k9', { ...entry, readFrom: { lsn: 999n, caughtUpAt: now } }, c.ticket())).toBe('behind');
    expect(c.set('k9', { ...entry, readFrom: { lsn: 1000n, caughtUpAt: now } }, ticket)).toBe('raced');
    expect(c.set('k9', { ...entry, readFrom: { lsn: 1000n, caughtUpAt: now } }, c.ticket())).toBe('stored');
  });

  it('after replay resumes: the replica serves again, with fresh answers, and caches them', async () => {
    await pair.caughtUp();
    await waitFor(() => readDb().replicaUsable, { description: 'the replica back in use', timeoutMs: 10_000 });
    const replicaBefore = await reads('replica');
    await announce(await insertFact(5, 3), true);
    await pair.caughtUp();
    const fresh = await read();
    expect(fresh).toEqual({
      cache: 'miss',
      body: expect.objectContaining({ totals: expect.objectContaining({ impressions }) }),
    });
    expect(await reads('replica')).toBeGreaterThan(replicaBefore);
    expect((await read()).cache).toBe('hit');
  });
});
