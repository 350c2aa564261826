/**
 * The statuses of a Marketing Stream (v1) subscription, Amazon's vocabulary: only `ARCHIVED` can be set by a client,
 * and `SUSPENDED` cannot be re-activated (subscribe again). Read by the Ads API client (answers are checked against
 * it), the contracts (the connector's events) and the alerter (which statuses are failures).
 */
export const STREAM_SUBSCRIPTION_STATUSES = [
  'PROVISIONING',
  'PENDING_CONFIRMATION',
  'ACTIVE',
  'ARCHIVED',
  'FAILED_CONFIRMATION',
  'SUSPENDED',
  'FAILED_PROVISIONING',
] as const;
export type StreamSubscriptionStatus = (typeof STREAM_SUBSCRIPTION_STATUSES)[number];
