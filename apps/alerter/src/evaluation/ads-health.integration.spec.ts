import {
  ADS_CONNECTION_STATUS,
  ADS_SUBSCRIPTIONS_STATUS,
  type AdsConnectionState,
  type StreamSubscriptionStatus,
  type StreamSubscriptionStatusItemV1,
} from '@ams/contracts';
import { waitFor } from '@ams/testing';
import { AlerterHarness, HOUR } from '../testing/alerter.harness';

/**
 * The default Ads API pipeline-health rules, fed as the connector will feed them: `ads.stream-subscriptions.status.v1`
 * and `ads.connection.status.v1` published with JetStreamService, and the connector's and processor's tables
 * (`ads_profile`, `ads_stream_subscription`, `dataset_freshness`) for the stale-data rule, judged every second here.
 * Each alert is one Slack message when it fires and one when it resolves, through the outbox and the catcher.
 */
describe('alerter: Ads API pipeline-health alerts (real PostgreSQL, NATS, Slack catcher)', () => {
  let h: AlerterHarness;
  const PROFILE = '1234567890123';
  const ADVERTISER = 'ENTITY3ADVERTISER';
  const ARN = 'arn:aws:sqs:us-east-1:123456789012:ams-sp-traffic';
  const ago = (hours: number) => new Date(Date.now() - hours * HOUR).toISOString();

  beforeAll(async () => {
    h = await AlerterHarness.create('alert_ads', () => ({
      ALERT_STALE_CHECK_SECONDS: '1',
      SLACK_MIN_INTERVAL_MS: '100',
    }));
    await h.start();
  });
  afterAll(async () => {
    await h?.dispose();
  });

  const sub = (
    subscriptionId: string,
    status: StreamSubscriptionStatus,
    statusSince: string,
    dataSetId = 'sp-traffic',
  ): StreamSubscriptionStatusItemV1 => ({
    subscriptionId,
    profileId: PROFILE,
    advertiserId: ADVERTISER,
    profileActive: true,
    dataSetId,
    destinationArn: ARN,
    status,
    statusSince,
  });
  const publishSubscriptions = (
    subscriptions: StreamSubscriptionStatusItemV1[],
    emittedAt = new Date().toISOString(),
  ) => h.js.publish(ADS_SUBSCRIPTIONS_STATUS, { version: 1, profileIds: [PROFILE], subscriptions, emittedAt });
  const publishConnection = (state: AdsConnectionState, lastError: string | null = null) =>
    h.js.publish(ADS_CONNECTION_STATUS, {
      version: 1,
      state,
      region: 'NA',
      lastError,
      emittedAt: new Date().toISOString(),
    });
  const state = async (key: string) => (await h.alertStates())[key];
  const events = async (defaultKey: string) =>
    (
      await h.rows<{ type: string }>(
        `SELECT e.type FROM alert_event e JOIN alert_rule r ON r.id = e.rule_id WHERE r.default_key = $1 ORDER BY e.id`,
        [defaultKey],
      )
    ).map((r) => r.type);
  const lastValue = async (defaultKey: string, entityId: string) =>
    (
      await h.rows<{ v: string | null }>(
        `SELECT a.last_value::text AS v FROM alert a JOIN alert_rule r ON r.id = a.rule_id
          WHERE r.default_key = $1 AND a.entity_id = $2`,
        [defaultKey, entityId],
      )
    )[0]?.v;
  /** Slack messages naming the given alert (its id appears in the card or the grouped line). */
  const messagesOf = async (defaultKey: string, entityId: string) => {
    const [row] = await h.rows<{ id: string }>(
      `SELECT a.id::text AS id FROM alert a JOIN alert_rule r ON r.id = a.rule_id WHERE r.default_key = $1 AND a.entity_id = $2`,
      [defaultKey, entityId],
    );
    if (!row) return [];
    return h.catcher.delivered.filter((_, i) => h.deliveredAlertIds()[i].includes(row.id)).map((p) => p.raw);
  };

  it('a SUSPENDED subscription: one message saying what to do, none for a repeat, one when ACTIVE again', async () => {
    const since = ago(5);
    await publishSubscriptions([sub('amzn1.sub.s1', 'SUSPENDED', since)], ago(2));
    await waitFor(async () => (await state('ads-subscription-failed/amzn1.sub.s1')) === 'firing', {
      description: 'failed-subscription alert firing',
    });
    await waitFor(async () => (await messagesOf('ads-subscription-failed', 'amzn1.sub.s1')).length === 1, {
      description: 'one message delivered',
    });
    const [card] = await messagesOf('ads-subscription-failed', 'amzn1.sub.s1');
    for (const text of [
      PROFILE,
      ADVERTISER,
      'sp-traffic',
      'ams-sp-traffic',
      `SUSPENDED since ${since}`,
      'cannot be re-activated',
    ])
      expect({ text, found: card.includes(text) }).toEqual({ text, found: true });
    expect(await lastValue('ads-subscription-failed', 'amzn1.sub.s1')).toBe('3.00'); // hours, as of the event

    // the same status at the next polls: judged again (the value follows), nothing new sent
    await publishSubscriptions([sub('amzn1.sub.s1', 'SUSPENDED', since)]);
    await publishSubscriptions([sub('amzn1.sub.s1', 'SUSPENDED', since)]);
    await waitFor(async () => Number(await lastValue('ads-subscription-failed', 'amzn1.sub.s1')) >= 4.99, {
      description: 'the repeated status judged',
    });
    expect(await events('ads-subscription-failed')).toEqual(['fired']);
    expect(await messagesOf('ads-subscription-failed', 'amzn1.sub.s1')).toHaveLength(1);

    await publishSubscriptions([sub('amzn1.sub.s1', 'ACTIVE', new Date().toISOString())]);
    await waitFor(async () => (await state('ads-subscription-failed/amzn1.sub.s1')) === 'resolved', {
      description: 'resolved when ACTIVE again',
    });
    await waitFor(async () => (await messagesOf('ads-subscription-failed', 'amzn1.sub.s1')).length === 2, {
      description: 'one resolved message',
    });
    const resolved = (await messagesOf('ads-subscription-failed', 'amzn1.sub.s1'))[1];
    expect(resolved).toMatch(/Resolved/);
    expect(resolved).not.toMatch(/What to do/);
    expect(await events('ads-subscription-failed')).toEqual(['fired', 'resolved']);
  });

  it('a FAILED_CONFIRMATION subscription resolves when a later poll of its profile no longer lists it', async () => {
    await publishSubscriptions([sub('amzn1.sub.s2', 'FAILED_CONFIRMATION', ago(1), 'sp-conversion')]);
    await waitFor(async () => (await state('ads-subscription-failed/amzn1.sub.s2')) === 'firing', {
      description: 'failed-confirmation alert firing',
    });
    await waitFor(async () => (await messagesOf('ads-subscription-failed', 'amzn1.sub.s2')).length === 1, {
      description: 'its message',
    });
    expect((await messagesOf('ads-subscription-failed', 'amzn1.sub.s2'))[0]).toMatch(/queue-policy/);
    // a poll of another profile says nothing about it
    await h.js.publish(ADS_SUBSCRIPTIONS_STATUS, {
      version: 1,
      profileIds: ['999'],
      subscriptions: [],
      emittedAt: new Date().toISOString(),
    });
    await publishSubscriptions([sub('amzn1.sub.s1', 'ACTIVE', ago(1))]); // s2 archived: absent
    await waitFor(async () => (await state('ads-subscription-failed/amzn1.sub.s2')) === 'resolved', {
      description: 'resolved once absent',
    });
    await waitFor(async () => (await messagesOf('ads-subscription-failed', 'amzn1.sub.s2')).length === 2, {
      description: 'its resolved message',
    });
  });

  it('PENDING_CONFIRMATION for 7 h fires, for 1 h does not, and resolves once confirmed', async () => {
    await publishSubscriptions([
      sub('amzn1.sub.p7', 'PENDING_CONFIRMATION', ago(7), 'sb-traffic'),
      sub('amzn1.sub.p1', 'PENDING_CONFIRMATION', ago(1), 'sd-traffic'),
    ]);
    await waitFor(async () => (await state('ads-subscription-pending/amzn1.sub.p7')) === 'firing', {
      description: 'pending 7 h firing',
    });
    // both were judged in the same transaction: the 1 h one has no alert at all
    expect(await state('ads-subscription-pending/amzn1.sub.p1')).toBeUndefined();
    await waitFor(async () => (await messagesOf('ads-subscription-pending', 'amzn1.sub.p7')).length === 1, {
      description: 'pending message',
    });
    expect((await messagesOf('ads-subscription-pending', 'amzn1.sub.p7'))[0]).toMatch(/confirm the SNS subscription/);

    await publishSubscriptions([
      sub('amzn1.sub.p7', 'ACTIVE', new Date().toISOString(), 'sb-traffic'),
      sub('amzn1.sub.p1', 'PENDING_CONFIRMATION', ago(1), 'sd-traffic'),
    ]);
    await waitFor(async () => (await state('ads-subscription-pending/amzn1.sub.p7')) === 'resolved', {
      description: 'pending resolved once confirmed',
    });
    expect(await state('ads-subscription-pending/amzn1.sub.p1')).toBeUndefined();
  });

  it('the connection needing re-authorisation fires once, holds through other errors, resolves when authorized', async () => {
    await publishConnection('needs_reauthorization', 'invalid_grant: The refresh token is invalid');
    await waitFor(async () => (await state('ads-reauthorization/default')) === 'firing', {
      description: 're-authorisation alert firing',
    });
    await waitFor(async () => (await messagesOf('ads-reauthorization', 'default')).length === 1, {
      description: 're-authorisation message',
    });
    const card = (await messagesOf('ads-reauthorization', 'default'))[0];
    expect(card).toMatch(/ADS_API_REFRESH_TOKEN/);
    expect(card).toMatch(/consent again/);

    // another error says nothing about the consent: had it resolved the alert, the next state would fire it again
    await publishConnection('error', 'timeout');
    await publishConnection('needs_reauthorization', 'invalid_grant: The refresh token is invalid');
    await publishConnection('authorized');
    await waitFor(async () => (await state('ads-reauthorization/default')) === 'resolved', {
      description: 're-authorisation resolved',
    });
    await waitFor(async () => (await messagesOf('ads-reauthorization', 'default')).length === 2, {
      description: 'its resolved message',
    });
    expect(await events('ads-reauthorization')).toEqual(['fired', 'resolved']);
  });

  it('stale data: fires for an ACTIVE subscription whose dataset is silent, resolves when a record arrives', async () => {
    const profile = async (id: string, advertiser: string, active: boolean) =>
      h.pg.query(
        `INSERT INTO ads_profile (profile_id, region, advertiser_id, marketplace_id, country_code, currency_code,
                                  time_zone, account_type, active, synced_at)
         VALUES ($1, 'NA', $2, 'ATVPDKIKX0DER', 'US', 'USD', 'America/Los_Angeles', 'seller', $3, now())`,
        [id, advertiser, active],
      );
    const subscription = async (id: string, profileId: string, dataset: string, since: string) =>
      h.pg.query(
        `INSERT INTO ads_stream_subscription (subscription_id, profile_id, data_set_id, destination_arn, status,
                                              status_since, polled_at)
         VALUES ($1, $2, $3, $4, 'ACTIVE', $5, now())`,
        [id, profileId, dataset, ARN, since],
      );
    const freshness = async (advertiser: string, dataset: string, receivedAt: string) =>
      h.pg.query(
        `INSERT INTO dataset_freshness (advertiser_id, dataset_id, last_received_at) VALUES ($1, $2, $3)
         ON CONFLICT (advertiser_id, dataset_id) DO UPDATE SET last_received_at = EXCLUDED.last_received_at`,
        [advertiser, dataset, receivedAt],
      );
    await profile('111', 'ADV_STALE', true);
    await profile('222', 'ADV_GONE', false);
    await subscription('amzn1.sub.stale', '111', 'sp-traffic', ago(48)); // last record 10 h ago: stale
    await subscription('amzn1.sub.fresh', '111', 'sp-conversion', ago(48)); // a record 1 h ago
    await subscription('amzn1.sub.new', '111', 'budget-usage', ago(1)); // active for 1 h, nothing yet: not stale yet
    await subscription('amzn1.sub.inactive', '222', 'sp-traffic', ago(48)); // inactive profile: never judged
    await freshness('ADV_STALE', 'sp-traffic', ago(10));
    await freshness('ADV_STALE', 'sp-conversion', ago(1));
    await freshness('ADV_GONE', 'sp-traffic', ago(100));

    await waitFor(async () => (await state('ads-stale-data/amzn1.sub.stale')) === 'firing', {
      description: 'stale-data alert firing',
    });
    const stale = Object.entries(await h.alertStates()).filter(([k]) => k.startsWith('ads-stale-data/'));
    expect(stale).toEqual([['ads-stale-data/amzn1.sub.stale', 'firing']]);
    expect(Number(await lastValue('ads-stale-data', 'amzn1.sub.stale'))).toBeGreaterThanOrEqual(10);
    await waitFor(async () => (await messagesOf('ads-stale-data', 'amzn1.sub.stale')).length === 1, {
      description: 'stale-data message',
    });
    const card = (await messagesOf('ads-stale-data', 'amzn1.sub.stale'))[0];
    expect(card).toContain('ADV_STALE');
    expect(card).toContain('sp-traffic');

    // further checks (every second) judge it again and send nothing new
    const evaluatedAt = async () =>
      (
        await h.rows<{ at: Date }>(
          `SELECT a.last_evaluated_at AS at FROM alert a JOIN alert_rule r ON r.id = a.rule_id
            WHERE r.default_key = 'ads-stale-data' AND a.entity_id = 'amzn1.sub.stale'`,
        )
      )[0].at.getTime();
    const first = await evaluatedAt();
    await waitFor(async () => (await evaluatedAt()) > first + 1500, { description: 'judged twice more' });
    expect(await messagesOf('ads-stale-data', 'amzn1.sub.stale')).toHaveLength(1);
    await freshness('ADV_STALE', 'sp-traffic', new Date().toISOString());
    await waitFor(async () => (await state('ads-stale-data/amzn1.sub.stale')) === 'resolved', {
      description: 'stale-data resolved once a record arrived',
    });
    await waitFor(async () => (await messagesOf('ads-stale-data', 'amzn1.sub.stale')).length === 2, {
      description: 'its resolved message',
    });
    expect(await events('ads-stale-data')).toEqual(['fired', 'resolved']);
    expect(Object.keys(await h.alertStates()).filter((k) => k.startsWith('ads-stale-data/'))).toEqual([
      'ads-stale-data/amzn1.sub.stale',
    ]);
  });

  it('stale data resolves when the subscription goes', async () => {
    await h.pg.query(
      `UPDATE dataset_freshness SET last_received_at = $1 WHERE advertiser_id = 'ADV_STALE' AND dataset_id = 'sp-traffic'`,
      [ago(9)],
    );
    await waitFor(async () => (await state('ads-stale-data/amzn1.sub.stale')) === 'firing', {
      description: 'stale again',
    });
    await h.pg.query(
      `UPDATE ads_stream_subscription SET status = 'ARCHIVED' WHERE subscription_id = 'amzn1.sub.stale'`,
    );
    await waitFor(async () => (await state('ads-stale-data/amzn1.sub.stale')) === 'resolved', {
      description: 'resolved once archived',
    });
    expect(await events('ads-stale-data')).toEqual(['fired', 'resolved', 'fired', 'resolved']);
  });
});
