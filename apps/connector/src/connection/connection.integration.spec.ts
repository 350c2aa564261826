import {
  ADS_CONNECTION_STATUS,
  AdsConnectionStatusV1,
  CONNECTOR_ENTITIES_SYNC,
  CONNECTOR_PROFILES_SYNC,
  CONNECTOR_SUBSCRIPTION_CREATE,
} from '@ams/contracts';
import { DEFAULT_REFRESH_TOKEN } from '@ams/ads-api-emulator';
import type { ConsumerHandle } from '@ams/platform';
import { waitFor } from '@ams/testing';
import { ConnectorHarness, QUEUE_ARN, US_PROFILE } from '../testing/connector.harness';

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  throw new Error('the command was answered without an error');
}

describe('connector without credentials', () => {
  let h: ConnectorHarness;
  beforeAll(async () => {
    h = await ConnectorHarness.create('conn_unconf', { configured: false });
  });
  afterAll(() => h?.close());

  it('starts, says so in /health, keeps /health/ready green and stores the state unconfigured', async () => {
    const health = await fetch(`${h.app?.baseUrl}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { integrations: { adsApi: Record<string, unknown> } };
    expect(body.integrations.adsApi).toMatchObject({ configured: false, status: 'unconfigured', region: 'NA' });
    const ready = await fetch(`${h.app?.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const rows = await waitFor(async () => {
      const r = await h.query<{ state: string; region: string }>('SELECT state, region FROM ads_connection');
      return r.length ? r : undefined;
    });
    expect(rows).toEqual([{ state: 'unconfigured', region: 'NA' }]);
  });

  it('answers every command UNAVAILABLE with a message naming the variables to set', async () => {
    for (const p of [
      h.request(CONNECTOR_PROFILES_SYNC, {}),
      h.request(CONNECTOR_ENTITIES_SYNC, {}),
      h.request(CONNECTOR_SUBSCRIPTION_CREATE, {
        profileId: US_PROFILE,
        dataSetIds: ['sp-traffic'],
        destinationArn: QUEUE_ARN,
      }),
    ]) {
      const r = await refusal(p);
      expect(r.code).toBe('UNAVAILABLE');
      expect(r.message).toMatch(/ADS_API_CLIENT_ID, ADS_API_CLIENT_SECRET and ADS_API_REFRESH_TOKEN/);
    }
  });
});

describe('connector whose refresh token is revoked', () => {
  let h: ConnectorHarness;
  let consumer: ConsumerHandle | undefined;
  const events: AdsConnectionStatusV1[] = [];
  beforeAll(async () => {
    h = await ConnectorHarness.create('conn_reauth');
    consumer = await h.js.consume(
      ADS_CONNECTION_STATUS,
      { durable: 'spec-connection', maxBatch: 50, maxWaitMs: 20, ackWaitMs: 30_000 },
      async (batch) => {
        for (const m of batch) events.push(m.payload);
      },
    );
  });
  afterAll(async () => {
    await consumer?.stop();
    await h?.close();
  });

  it('goes needs_reauthorization (row and event), then calls Amazon no more and answers UNAVAILABLE', async () => {
    const first = await h.request(CONNECTOR_PROFILES_SYNC, {});
    expect(first.failures).toEqual([]);
    await waitFor(() => events.some((e) => e.state === 'authorized'), { description: 'an authorized event' });
    const [authorized] = await h.query<{ state: string; last_token_refresh_at: Date | null }>(
      'SELECT state, last_token_refresh_at FROM ads_connection',
    );
    expect(authorized.state).toBe('authorized');
    expect(authorized.last_token_refresh_at).toBeInstanceOf(Date);

    h.emulator.control.revokeRefreshToken(DEFAULT_REFRESH_TOKEN);
    h.emulator.control.expireAccessTokens();
    const second = await h.request(CONNECTOR_PROFILES_SYNC, {});
    expect(second.failures[0]?.error).toMatch(/re-authorization|invalid_grant/);

    const event = await waitFor(() => events.find((e) => e.state === 'needs_reauthorization'), {
      description: 'a needs_reauthorization event',
    });
    expect(event.lastError).toMatch(/invalid_grant/);
    const [row] = await h.query<{ state: string; last_error: string }>('SELECT state, last_error FROM ads_connection');
    expect(row.state).toBe('needs_reauthorization');
    expect(row.last_error).toMatch(/invalid_grant/);
    expect(row.last_error).not.toContain(DEFAULT_REFRESH_TOKEN);

    const seen = h.emulator.control.requests.length;
    for (const p of [h.request(CONNECTOR_PROFILES_SYNC, {}), h.request(CONNECTOR_ENTITIES_SYNC, {})]) {
      const r = await refusal(p);
      expect(r.code).toBe('UNAVAILABLE');
      expect(r.message).toMatch(/consent again/);
    }
    const health = (await (await fetch(`${h.app?.baseUrl}/health`)).json()) as {
      integrations: { adsApi: { status: string } };
    };
    expect(health.integrations.adsApi.status).toBe('needs_reauthorization');
    expect(h.emulator.control.requests.length).toBe(seen);
  });
});

describe('connector syncs under the advisory lock', () => {
  let h: ConnectorHarness;
  beforeAll(async () => {
    h = await ConnectorHarness.create('conn_lock', { env: { ADS_COMMAND_LOCK_WAIT_MS: '300' } });
  });
  afterAll(() => h?.close());

  it('a command waits for the sync another replica holds, then answers CONFLICT; once free it runs', async () => {
    // another replica's profile sync: the same session lock (SYNC_LOCK_NAMESPACE 'ADSC', profiles = 1)
    await h.pg.query('SELECT pg_advisory_lock($1::int, 1)', [0x41445343]);
    const started = Date.now();
    const r = await refusal(h.request(CONNECTOR_PROFILES_SYNC, {}));
    expect(r.code).toBe('CONFLICT');
    expect(r.message).toMatch(/profiles sync is running/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(h.emulator.control.requestsTo('profiles')).toHaveLength(0);
    await h.pg.query('SELECT pg_advisory_unlock($1::int, 1)', [0x41445343]);
    const reply = await h.request(CONNECTOR_PROFILES_SYNC, {});
    expect(reply).toMatchObject({ profiles: 3, failures: [] });
  });
});

describe('connector shutting down', () => {
  let h: ConnectorHarness;
  beforeAll(async () => {
    h = await ConnectorHarness.create('conn_drain');
    await h.request(CONNECTOR_PROFILES_SYNC, {});
  });
  afterAll(() => h?.close());

  it('drains a running entity sync: the shutdown waits, the sync commits and the command is answered', async () => {
    // the first SP page takes 1.5 s to answer: the shutdown starts while the sync is inside its transaction
    h.emulator.control.injectFault({ route: 'sp', times: 1, action: { kind: 'delay', ms: 1500 } });
    const reply = h.request(CONNECTOR_ENTITIES_SYNC, { profileId: US_PROFILE });
    await waitFor(async () => {
      const [s] = await h.query<{ status: string }>(
        `SELECT status FROM ads_sync_state WHERE kind = 'entities' AND scope = $1`,
        [US_PROFILE],
      );
      return s?.status === 'running' && h.emulator.control.requestsTo('sp').length > 0;
    });
    const app = h.app;
    h.app = undefined;
    const closing = Date.now();
    await app?.close();
    expect(Date.now() - closing).toBeGreaterThanOrEqual(1000);
    const answered = await reply;
    expect(answered.results[0]).toMatchObject({ profileId: US_PROFILE, status: 'ok' });
    const [state] = await h.query<{ status: string }>(
      `SELECT status FROM ads_sync_state WHERE kind = 'entities' AND scope = $1`,
      [US_PROFILE],
    );
    expect(state.status).toBe('ok');
    const [{ n }] = await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM ads_entity WHERE profile_id = $1`, [
      US_PROFILE,
    ]);
    expect(n).toBeGreaterThan(0);
  });
});
