import {
  AdsEmulator,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_REFRESH_TOKEN,
  DEFAULT_PROFILE_IDS,
  startAdsEmulator,
} from '@ams/ads-api-emulator';
import { AdsApiClientOptions } from './ads-api-client';
import { emulatorClient } from './emulator-client.spec-env';
import { AdsHttpError, AdsNeedsReauthorizationError } from './errors';
import { AdsLogger } from './logger';

/** Login with Amazon and the connection state, over HTTP against the emulator. */
describe('AdsApiClient: tokens and authorization', () => {
  let emu: AdsEmulator;
  const logs: string[] = [];
  const logger: AdsLogger = {
    debug: (m, f) => logs.push(JSON.stringify({ m, f })),
    info: (m, f) => logs.push(JSON.stringify({ m, f })),
    warn: (m, f) => logs.push(JSON.stringify({ m, f })),
    error: (m, f) => logs.push(JSON.stringify({ m, f })),
  };
  const client = (o: Partial<AdsApiClientOptions> = {}) =>
    emulatorClient(emu, { logger, retry: { baseDelayMs: 20, maxDelayMs: 200 }, ...o });

  beforeAll(async () => {
    emu = await startAdsEmulator();
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.control.reset());

  it('refreshes before expiry, once, however many callers want a token at that moment', async () => {
    let clock = Date.now();
    const c = client({ now: () => clock, refreshMarginMs: 60_000 });
    await c.listProfiles();
    expect(emu.control.tokenGrants).toBe(1);
    const firstToken = emu.control.requestsTo('profiles')[0];
    expect(firstToken.status).toBe(200);

    // 59 min 0 s later: still outside the 60 s margin, the cached token is used
    clock += 3_540_000 - 1_000;
    await Promise.all(Array.from({ length: 10 }, () => c.listProfiles()));
    expect(emu.control.tokenGrants).toBe(1);

    // 59 min 1 s: inside the margin, 25 concurrent calls share one refresh, and none gets a 401 (the old token
    // had not expired at the emulator: the refresh came before expiry, not after a rejection)
    clock += 2_000;
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => (i % 2 ? c.listProfiles() : c.listSpCampaigns(DEFAULT_PROFILE_IDS[0]))),
    );
    expect(results).toHaveLength(25);
    expect(emu.control.tokenGrants).toBe(2);
    expect(emu.control.requestsTo('token')).toHaveLength(2);
    expect(emu.control.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(c.connectionStatus()).toMatchObject({ state: 'authorized', refreshCount: 2, lastError: undefined });
  });

  it('concurrent first calls share one token request', async () => {
    const c = client();
    await Promise.all(Array.from({ length: 20 }, () => c.listProfiles()));
    expect(emu.control.requestsTo('token')).toHaveLength(1);
    expect(emu.control.requestsTo('profiles')).toHaveLength(20);
  });

  it('a 401 renews the token once and retries once', async () => {
    const c = client();
    await c.listProfiles();
    emu.control.expireAccessTokens();
    const profiles = await c.listProfiles();
    expect(profiles).toHaveLength(3);
    expect(emu.control.requests.map((r) => `${r.route}:${r.status}`)).toEqual([
      'token:200',
      'profiles:200',
      'profiles:401',
      'token:200',
      'profiles:200',
    ]);
  });

  it('concurrent 401s share one renewal', async () => {
    const c = client();
    await c.listProfiles();
    emu.control.expireAccessTokens();
    await Promise.all(Array.from({ length: 12 }, () => c.listSpKeywords(DEFAULT_PROFILE_IDS[0])));
    expect(emu.control.requestsTo('token')).toHaveLength(2);
    expect(emu.control.requestsTo('sp').filter((r) => r.status === 401)).toHaveLength(12);
    expect(emu.control.requestsTo('sp').filter((r) => r.status === 200)).toHaveLength(12);
  });

  it('LwA 5xx and 429 are retried with back-off; the token comes on the third try', async () => {
    emu.control.injectFault({ route: 'token', action: { kind: 'status', status: 503 } });
    emu.control.injectFault({
      route: 'token',
      action: { kind: 'status', status: 429, headers: { 'Retry-After': '0' } },
    });
    await expect(client().listProfiles()).resolves.toHaveLength(3);
    expect(emu.control.requestsTo('token').map((r) => r.status)).toEqual([503, 429, 200]);
  });

  it('regional clients from forRegion share one token and one connection state', async () => {
    const na = client();
    const eu = na.forRegion('EU', emu.url);
    expect(na.forRegion('FE').apiBaseUrl).toBe('https://advertising-api-fe.amazon.com');
    expect(eu.region).toBe('EU');
    await Promise.all([na.listProfiles(), eu.listProfiles(), eu.listSdCampaigns(DEFAULT_PROFILE_IDS[1])]);
    expect(emu.control.requestsTo('token')).toHaveLength(1);
    emu.control.revokeRefreshToken(DEFAULT_REFRESH_TOKEN);
    emu.control.expireAccessTokens();
    await expect(eu.listProfiles()).rejects.toBeInstanceOf(AdsNeedsReauthorizationError);
    expect(na.connectionState).toBe('needs_reauthorization');
  });

  it('a second 401 after the renewal is the answer: no loop of refreshes', async () => {
    const c = client();
    await c.listProfiles();
    emu.control.injectFault({ route: 'profiles', times: 5, action: { kind: 'unauthorized' } });
    const err = await c.listProfiles().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdsHttpError);
    expect((err as AdsHttpError).status).toBe(401);
    expect((err as AdsHttpError).requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(emu.control.requests.map((r) => `${r.route}:${r.status}`)).toEqual([
      'token:200',
      'profiles:200',
      'profiles:401',
      'token:200',
      'profiles:401',
    ]);
  });

  it('invalid_grant puts the connection in needs_reauthorization and stops calling', async () => {
    const c = client();
    const states: string[] = [];
    c.onConnectionStateChange((s) => states.push(s));
    await c.listProfiles();
    emu.control.revokeRefreshToken(DEFAULT_REFRESH_TOKEN);
    emu.control.expireAccessTokens();

    const err = await c.listSpCampaigns(DEFAULT_PROFILE_IDS[0]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdsNeedsReauthorizationError);
    expect(c.connectionState).toBe('needs_reauthorization');
    expect(c.connectionStatus().lastError).toMatch(/invalid_grant/);
    expect(states).toEqual(['authorized', 'needs_reauthorization']);

    const seen = emu.control.requests.length;
    for (const call of [
      () => c.listProfiles(),
      () => c.listStreamSubscriptions(DEFAULT_PROFILE_IDS[0]),
      () => c.verifyAuthorization(),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(AdsNeedsReauthorizationError);
    }
    expect(emu.control.requests.length).toBe(seen); // not one more request, to LwA or the API
    // one 401 from the expired token, one token request answered invalid_grant, nothing after
    expect(emu.control.requests.slice(-2).map((r) => `${r.route}:${r.status}`)).toEqual(['sp:401', 'token:400']);
  });

  it('invalid_grant on the very first token request: the same, without any API call', async () => {
    emu.control.revokeRefreshToken(DEFAULT_REFRESH_TOKEN);
    const c = client();
    await expect(c.listProfiles()).rejects.toBeInstanceOf(AdsNeedsReauthorizationError);
    await expect(c.listProfiles()).rejects.toBeInstanceOf(AdsNeedsReauthorizationError);
    expect(emu.control.requests.map((r) => r.route)).toEqual(['token']);
  });

  it('a wrong client secret is a token error, not re-authorization, and it is not retried', async () => {
    const c = client({ clientSecret: 'wrong-secret-value' });
    const err = await c.listProfiles().catch((e: unknown) => e);
    expect((err as Error).name).toBe('AdsTokenError');
    expect((err as Error).message).toMatch(/HTTP 401.*invalid_client/);
    expect(c.connectionState).toBe('unauthorized');
    expect(emu.control.requestsTo('token')).toHaveLength(1);
  });

  it('HTTP Basic client authentication works the same', async () => {
    const c = client({ lwaClientAuth: 'basic' });
    await expect(c.listProfiles()).resolves.toHaveLength(3);
    expect(emu.control.requestsTo('token')[0].status).toBe(200);
  });

  it('sends the client id and bearer on every call, the scope on every call but GET /v2/profiles', async () => {
    const c = client();
    await c.listProfiles();
    await c.listSpCampaigns(DEFAULT_PROFILE_IDS[1]);
    await c.listStreamSubscriptions(DEFAULT_PROFILE_IDS[2]);
    const api = emu.control.requests.filter((r) => r.route !== 'token');
    expect(api.map((r) => [r.route, r.clientId, r.scope])).toEqual([
      ['profiles', DEFAULT_CLIENT_ID, undefined],
      ['sp', DEFAULT_CLIENT_ID, DEFAULT_PROFILE_IDS[1]],
      ['streams', DEFAULT_CLIENT_ID, DEFAULT_PROFILE_IDS[2]],
    ]);
    expect(api.map((r) => r.accept)).toEqual([
      'application/json',
      'application/vnd.spCampaign.v3+json',
      'application/vnd.amazonmarketingstreamsubscriptions.v1+json',
    ]);
  });

  it('never logs a token, the client secret or the refresh token, and logs every request id', async () => {
    logs.length = 0;
    const c = client();
    // a full flow: token, calls, 401 renewal, a throttle, a malformed answer, a created subscription, invalid_grant
    await c.listProfiles();
    emu.control.expireAccessTokens();
    await c.listSpKeywords(DEFAULT_PROFILE_IDS[0], { pageSize: 2 });
    emu.control.injectFault({
      route: 'sp',
      action: { kind: 'status', status: 429, headers: { 'Retry-After': '0' }, body: '{"message":"Too Many Requests"}' },
    });
    await c.listSpCampaigns(DEFAULT_PROFILE_IDS[0]);
    emu.control.injectFault({ route: 'streams', action: { kind: 'malformed', body: 'truncated' } });
    await c.listStreamSubscriptions(DEFAULT_PROFILE_IDS[0]).catch(() => undefined);
    await c.createStreamSubscription(DEFAULT_PROFILE_IDS[0], {
      clientRequestToken: 'a'.repeat(30),
      dataSetId: 'sp-traffic',
      destinationArn: 'arn:aws:sqs:us-east-1:123456789012:ams-sp-traffic',
    });
    emu.control.revokeRefreshToken(DEFAULT_REFRESH_TOKEN);
    emu.control.expireAccessTokens();
    const last = await c.listProfiles().catch((e: Error) => e);

    const everything = logs.join('\n') + String(last) + JSON.stringify(c.connectionStatus());
    expect(logs.length).toBeGreaterThan(10);
    expect(everything).not.toContain(DEFAULT_CLIENT_SECRET);
    expect(everything).not.toContain(DEFAULT_REFRESH_TOKEN);
    expect(everything).not.toMatch(/Atz[ar]\|/); // no access token (Atza|…) nor refresh token (Atzr|…)
    const apiRequestIds = emu.control.requests.filter((r) => r.route !== 'token').map((r) => r.requestId);
    for (const id of apiRequestIds) expect(everything).toContain(id);
  });
});
