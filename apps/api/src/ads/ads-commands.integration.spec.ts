import { Client } from 'pg';
import {
  type AdsEmulator,
  connectorEnvFor,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_PROFILE_IDS,
  DEFAULT_REFRESH_TOKEN,
  defaultSeed,
  startAdsEmulator,
} from '@ams/ads-api-emulator';
import { createTestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, startNestApp } from '@ams/testing/nest';
// the real connector answers the api's commands (one process, one NATS prefix, one database) against the Ads API
// emulator: no stand-in for our own code
// eslint-disable-next-line @nx/enforce-module-boundaries
import { appDefinition as connectorDefinition } from '../../../connector/src/app.module';
import { appDefinition } from '../app.module';

const KEY = 'ads-commands-spec-key-0123456789';
const [US, DE] = DEFAULT_PROFILE_IDS;
const ARN = 'arn:aws:sqs:us-east-1:123456789012:ams-sp-traffic';

type Json = Record<string, unknown> & { data: Array<Record<string, unknown>>; nextCursor: string | null };

async function startPair(label: string, credentials: Record<string, string>) {
  const db = await createTestDatabase();
  const prefix = uniquePrefix(label);
  const connector = await startNestApp(connectorDefinition, {
    ...baseTestEnv(db, prefix),
    ...credentials,
    ADS_SYNC_ON_START: 'false',
    ADS_RETRY_BASE_DELAY_MS: '10',
    ADS_RETRY_MAX_ATTEMPTS: '3',
    ADS_REQUEST_TIMEOUT_MS: '5000',
  });
  const api = await startNestApp(appDefinition, {
    ...baseTestEnv(db, prefix),
    API_KEYS: KEY,
    API_RATE_LIMIT_PER_MINUTE: '1000',
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: (text ? JSON.parse(text) : null) as Json };
  };
  return { db, connector, api, call };
}

