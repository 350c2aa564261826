import type { AlertRule } from '../rules/rule.logic';
import {
  hoursBetween,
  judgeConnection,
  judgeStaleData,
  judgeSubscriptionStatus,
  staleDataJudged,
  subscriptionAction,
  type SubscriptionSnapshot,
} from './ads-health.logic';

const H = 3_600_000;
const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const rule = (metric: AlertRule['metric'], condition: AlertRule['condition'], threshold: string) => ({
  metric,
  condition,
  threshold,
});
const since = (hours: number) => new Date(NOW - hours * H).toISOString();

describe('hoursBetween', () => {
  it('gives hours with two decimals, truncated, never negative', () => {
    expect(hoursBetween(NOW - 7 * H, NOW)).toBe('7.00');
    expect(hoursBetween(NOW - 90 * 60_000, NOW)).toBe('1.50');
    expect(hoursBetween(NOW - 35_000, NOW)).toBe('0.00');
    expect(hoursBetween(NOW + H, NOW)).toBe('0.00');
  });
});

describe('judgeSubscriptionStatus', () => {
  const failed = rule('subscription_failed_hours', 'at_least', '0');
  const pending = rule('subscription_pending_hours', 'above', '6');

  it('fires on every failed status at once (at least 0 h), and is ok for the others', () => {
    for (const status of ['SUSPENDED', 'FAILED_CONFIRMATION', 'FAILED_PROVISIONING'] as const) {
      expect(judgeSubscriptionStatus(failed, { status, statusSince: since(0) }, NOW)).toMatchObject({
        status: 'breach',
        value: '0.00',
      });
    }
    for (const status of ['ACTIVE', 'ARCHIVED', 'PENDING_CONFIRMATION', 'PROVISIONING'] as const) {
      expect(judgeSubscriptionStatus(failed, { status, statusSince: since(10) }, NOW)).toEqual({
        status: 'ok',
        value: null,
        baseline: null,
        changePct: null,
        note: `now ${status}`,
      });
    }
  });

  it('fires on PENDING_CONFIRMATION only past the threshold, from statusSince to the event time', () => {
    expect(
      judgeSubscriptionStatus(pending, { status: 'PENDING_CONFIRMATION', statusSince: since(7) }, NOW),
    ).toMatchObject({ status: 'breach', value: '7.00' });
    expect(
      judgeSubscriptionStatus(pending, { status: 'PENDING_CONFIRMATION', statusSince: since(1) }, NOW),
    ).toMatchObject({ status: 'ok', value: '1.00' });
    expect(
      judgeSubscriptionStatus(pending, { status: 'PENDING_CONFIRMATION', statusSince: since(6) }, NOW).status,
    ).toBe('ok');
    expect(judgeSubscriptionStatus(pending, { status: 'ACTIVE', statusSince: since(7) }, NOW).status).toBe('ok');
  });

  it('refuses a metric that is not about a status', () => {
    expect(() =>
      judgeSubscriptionStatus(
        rule('dataset_stale_hours', 'above', '6'),
        { status: 'ACTIVE', statusSince: since(1) },
        NOW,
      ),
    ).toThrow();
  });
});

describe('stale data', () => {
  const stale = rule('dataset_stale_hours', 'above', '6');
  const s = (over: Partial<SubscriptionSnapshot> = {}): SubscriptionSnapshot => ({
    subscriptionId: 'sub',
    profileId: '1',
    advertiserId: 'ADV',
    profileActive: true,
    dataSetId: 'sp-traffic',
    destinationArn: null,
    status: 'ACTIVE',
    statusSince: since(48),
    ...over,
  });

  it('judges only ACTIVE subscriptions of active, known profiles, of datasets ams-sentinel ingests', () => {
    expect(staleDataJudged(s())).toBe(true);
    expect(staleDataJudged(s({ profileActive: false }))).toBe(false);
    expect(staleDataJudged(s({ advertiserId: null }))).toBe(false);
    expect(staleDataJudged(s({ status: 'SUSPENDED' }))).toBe(false);
    // ingested, but sent only while Amazon has a recommendation: a silence is normal
    expect(staleDataJudged(s({ dataSetId: 'sp-budget-recommendations' }))).toBe(false);
    expect(staleDataJudged(s({ dataSetId: 'sb-clickstream' }))).toBe(false);
  });

  it('counts from the later of the last record and the subscription becoming ACTIVE', () => {
    expect(judgeStaleData(stale, s(), new Date(NOW - 10 * H), NOW)).toMatchObject({ status: 'breach', value: '10.00' });
    expect(judgeStaleData(stale, s(), new Date(NOW - H), NOW)).toMatchObject({ status: 'ok', value: '1.00' });
    expect(judgeStaleData(stale, s(), null, NOW)).toMatchObject({ status: 'breach', value: '48.00' });
    // active for 2 h, nothing yet: not stale before it had the threshold's time to deliver
    expect(judgeStaleData(stale, s({ statusSince: since(2) }), null, NOW)).toMatchObject({
      status: 'ok',
      value: '2.00',
    });
    expect(judgeStaleData(stale, s({ statusSince: since(2) }), new Date(NOW - 30 * H), NOW).status).toBe('ok');
  });
});

describe('judgeConnection', () => {
  const r = rule('ads_reauthorization_needed', 'above', '0');
  it('fires on needs_reauthorization, resolves on authorized or unconfigured, says nothing otherwise', () => {
    expect(judgeConnection(r, 'needs_reauthorization', 'invalid_grant')).toMatchObject({
      status: 'breach',
      value: '1',
    });
    expect(judgeConnection(r, 'authorized', null)).toMatchObject({ status: 'ok', value: '0' });
    expect(judgeConnection(r, 'unconfigured', null)).toMatchObject({ status: 'ok', value: '0' });
    expect(judgeConnection(r, 'error', 'timeout')).toBeNull();
    expect(judgeConnection(r, 'unauthorized', null)).toBeNull();
  });
});

describe('subscriptionAction', () => {
  it('says a SUSPENDED subscription must be made again, and what to check for the others', () => {
    expect(subscriptionAction('subscription_failed_hours', 'SUSPENDED')).toMatch(/cannot be re-activated.*subscribe/);
    expect(subscriptionAction('subscription_failed_hours', 'FAILED_CONFIRMATION')).toMatch(/queue-policy/);
    expect(subscriptionAction('subscription_failed_hours', 'FAILED_PROVISIONING')).toMatch(/subscribe again/);
    expect(subscriptionAction('subscription_pending_hours', 'PENDING_CONFIRMATION')).toMatch(/confirm/);
    expect(subscriptionAction('dataset_stale_hours', 'ACTIVE')).toMatch(/SQS_QUEUE_URLS/);
  });
});
