import type { StreamSubscription } from '@ams/ads-api';
import { destinationOf } from './subscriptions.repository';

export type SubscriptionStep =
  | { dataSetId: string; action: 'reuse'; subscription: StreamSubscription }
  | { dataSetId: string; action: 'create' };

/**
 * What to do for each dataset asked: reuse a non-archived subscription of the same dataset and destination that
 * Amazon already lists (Amazon allows one per profile, dataset and destination), else create one. Any status but
 * ARCHIVED is reused, SUSPENDED and FAILED_CONFIRMATION included: Amazon refuses a second one for the same
 * destination, and the result's status tells the user to archive it and subscribe again.
 */
export function planSubscriptions(
  existing: readonly StreamSubscription[],
  dataSetIds: readonly string[],
  destinationArn: string,
): SubscriptionStep[] {
  return dataSetIds.map((dataSetId) => {
    const same = existing.find(
      (s) => s.dataSetId === dataSetId && destinationOf(s) === destinationArn && s.status !== 'ARCHIVED',
    );
    return same ? { dataSetId, action: 'reuse', subscription: same } : { dataSetId, action: 'create' };
  });
}