describe('api: /v1/ads commands through the real connector and the Ads API emulator (PostgreSQL, NATS)', () => {
  let emu: AdsEmulator;
  let pair: Awaited<ReturnType<typeof startPair>>;
  let pg: Client;

  beforeAll(async () => {
    emu = await startAdsEmulator({ port: 0, seed: defaultSeed() });
    pair = await startPair('apiadscmd', {
      ...connectorEnvFor(emu),
    });
    pg = new Client({ connectionString: pair.db.url });
    await pg.connect();
  }, 60_000);
  afterAll(async () => {
    await pg?.end();
    await pair?.api.close();
    await pair?.connector.close();
    await pair?.db.drop();
    await emu?.stop();
  });

  it('POST /v1/ads/profiles/sync lists the profiles; GET shows them, exact ids and time zones, and the connection', async () => {
    const sync = await pair.call('POST', '/v1/ads/profiles/sync', {});
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ profiles: 3, failures: [] });
    const profiles = await pair.call('GET', '/v1/ads/profiles');
    expect(profiles.body.data.map((p) => [p['profileId'], p['timeZone']]).sort()).toEqual(
      [
        [US, 'America/Los_Angeles'],
        [DE, 'Europe/Berlin'],
        [DEFAULT_PROFILE_IDS[2], 'Asia/Tokyo'],
      ].sort(),
    );
    expect(profiles.text).toContain(`"profileId":"${DE}"`); // 2^53 + 1, not rounded
    const connection = await pair.call('GET', '/v1/ads/connection');
    expect(connection.body).toMatchObject({ configured: true, state: 'authorized', region: 'NA', lastError: null });
    expect(connection.body['lastTokenRefreshAt']).not.toBeNull();
    expect(
      (connection.body['syncs'] as Array<Record<string, unknown>>).filter((s) => s['kind'] === 'profiles'),
    ).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'ok' })]));
    // nothing secret in what the api shows
    for (const secret of [DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN]) expect(connection.text).not.toContain(secret);
  });

  it('POST /v1/ads/entities/sync: GET /v1/campaigns then names every synced campaign with its budget', async () => {
    const sync = await pair.call('POST', '/v1/ads/entities/sync', { profileId: US });
    expect(sync.status).toBe(200);
    const results = sync.body['results'] as Array<{
      profileId: string;
      status: string;
      counts: Record<string, number>;
    }>;
    expect(results).toEqual([expect.objectContaining({ profileId: US, status: 'ok' })]);
    const us = (await pair.call('GET', '/v1/ads/profiles')).body.data.find((p) => p['profileId'] === US);
    const advertiserId = String(us?.['advertiserId']);
    const campaigns = await pair.call('GET', `/v1/campaigns?advertiserId=${advertiserId}`);
    expect(campaigns.body.data).toHaveLength(5); // the seed's five campaigns per advertiser, none with performance yet
    for (const c of campaigns.body.data) {
      expect(c).toMatchObject({ name: expect.stringMatching(/ - /), source: { kind: 'ads_api' } });
      expect((c['budget'] as { amount: string }).amount).toMatch(/^\d+\.\d{2,}$/);
    }
    const settings = await pair.call('GET', `/v1/advertisers/${advertiserId}/settings`);
    expect(settings.body['profile']).toMatchObject({ profileId: US, timeZone: 'America/Los_Angeles' });
  });

  it('creates a subscription per dataset, then reuses them; lists, refreshes and archives', async () => {
    const req = { profileId: US, dataSetIds: ['sp-traffic', 'budget-usage'], destinationArn: ARN };
    const first = await pair.call('POST', '/v1/ads/stream-subscriptions', req);
    expect(first.status).toBe(200);
    const firstResults = first.body['results'] as Array<Record<string, unknown>>;
    expect(firstResults.map((r) => [r['dataSetId'], r['outcome']])).toEqual([
      ['sp-traffic', 'created'],
      ['budget-usage', 'created'],
    ]);
    const second = await pair.call('POST', '/v1/ads/stream-subscriptions', req);
    const secondResults = second.body['results'] as Array<Record<string, unknown>>;
    expect(secondResults.map((r) => [r['dataSetId'], r['outcome']])).toEqual([
      ['sp-traffic', 'reused'],
      ['budget-usage', 'reused'],
    ]);
    expect(secondResults.map((r) => r['subscriptionId'])).toEqual(firstResults.map((r) => r['subscriptionId']));
    expect(emu.control.subscriptions(US)).toHaveLength(2);

    // Amazon's refusal of one dataset is that dataset's result, not a failed request
    emu.control.injectFault({ route: 'streams', method: 'POST', action: { kind: 'status', status: 400 } });
    const refused = await pair.call('POST', '/v1/ads/stream-subscriptions', { ...req, dataSetIds: ['sp-conversion'] });
    expect(refused.status).toBe(200);
    expect(refused.body['results']).toEqual([
      expect.objectContaining({
        dataSetId: 'sp-conversion',
        outcome: 'failed',
        error: expect.objectContaining({ status: 400 }),
      }),
    ]);

    const listed = await pair.call('GET', `/v1/ads/stream-subscriptions?profileId=${US}&refresh=true`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((s) => [s['dataSetId'], s['status']]).sort()).toEqual([
      ['budget-usage', 'PENDING_CONFIRMATION'],
      ['sp-traffic', 'PENDING_CONFIRMATION'],
    ]);

    const id = String(firstResults[1]['subscriptionId']);
    const archived = await pair.call('DELETE', `/v1/ads/stream-subscriptions/${id}`);
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ subscriptionId: id, profileId: US, status: 'ARCHIVED' });
    expect(emu.control.subscriptions(US).find((s) => s.subscriptionId === id)?.status).toBe('ARCHIVED');
    const { rows } = await pg.query(
      `SELECT action, target, outcome, status FROM audit_log WHERE action = 'ads.stream-subscription.archive'`,
    );
    expect(rows).toEqual([
      { action: 'ads.stream-subscription.archive', target: `ads:subscription:${id}`, outcome: 'ok', status: 200 },
    ]);
  });
});

describe('api: /v1/ads commands with the connector unconfigured (no Ads API credentials)', () => {
  let pair: Awaited<ReturnType<typeof startPair>>;
  beforeAll(async () => {
    pair = await startPair('apiadsuncfg', {});
  }, 60_000);
  afterAll(async () => {
    await pair?.api.close();
    await pair?.connector.close();
    await pair?.db.drop();
  });

  it('answers 503 UNAVAILABLE naming what is missing; the connection says unconfigured', async () => {
    for (const [path, body] of [
      ['/v1/ads/profiles/sync', {}],
      ['/v1/ads/entities/sync', {}],
      ['/v1/ads/stream-subscriptions', { profileId: US, dataSetIds: ['sp-traffic'], destinationArn: ARN }],
    ] as const) {
      const res = await pair.call('POST', path, body);
      expect([path, res.status, res.body['code']]).toEqual([path, 503, 'UNAVAILABLE']);
      expect(String(res.body['message'])).toMatch(/ADS_API_/);
    }
    const connection = await pair.call('GET', '/v1/ads/connection');
    expect(connection.body).toMatchObject({ configured: false, state: 'unconfigured' });
  });
});
