import { get as httpGet } from 'node:http';
import { Client } from 'pg';
import { PERF_HOURLY_UPDATED, PerfHourlyUpdatedV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import {
  createTestDatabase,
  type PrivateNatsServer,
  startPrivateNatsServer,
  type TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';
import { baseTestEnv, type RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';
import { PerformanceCache } from './performance.cache';
import { PerformanceQueryDto } from './dto/performance-query.dto';
import { PerformanceRepository } from './performance.repository';
import { PerformanceService } from './performance.service';

jest.setTimeout(120_000);

const KEY = 'cache-spec-key-0123456789';
const DAY = '2025-06-03';

interface Body {
  data: Array<Record<string, unknown>>;
  totals: { impressions: number; orders: number; sales: string };
}

/** A fact as the processor would store it: 1 impression per row unless given, orders 7d = 1, orders 14d = 5. */
async function insertFact(
  pg: Client,
  advertiserId: string,
  campaignId: string,
  keywordId: string,
  hourLocal: number,
  impressions = 1,
) {
  const utc = new Date(Date.UTC(2025, 5, 3, hourLocal + 7)).toISOString();
  await pg.query(
    `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
       hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d, orders_14d, sales_14d)
     VALUES ($1, 'ATVPDKIKX0DER', $2, 'G1', 'A1', $3, 'Top of Search on-Amazon', $4, -420, 'sp', 'USD', $5, 0, 0, 1, 10, 5, 50)`,
    [advertiserId, campaignId, keywordId, utc, impressions],
  );
  return { advertiserId, campaignId, hourStart: utc, utcOffsetMinutes: -420 };
}

function harness(getApi: () => RunningTestApp<ApiEnv>) {
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${getApi().baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY}`, ...headers } });
  const read = async (path: string) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    return { cache: res.headers.get('x-cache'), etag: res.headers.get('etag'), body: (await res.json()) as Body };
  };
  const cache = () => getApi().app.get(PerformanceCache);
  /** Publishes the processor's event and waits until this replica has applied it. */
  const announce = async (touched: Array<Awaited<ReturnType<typeof insertFact>>>) => {
    const before = cache().generation;
    await getApi()
      .app.get(JetStreamService)
      .publish(PERF_HOURLY_UPDATED, { version: 1, touched, emittedAt: new Date().toISOString() });
    await waitFor(() => cache().generation > before, { description: 'the event applied to the cache' });
  };
  return { get, read, cache, announce };
}

describe('api: /v1/performance response cache (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  const { read, cache, announce } = harness(() => api);
  const campaignPath = `/v1/performance?campaignId=C1&from=${DAY}&to=${DAY}&granularity=day`;
  const advertiserPath = `/v1/performance?advertiserId=ADV1&from=${DAY}&to=${DAY}&granularity=day`;

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await insertFact(pg, 'ADV1', 'C1', 'k1', 10, 100);
    await insertFact(pg, 'ADV1', 'C2', 'k1', 10, 1000);
    api = await startNestApp(appDefinition, { ...baseTestEnv(db, uniquePrefix('apicache')), API_KEYS: KEY });
    await waitFor(() => cache().ticket() !== undefined, { description: 'the cache to be live' });
  });
  afterAll(async () => {
    await api?.close();
    await pg?.end();
    await db?.drop();
  });

  it('serves a repeat from the cache with its ETag, and 304 for If-None-Match', async () => {
    const first = await read(campaignPath);
    expect(first.cache).toBe('miss');
    const second = await read(campaignPath);
    expect(second).toEqual({ ...first, cache: 'hit' });
    expect(second.etag).toMatch(/^W\/"/);
    // node:http, not fetch: fetch adds Cache-Control: no-cache to a conditional request, which asks for a 200
    const status = await new Promise<number | undefined>((resolve, reject) => {
      httpGet(
        `${api.baseUrl}${campaignPath}`,
        { headers: { authorization: `Bearer ${KEY}`, 'if-none-match': second.etag as string } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      ).on('error', reject);
    });
    expect(status).toBe(304);
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/ams_api_performance_cache_hits_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ams_api_performance_cache_misses_total\{[^}]*\} [1-9]/);
  });

  it('a record stored and announced is in the very next campaign-level response', async () => {
    expect((await read(campaignPath)).cache).toBe('hit');
    const before = (await read(campaignPath)).body.totals.impressions;
    await announce([await insertFact(pg, 'ADV1', 'C1', 'k2', 11, 7)]);
    const after = await read(campaignPath);
    expect(after.body.totals.impressions).toBe(before + 7);
    expect(after.cache).toBe('miss');
  });

  it('a record of another campaign of the advertiser is in the very next advertiser-level response', async () => {
    await read(advertiserPath);
    const cached = await read(advertiserPath);
    expect(cached.cache).toBe('hit');
    // C3 is new: no entry was keyed on it, only the advertiser ties it to the cached answer
    await announce([await insertFact(pg, 'ADV1', 'C3', 'k1', 12, 30)]);
    const after = await read(advertiserPath);
    expect(after.body.totals.impressions).toBe(cached.body.totals.impressions + 30);
  });

  it('does not store a result whose campaign was invalidated while its query ran (generation check)', async () => {
    const path = `/v1/performance?campaignId=C2&from=${DAY}&to=${DAY}&granularity=hour`;
    const service = api.app.get(PerformanceService);
    let fact: Awaited<ReturnType<typeof insertFact>> | undefined;
    // the update lands after the query read the facts and before the result is stored
    service.beforeStore = async () => {
      service.beforeStore = undefined;
      fact = await insertFact(pg, 'ADV1', 'C2', 'k9', 13, 5);
      await announce([fact]);
    };
    const raced = await read(path);
    expect(fact).toBeDefined();
    expect(raced.body.totals.impressions).toBe(1000); // read before the update
    const next = await read(path);
    expect(next.cache).toBe('miss'); // the raced result was not stored …
    expect(next.body.totals.impressions).toBe(1005); // … so the update shows
    expect((await read(path)).cache).toBe('hit');
  });

  it('uses a changed attribution setting on the very next response, campaign- and advertiser-level', async () => {
    const c = await read(campaignPath);
    const a = await read(advertiserPath);
    expect((await read(campaignPath)).cache).toBe('hit');
    expect((await read(advertiserPath)).cache).toBe('hit');
    const rows = Number((await pg.query(`SELECT count(*) FROM hourly_fact WHERE campaign_id = 'C1'`)).rows[0].count);
    expect(c.body.totals.orders).toBe(rows); // 7 d: one order per fact
    const put = await fetch(`${api.baseUrl}/v1/advertisers/ADV1/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ attributionWindow: { sp: '14d' } }),
    });
    expect(put.status).toBe(200);
    expect((await read(campaignPath)).body.totals.orders).toBe(5 * rows);
    expect((await read(advertiserPath)).body.totals.orders).toBe(5 * a.body.totals.orders);
    expect((await read(campaignPath)).cache).toBe('hit'); // stored again under the new setting
  });

  it('hits that arrive together share one settings read; a setting changed on another replica shows on the next call', async () => {
    const service = api.app.get(PerformanceService);
    const repo = api.app.get(PerformanceRepository);
    const q = Object.assign(new PerformanceQueryDto(), { campaignId: 'C1', from: DAY, to: DAY, granularity: 'day' });
    await service.cachedQuery(q);
    expect((await service.cachedQuery(q)).cache).toBe('hit');
    const reads = jest.spyOn(repo, 'settingsStamp');
    try {
      const burst = await Promise.all(Array.from({ length: 10 }, () => service.cachedQuery(q)));
      expect(burst.map((r) => r.cache)).toEqual(Array(10).fill('hit'));
      expect(reads).toHaveBeenCalledTimes(1);

      // another replica changes the setting (no event reaches this one); the next call reads after it
      const rows = Number((await pg.query(`SELECT count(*) FROM hourly_fact WHERE campaign_id = 'C1'`)).rows[0].count);
      await pg.query(
        `INSERT INTO advertiser_setting (advertiser_id, attribution_window_sp) VALUES ('ADV1', '7d')
         ON CONFLICT (advertiser_id) DO UPDATE SET attribution_window_sp = '7d'`,
      );
      const next = await service.cachedQuery(q);
      expect(next.cache).toBe('miss');
      expect((JSON.parse(next.body.toString()) as Body).totals.orders).toBe(rows); // 7 d again: one order per fact
      expect(reads).toHaveBeenCalledTimes(3); // the hit's check, then the miss's own read
    } finally {
      reads.mockRestore();
    }
  });

  it('empties itself on an event it cannot read', async () => {
    await read(campaignPath);
    expect((await read(campaignPath)).cache).toBe('hit');
    const before = cache().generation;
    await api.app
      .get(JetStreamService)
      .publish(PERF_HOURLY_UPDATED, { version: 1, touched: 'garbage' } as unknown as PerfHourlyUpdatedV1);
    await waitFor(() => cache().generation > before, { description: 'the bad event handled' });
    expect(cache().size).toBe(0);
    expect((await read(campaignPath)).cache).toBe('miss');
  });
});

