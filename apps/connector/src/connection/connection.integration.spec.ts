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
