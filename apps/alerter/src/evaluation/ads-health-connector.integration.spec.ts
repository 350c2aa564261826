import {
  CONNECTOR_PROFILES_SYNC,
  CONNECTOR_SUBSCRIPTION_CREATE,
  CONNECTOR_SUBSCRIPTIONS_POLL,
  StreamSubscriptionCreateReplyV1,
} from '@ams/contracts';
import {
  type AdsEmulator,
  connectorEnvFor,
  DEFAULT_REFRESH_TOKEN,
  defaultSeed,
  startAdsEmulator,
} from '@ams/ads-api-emulator';
import { waitFor } from '@ams/testing';
import { baseTestEnv, type RunningTestApp, startNestApp } from '@ams/testing/nest';
// the real connector publishes what the alerter judges (one process, one NATS prefix): no stand-in for our own code
// eslint-disable-next-line @nx/enforce-module-boundaries
import { appDefinition as connectorDefinition } from '../../../connector/src/app.module';
import { AlerterHarness } from '../testing/alerter.harness';

/**
 * Pipeline health end to end: the Ads API emulator (over HTTP) → the real connector (its poll and its events) → the
 * real alerter → the Slack catcher. A subscription Amazon suspends is one Slack message, and one more when Amazon shows
 * it ACTIVE again; a refresh token Amazon revokes is one "consent again" message.
 */
describe('Ads API health end to end: emulator → connector → alerter → Slack (real PostgreSQL, NATS)', () => {
  let h: AlerterHarness;
  let emu: AdsEmulator;
  let connector: RunningTestApp<unknown>;
  const US_PROFILE = '1111111111111111';
  const ARN = 'arn:aws:sqs:us-east-1:123456789012:ams-e2e-health';

  beforeAll(async () => {
    h = await AlerterHarness.create('ads_e2e', () => ({ SLACK_MIN_INTERVAL_MS: '100' }));
    await h.start();
    emu = await startAdsEmulator({ port: 0, seed: defaultSeed() });
    connector = await startNestApp(connectorDefinition, {
      ...baseTestEnv(h.db, h.prefix),
      ...connectorEnvFor(emu),
      ADS_SYNC_ON_START: 'false',
      ADS_RETRY_BASE_DELAY_MS: '10',
      ADS_RETRY_MAX_ATTEMPTS: '2',
    });
  });
  afterAll(async () => {
    await connector?.close();
    await emu?.stop();
    await h?.dispose();
  });

  const alertState = async (key: string) => (await h.alertStates())[key];
  const delivered = () => h.catcher.delivered.map((p) => p.raw);

  it('SUSPENDED at Amazon → one Slack alert; ACTIVE again → one resolved message', async () => {
    await h.js.request(CONNECTOR_PROFILES_SYNC, {}, 30_000);
    const created: StreamSubscriptionCreateReplyV1 = await h.js.request(
      CONNECTOR_SUBSCRIPTION_CREATE,
      { profileId: US_PROFILE, dataSetIds: ['sp-traffic'], destinationArn: ARN },
      30_000,
    );
    const id = created.results[0].subscriptionId as string;
    expect(created.results[0]).toMatchObject({ dataSetId: 'sp-traffic', outcome: 'created' });

    emu.control.setSubscriptionStatus(id, 'SUSPENDED');
    await h.js.request(CONNECTOR_SUBSCRIPTIONS_POLL, { profileId: US_PROFILE }, 30_000);
    await waitFor(async () => (await alertState(`ads-subscription-failed/${id}`)) === 'firing', {
      timeoutMs: 20_000,
      description: 'the suspended subscription alert firing',
    });
    await waitFor(() => delivered().some((m) => m.includes(id) && m.includes('SUSPENDED')), {
      timeoutMs: 20_000,
      description: 'its Slack message',
    });

    // another poll with the same status sends nothing new
    await h.js.request(CONNECTOR_SUBSCRIPTIONS_POLL, { profileId: US_PROFILE }, 30_000);
    emu.control.setSubscriptionStatus(id, 'ACTIVE');
    await h.js.request(CONNECTOR_SUBSCRIPTIONS_POLL, { profileId: US_PROFILE }, 30_000);
    await waitFor(async () => (await alertState(`ads-subscription-failed/${id}`)) === 'resolved', {
      timeoutMs: 20_000,
      description: 'resolved once ACTIVE',
    });
    await waitFor(() => delivered().filter((m) => m.includes(id)).length === 2, {
      timeoutMs: 20_000,
      description: 'one resolved message',
    });
    const mine = delivered().filter((m) => m.includes(id));
    expect(mine).toHaveLength(2);
    expect(mine[1]).toMatch(/Resolved/);
  });

  it('a refresh token Amazon revokes → the connection needs re-authorisation → one Slack alert', async () => {
    emu.control.revokeRefreshToken(DEFAULT_REFRESH_TOKEN);
    emu.control.expireAccessTokens();
    // the poll answers with the profile's failure (the connector reports per profile) and stops calling Amazon
    const poll = await h.js.request(CONNECTOR_SUBSCRIPTIONS_POLL, { profileId: US_PROFILE }, 30_000);
    expect(poll.failures).toEqual([
      { profileId: US_PROFILE, error: expect.stringContaining('needs re-authorization') as unknown as string },
    ]);
    await waitFor(
      async () =>
        Object.entries(await h.alertStates()).some(([k, s]) => k.startsWith('ads-reauthorization/') && s === 'firing'),
      { timeoutMs: 20_000, description: 'the re-authorisation alert firing' },
    );
    await waitFor(() => delivered().some((m) => /consent/i.test(m)), {
      timeoutMs: 20_000,
      description: 'its Slack message saying to consent again',
    });
    expect(delivered().filter((m) => /consent/i.test(m))).toHaveLength(1);
  });
});
