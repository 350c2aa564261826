import {
  ADS_SUBSCRIPTIONS_STATUS,
  CONNECTOR_PROFILES_SYNC,
  CONNECTOR_SUBSCRIPTION_ARCHIVE,
  CONNECTOR_SUBSCRIPTION_CREATE,
  CONNECTOR_SUBSCRIPTIONS_POLL,
  StreamSubscriptionsStatusV1,
} from '@ams/contracts';
import type { ConsumerHandle } from '@ams/platform';
import { waitFor } from '@ams/testing';
import { ConnectorHarness, DE_PROFILE, QUEUE_ARN, US_PROFILE } from '../testing/connector.harness';

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  throw new Error('the command was answered without an error');
}

describe('stream subscriptions', () => {
  let h: ConnectorHarness;
  let consumer: ConsumerHandle | undefined;
  const events: StreamSubscriptionsStatusV1[] = [];
  beforeAll(async () => {
    // one attempt times out after 400 ms; a create the emulator answers after 1 s is retried with the same token
    h = await ConnectorHarness.create('subs', { env: { ADS_REQUEST_TIMEOUT_MS: '400' } });
    await h.request(CONNECTOR_PROFILES_SYNC, {});
    consumer = await h.js.consume(
      ADS_SUBSCRIPTIONS_STATUS,
      { durable: 'spec-subscriptions', maxBatch: 50, maxWaitMs: 20, ackWaitMs: 30_000 },
      async (batch) => {
        for (const m of batch) events.push(m.payload);
      },
    );
  });
  afterAll(async () => {
    await consumer?.stop();
    await h?.close();
  });

  const rows = (profileId: string) =>
    h.query<{ subscription_id: string; data_set_id: string; status: string; status_since: Date; polled_at: Date }>(
      `SELECT subscription_id, data_set_id, status, status_since, polled_at FROM ads_stream_subscription
       WHERE profile_id = $1 ORDER BY data_set_id`,
      [profileId],
    );

  it('creates once per dataset, then reuses: one subscription each at Amazon, rows stored', async () => {
    const req = { profileId: US_PROFILE, dataSetIds: ['sp-traffic', 'budget-usage'], destinationArn: QUEUE_ARN };
    const first = await h.request(CONNECTOR_SUBSCRIPTION_CREATE, req);
    expect(first.results.map((r) => [r.dataSetId, r.outcome, r.status])).toEqual([
      ['sp-traffic', 'created', 'PENDING_CONFIRMATION'],
      ['budget-usage', 'created', 'PENDING_CONFIRMATION'],
    ]);
    const second = await h.request(CONNECTOR_SUBSCRIPTION_CREATE, req);
    expect(second.results.map((r) => [r.dataSetId, r.outcome])).toEqual([
      ['sp-traffic', 'reused'],
      ['budget-usage', 'reused'],
    ]);
    expect(second.results.map((r) => r.subscriptionId)).toEqual(first.results.map((r) => r.subscriptionId));
    expect(h.emulator.control.subscriptions(US_PROFILE)).toHaveLength(2);
    expect(h.emulator.control.requestsTo('streams', 'POST')).toHaveLength(2);
    const stored = await rows(US_PROFILE);
    expect(stored.map((r) => [r.data_set_id, r.status])).toEqual([
      ['budget-usage', 'PENDING_CONFIRMATION'],
      ['sp-traffic', 'PENDING_CONFIRMATION'],
    ]);
  });

  it('a create that times out is retried with the same token: one subscription', async () => {
    h.emulator.control.injectFault({ route: 'streams', method: 'POST', action: { kind: 'delay', ms: 1000 } });
    const reply = await h.request(CONNECTOR_SUBSCRIPTION_CREATE, {
      profileId: US_PROFILE,
      dataSetIds: ['sp-conversion'],
      destinationArn: QUEUE_ARN,
    });
    expect(reply.results).toEqual([
      expect.objectContaining({ dataSetId: 'sp-conversion', outcome: 'created', status: 'PENDING_CONFIRMATION' }),
    ]);
    const posts = h.emulator.control.requestsTo('streams', 'POST').filter((r) => r.body?.includes('sp-conversion'));
    expect(posts).toHaveLength(2);
    expect(new Set(posts.map((r) => JSON.parse(r.body ?? '{}').clientRequestToken)).size).toBe(1);
    expect(h.emulator.control.subscriptions(US_PROFILE).filter((s) => s.dataSetId === 'sp-conversion')).toHaveLength(1);
  });

  it('a create whose every attempt times out fails; the retried command reuses what Amazon made: one subscription', async () => {
    h.emulator.control.injectFault({ route: 'streams', method: 'POST', times: 3, action: { kind: 'delay', ms: 1000 } });
    const req = { profileId: DE_PROFILE, dataSetIds: ['sp-traffic'], destinationArn: QUEUE_ARN };
    const failed = await h.request(CONNECTOR_SUBSCRIPTION_CREATE, req);
    expect(failed.results).toEqual([
      {
        dataSetId: 'sp-traffic',
        outcome: 'failed',
        error: expect.objectContaining({ message: expect.stringMatching(/timed out/) }),
      },
    ]);
    const retried = await waitFor(
      async () => {
        const r = await h.request(CONNECTOR_SUBSCRIPTION_CREATE, req);
        return r.results[0].outcome === 'reused' ? r : undefined;
      },
      { description: 'the retried create to reuse the subscription' },
    );
    expect(retried.results[0].subscriptionId).toMatch(/^amzn1\.fead\./);
    expect(h.emulator.control.subscriptions(DE_PROFILE)).toHaveLength(1);
  });

  it("answers Amazon's refusal per dataset, with its status, code and request id", async () => {
    h.emulator.control.injectFault({
      route: 'streams',
      method: 'POST',
      action: { kind: 'status', status: 403, body: '{"code":"FORBIDDEN","message":"not allowed for this dataset"}' },
    });
    const reply = await h.request(CONNECTOR_SUBSCRIPTION_CREATE, {
      profileId: US_PROFILE,
      dataSetIds: ['campaigns'],
      destinationArn: QUEUE_ARN,
    });
    expect(reply.results[0]).toMatchObject({
      dataSetId: 'campaigns',
      outcome: 'failed',
      error: { status: 403, code: 'FORBIDDEN', requestId: expect.any(String) },
    });
    expect(reply.results[0].error?.message).toMatch(/not allowed for this dataset/);
  });

  it('polls: a SUSPENDED subscription moves status and status_since, and the event says so', async () => {
    const [before] = (await rows(US_PROFILE)).filter((r) => r.data_set_id === 'sp-traffic');
    const quiet = await h.request(CONNECTOR_SUBSCRIPTIONS_POLL, {});
    expect(quiet.failures).toEqual([]);
    const [unchanged] = (await rows(US_PROFILE)).filter((r) => r.data_set_id === 'sp-traffic');
    expect(unchanged.status_since).toEqual(before.status_since);
    expect(unchanged.polled_at.getTime()).toBeGreaterThan(before.polled_at.getTime());

    h.emulator.control.setSubscriptionStatus(before.subscription_id, 'SUSPENDED');
    const reply = await h.request(CONNECTOR_SUBSCRIPTIONS_POLL, {});
    expect(reply.subscriptions.find((s) => s.subscriptionId === before.subscription_id)?.status).toBe('SUSPENDED');
    const [after] = (await rows(US_PROFILE)).filter((r) => r.data_set_id === 'sp-traffic');
    expect(after.status).toBe('SUSPENDED');
    expect(after.status_since.getTime()).toBeGreaterThan(before.status_since.getTime());

    const event = await waitFor(
      () =>
        events.find((e) =>
          e.subscriptions.some((s) => s.subscriptionId === before.subscription_id && s.status === 'SUSPENDED'),
        ),
      { description: 'an ads.stream-subscriptions.status.v1 event with the SUSPENDED subscription' },
    );
    expect([...event.profileIds].sort()).toEqual(['1111111111111111', '3333333333333333', '9007199254740993']);
    const item = event.subscriptions.find((s) => s.subscriptionId === before.subscription_id);
    expect(item).toMatchObject({
      profileId: US_PROFILE,
      advertiserId: expect.stringMatching(/^ENTITY/),
      profileActive: true,
      dataSetId: 'sp-traffic',
      destinationArn: QUEUE_ARN,
      statusSince: after.status_since.toISOString(),
    });
  });

  it('archives a known subscription (then it leaves the event), and answers NOT_FOUND for an unknown one', async () => {
    const [budget] = (await rows(US_PROFILE)).filter((r) => r.data_set_id === 'budget-usage');
    const archived = await h.request(CONNECTOR_SUBSCRIPTION_ARCHIVE, { subscriptionId: budget.subscription_id });
    expect(archived).toMatchObject({
      subscriptionId: budget.subscription_id,
      status: 'ARCHIVED',
      profileId: US_PROFILE,
    });
    expect(
      h.emulator.control.subscriptions(US_PROFILE).find((s) => s.subscriptionId === budget.subscription_id)?.status,
    ).toBe('ARCHIVED');
    const n = events.length;
    await h.request(CONNECTOR_SUBSCRIPTIONS_POLL, { profileId: US_PROFILE });
    const event = await waitFor(() => events[n], { description: 'the next status event' });
    expect(event.profileIds).toEqual([US_PROFILE]);
    expect(event.subscriptions.map((s) => s.subscriptionId)).not.toContain(budget.subscription_id);

    const unknown = await refusal(
      h.request(CONNECTOR_SUBSCRIPTION_ARCHIVE, { subscriptionId: 'amzn1.fead.cs1.doesnotexist' }),
    );
    expect(unknown.code).toBe('NOT_FOUND');
  });
});
