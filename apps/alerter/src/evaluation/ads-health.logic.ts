import { isSteadyDataset } from '@ams/ams';
import type { AdsConnectionState, StreamSubscriptionStatus } from '@ams/contracts';
import { type AlertRule } from '../rules/rule.logic';
import { crosses, type Judgement } from './condition.logic';

/**
 * Pure judging of the Ads API pipeline-health rules: a subscription's status (failed, or pending confirmation too long),
 * a subscribed dataset without records, the connection needing re-authorisation. Values are hours (2 decimals) or a
 * 0/1 flag; a status the rule is not about is `ok` (so a firing alert resolves), a state that says nothing is not judged.
 */

/** Statuses Amazon never leaves by itself: SUSPENDED cannot be re-activated, the failed ones need a new subscription. */
export const FAILED_SUBSCRIPTION_STATUSES: ReadonlySet<StreamSubscriptionStatus> = new Set([
  'SUSPENDED',
  'FAILED_CONFIRMATION',
  'FAILED_PROVISIONING',
]);

/** A subscription as the alerter judges it (an item of `ads.stream-subscriptions.status.v1`, or a table row). */
export interface SubscriptionSnapshot {
  subscriptionId: string;
  profileId: string;
  advertiserId: string | null;
  profileActive: boolean;
  dataSetId: string;
  destinationArn: string | null;
  status: StreamSubscriptionStatus;
  /** ISO-8601: when the connector first saw the current status */
  statusSince: string;
}

const HOUR_MS = 3_600_000;

/** Hours from `fromMs` to `toMs` as a decimal string with 2 places (never negative: clocks may disagree). */
export function hoursBetween(fromMs: number, toMs: number): string {
  const centi = Math.max(0, Math.floor(((toMs - fromMs) / HOUR_MS) * 100));
  return `${Math.floor(centi / 100)}.${String(centi % 100).padStart(2, '0')}`;
}

function breachOrOk(rule: Pick<AlertRule, 'condition' | 'threshold'>, value: string, note: string): Judgement {
  const status = crosses(rule.condition, value, rule.threshold) ? 'breach' : 'ok';
  return { status, value, baseline: null, changePct: null, note };
}

/**
 * `subscription_failed_hours` / `subscription_pending_hours`: the hours the subscription has been in the rule's
 * statuses as of `asOfMs` (the event's time), judged against the threshold; any other status is `ok` (resolves).
 */
export function judgeSubscriptionStatus(
  rule: Pick<AlertRule, 'metric' | 'condition' | 'threshold'>,
  s: Pick<SubscriptionSnapshot, 'status' | 'statusSince'>,
  asOfMs: number,
): Judgement {
  const inState =
    rule.metric === 'subscription_failed_hours'
      ? FAILED_SUBSCRIPTION_STATUSES.has(s.status)
      : rule.metric === 'subscription_pending_hours'
        ? s.status === 'PENDING_CONFIRMATION'
        : null;
  if (inState === null) throw new Error(`${rule.metric} is not a subscription status metric`);
  if (!inState) return { status: 'ok', value: null, baseline: null, changePct: null, note: `now ${s.status}` };
  return breachOrOk(rule, hoursBetween(Date.parse(s.statusSince), asOfMs), `${s.status} since ${s.statusSince}`);
}

/**
 * A subscription the stale-data rule may judge: ACTIVE, of an active profile with a known advertiser, a dataset we
 * ingest that Amazon delivers steadily (not sp-budget-recommendations: sent only while Amazon has a recommendation).
 */
export function staleDataJudged(s: SubscriptionSnapshot): boolean {
  return s.status === 'ACTIVE' && s.profileActive && s.advertiserId !== null && isSteadyDataset(s.dataSetId);
}

/**
 * `dataset_stale_hours`: hours since the later of the dataset's last record for the advertiser and the moment the
 * subscription became ACTIVE (a new subscription is not stale before it had the threshold's time to deliver).
 */
export function judgeStaleData(
  rule: Pick<AlertRule, 'condition' | 'threshold'>,
  s: Pick<SubscriptionSnapshot, 'statusSince'>,
  lastReceivedAt: Date | null,
  nowMs: number,
): Judgement {
  const activeSince = Date.parse(s.statusSince);
  const since = lastReceivedAt ? Math.max(lastReceivedAt.getTime(), activeSince) : activeSince;
  const note = lastReceivedAt ? `last record received ${lastReceivedAt.toISOString()}` : 'no record received yet';
  return breachOrOk(rule, hoursBetween(since, nowMs), note);
}

/** What a subscription alert says when it no longer applies to a subscription that is absent, archived or inactive. */
export function goneJudgement(note: string): Judgement {
  return { status: 'ok', value: null, baseline: null, changePct: null, note };
}

/**
 * `ads_reauthorization_needed`: 1 while LwA refused the refresh token, 0 once the connection is authorized again (or
 * unconfigured: nothing left to re-authorise); other states (no token yet, another error) say nothing: not judged.
 */
export function judgeConnection(
  rule: Pick<AlertRule, 'condition' | 'threshold'>,
  state: AdsConnectionState,
  lastError: string | null,
): Judgement | null {
  if (state === 'needs_reauthorization') return breachOrOk(rule, '1', lastError ?? 'invalid_grant');
  if (state === 'authorized' || state === 'unconfigured') return breachOrOk(rule, '0', `now ${state}`);
  return null;
}

/** What to do, for people, per problem. */
export function subscriptionAction(metric: AlertRule['metric'], status: StreamSubscriptionStatus): string {
  if (metric === 'dataset_stale_hours') {
    return (
      'Amazon delivered no record of this dataset: check the subscription at Amazon (`npm run ads -- subscriptions`), ' +
      'that the queue is in the ingestor’s SQS_QUEUE_URLS, and its dead-letter queue.'
    );
  }
  switch (status) {
    case 'SUSPENDED':
      return (
        'A SUSPENDED subscription cannot be re-activated: subscribe the profile to this dataset again ' +
        '(`npm run ads -- subscribe` or POST /v1/ads/stream-subscriptions), then archive this one.'
      );
    case 'FAILED_CONFIRMATION':
      return (
        'Amazon could not confirm delivery to the queue: check its access policy (`npm run ads -- queue-policy`) and ' +
        'that the ingestor polls it, then subscribe again.'
      );
    case 'FAILED_PROVISIONING':
      return 'Amazon could not provision the subscription: check the destination queue ARN and region, then subscribe again.';
    case 'PENDING_CONFIRMATION':
      return (
        'Amazon waits for the queue to confirm the SNS subscription: check that the ingestor polls this queue and that ' +
        'its access policy lets the dataset’s publisher account send (`npm run ads -- queue-policy`).'
      );
    default:
      return '';
  }
}

export const REAUTHORIZATION_ACTION =
  'Amazon refused the refresh token (invalid_grant): consent again through Login with Amazon, set the new ' +
  'ADS_API_REFRESH_TOKEN (the connector’s Secret) and restart the connector. Nothing is called until then.';
