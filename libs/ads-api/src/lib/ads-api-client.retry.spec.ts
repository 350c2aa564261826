import { AdsEmulator, DEFAULT_PROFILE_IDS, startAdsEmulator } from '@ams/ads-api-emulator';
import { createServer } from 'node:net';
import { AdsApiClientOptions } from './ads-api-client';
import { emulatorClient } from './emulator-client.spec-env';
import { AdsHttpError, AdsNetworkError, AdsRetriesExhaustedError } from './errors';
import { deriveClientRequestToken } from './client-request-token';

/** Retries, back-off and timeouts, over HTTP against the emulator; waits are read from its request timestamps. */
describe('AdsApiClient: retries', () => {
  let emu: AdsEmulator;
  const profileId = DEFAULT_PROFILE_IDS[0];
  const client = (o: Partial<AdsApiClientOptions> = {}) =>
    emulatorClient(emu, { ...o, retry: { baseDelayMs: 100, maxDelayMs: 5_000, ...o.retry } });
  const spRequests = () => emu.control.requestsTo('sp');
  const gaps = (rs: Array<{ at: number }>) => rs.slice(1).map((r, i) => r.at - rs[i].at);

  beforeAll(async () => {
    emu = await startAdsEmulator();
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.control.reset());

  it('429 with Retry-After (seconds): waits that long, then succeeds', async () => {
    emu.control.injectFault({
      route: 'sp',
      action: {
        kind: 'status',
        status: 429,
        headers: { 'Retry-After': '1' },
        body: '{"code":"THROTTLED","message":"Too Many Requests"}',
      },
    });
    const campaigns = await client({ random: () => 0 }).listSpCampaigns(profileId);
    expect(campaigns.length).toBeGreaterThan(0);
    expect(spRequests().map((r) => r.status)).toEqual([429, 200]);
    expect(gaps(spRequests())[0]).toBeGreaterThanOrEqual(1_000);
  });

  it('429 with Retry-After as an HTTP date: waits until then', async () => {
    const at = new Date(Math.ceil((Date.now() + 2_000) / 1000) * 1000);
    emu.control.injectFault({
      route: 'sp',
      action: { kind: 'status', status: 429, headers: { 'Retry-After': at.toUTCString() } },
    });
    await client({ random: () => 0 }).listSpCampaigns(profileId);
    expect(spRequests().map((r) => r.status)).toEqual([429, 200]);
    expect(spRequests()[1].at).toBeGreaterThanOrEqual(at.getTime());
  });

  it('429 without Retry-After: full-jitter exponential back-off (ceilings 100, 200, 400 ms; random 0.9)', async () => {
    emu.control.injectFault({
      route: 'sp',
      times: 3,
      action: { kind: 'status', status: 429, body: '{"message":"Too Many Requests"}' },
    });
    await client({ random: () => 0.9 }).listSpCampaigns(profileId);
    expect(spRequests().map((r) => r.status)).toEqual([429, 429, 429, 200]);
    const g = gaps(spRequests());
    expect(g[0]).toBeGreaterThanOrEqual(90);
    expect(g[1]).toBeGreaterThanOrEqual(180);
    expect(g[2]).toBeGreaterThanOrEqual(360);
  });

  it('5xx, then success', async () => {
    emu.control.injectFault({
      route: 'sp',
      action: { kind: 'status', status: 500, body: '{"code":"INTERNAL_ERROR","message":"oops"}' },
    });
    emu.control.injectFault({ route: 'sp', action: { kind: 'status', status: 503 } });
    emu.control.injectFault({
      route: 'sp',
      action: { kind: 'status', status: 502, body: '<html><body>Bad Gateway</body></html>' },
    });
    const campaigns = await client().listSpCampaigns(profileId);
    expect(campaigns.length).toBeGreaterThan(0);
    expect(spRequests().map((r) => r.status)).toEqual([500, 503, 502, 200]);
  });

  it.each([400, 403, 404, 409, 422])('never retries a %i', async (status) => {
    emu.control.injectFault({
      route: 'sp',
      action: { kind: 'status', status, body: '{"code":"INVALID_ARGUMENT","message":"no"}' },
    });
    const err = await client()
      .listSpCampaigns(profileId)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdsHttpError);
    expect(err).toMatchObject({ status, code: 'INVALID_ARGUMENT', detail: 'no', retryable: false });
    expect(spRequests()).toHaveLength(1);
  });

  it('gives up after maxAttempts, with the last failure', async () => {
    emu.control.injectFault({ route: 'sp', times: 10, action: { kind: 'status', status: 500 } });
    const err = await client({ retry: { maxAttempts: 3, baseDelayMs: 10 } })
      .listSpCampaigns(profileId)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdsRetriesExhaustedError);
    expect((err as AdsRetriesExhaustedError).attempts).toBe(3);
    expect((err as AdsRetriesExhaustedError).last).toMatchObject({ status: 500 });
    expect(spRequests()).toHaveLength(3);
  });

  it('does not start a wait that would pass the total time budget', async () => {
    emu.control.injectFault({ route: 'sp', action: { kind: 'status', status: 429, headers: { 'Retry-After': '30' } } });
    const t0 = Date.now();
    const err = await client({ retry: { totalTimeoutMs: 2_000 } })
      .listSpCampaigns(profileId)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdsRetriesExhaustedError);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(spRequests()).toHaveLength(1);
  });

  it('retries a network error (nothing listening)', async () => {
    const port = await closedPort();
    const err = await client({ apiEndpoint: `http://127.0.0.1:${port}`, retry: { maxAttempts: 2, baseDelayMs: 10 } })
      .listSpCampaigns(profileId)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdsRetriesExhaustedError);
    expect((err as AdsRetriesExhaustedError).attempts).toBe(2);
    expect((err as AdsRetriesExhaustedError).last).toBeInstanceOf(AdsNetworkError);
  });

  it('a create that times out is retried with the same clientRequestToken: one subscription', async () => {
    const destinationArn = 'arn:aws:sqs:us-east-1:123456789012:ams-sp-traffic';
    const clientRequestToken = deriveClientRequestToken(profileId, 'sp-traffic', destinationArn);
    emu.control.injectFault({ route: 'streams', method: 'POST', action: { kind: 'delay', ms: 1_500 } });
    const c = client({ requestTimeoutMs: 400, retry: { baseDelayMs: 10 } });
    const created = await c.createStreamSubscription(profileId, {
      clientRequestToken,
      dataSetId: 'sp-traffic',
      destinationArn,
    });
    const posts = emu.control.requestsTo('streams', 'POST');
    expect(posts).toHaveLength(2); // the first was done by the emulator, its answer came too late
    expect(posts.map((p) => JSON.parse(p.body ?? '{}').clientRequestToken)).toEqual([
      clientRequestToken,
      clientRequestToken,
    ]);
    const subs = emu.control.subscriptions(profileId);
    expect(subs).toHaveLength(1);
    expect(created.subscriptionId).toBe(subs[0].subscriptionId);
    // asking again (a second connector run) creates nothing either
    await c.createStreamSubscription(profileId, { clientRequestToken, dataSetId: 'sp-traffic', destinationArn });
    expect(emu.control.subscriptions(profileId)).toHaveLength(1);
  });

  it('a 415/406 on the stream media type retries once with application/json', async () => {
    emu.control.setStreamMediaTypes(['application/json']);
    try {
      const c = client();
      await expect(c.listStreamSubscriptions(profileId)).resolves.toEqual([]);
      await c.createStreamSubscription(profileId, {
        clientRequestToken: deriveClientRequestToken('media'),
        dataSetId: 'budget-usage',
        destinationArn: 'arn:aws:sqs:us-east-1:123456789012:ams-budget',
      });
      expect(emu.control.requestsTo('streams').map((r) => [r.method, r.status, r.accept, r.contentType])).toEqual([
        ['GET', 406, 'application/vnd.amazonmarketingstreamsubscriptions.v1+json', undefined],
        ['GET', 200, 'application/json', undefined],
        [
          'POST',
          415,
          'application/vnd.amazonmarketingstreamsubscriptions.v1+json',
          'application/vnd.amazonmarketingstreamsubscriptions.v1+json',
        ],
        ['POST', 200, 'application/json', 'application/json'],
      ]);
      expect(emu.control.subscriptions(profileId)).toHaveLength(1);
    } finally {
      emu.control.setStreamMediaTypes([
        'application/vnd.amazonmarketingstreamsubscriptions.v1+json',
        'application/json',
      ]);
    }
  });
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