describe('api: /v1/performance cache across a NATS restart and within its bounds', () => {
  let db: TestDatabase;
  let pg: Client;
  let nats: PrivateNatsServer;
  let api: RunningTestApp<ApiEnv>;
  const { read, cache } = harness(() => api);
  const path = (campaign: string) => `/v1/performance?campaignId=${campaign}&from=${DAY}&to=${DAY}&granularity=day`;

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    for (const c of ['R1', 'B1', 'B2', 'B3']) await insertFact(pg, 'ADV2', c, 'k1', 10, 10);
    nats = await startPrivateNatsServer();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apicache_r'), nats.url),
      API_KEYS: KEY,
      API_CACHE_MAX_ENTRIES: '2',
    });
    await waitFor(() => cache().ticket() !== undefined, { description: 'the cache to be live' });
  });
  afterAll(async () => {
    await api?.close();
    await nats?.dispose();
    await pg?.end();
    await db?.drop();
  });

  it('is emptied when NATS goes away, stores nothing meanwhile, and after the reconnect shows what changed unannounced', async () => {
    await read(path('R1'));
    expect((await read(path('R1'))).cache).toBe('hit');

    await nats.stop();
    await waitFor(() => cache().ticket() === undefined, { description: 'the cache to be off', timeoutMs: 30_000 });
    expect(cache().size).toBe(0);
    // an update whose event nobody hears (the processor could not publish, or we could not receive)
    await insertFact(pg, 'ADV2', 'R1', 'k2', 11, 4);
    const during = await read(path('R1'));
    expect(during.body.totals.impressions).toBe(14);
    expect(await read(path('R1'))).toMatchObject({ cache: 'miss' }); // not stored while off
    expect(cache().size).toBe(0);

    await nats.start();
    await waitFor(() => cache().ticket() !== undefined, {
      description: 'the cache to be live again',
      timeoutMs: 30_000,
    });
    const after = await read(path('R1'));
    expect(after).toMatchObject({ cache: 'miss', body: { totals: { impressions: 14 } } });
    expect((await read(path('R1'))).cache).toBe('hit');
  });

  it('holds at most API_CACHE_MAX_ENTRIES entries, evicting the least recently used', async () => {
    cache().clear();
    await read(path('B1'));
    await read(path('B2'));
    expect((await read(path('B1'))).cache).toBe('hit'); // B1 now the most recent
    await read(path('B3')); // evicts B2
    expect(cache().size).toBe(2);
    expect((await read(path('B1'))).cache).toBe('hit');
    expect((await read(path('B2'))).cache).toBe('miss');
  });
});
