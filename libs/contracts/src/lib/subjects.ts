/**
 * Message headers and durable consumer names. Subjects, payloads and streams are in the message catalog
 * (catalog/catalog.ts); a subject is never written as a string at a call site.
 */

/** Message headers that travel with records and events. */
export const HEADERS = {
  correlationId: 'x-correlation-id',
  sqsMessageId: 'x-sqs-message-id',
  sqsQueueUrl: 'x-sqs-queue',
  receivedAt: 'x-received-at',
  sentAt: 'x-sqs-sent-at',
} as const;

export const DURABLES = {
  processor: 'processor',
  aggregatorPerf: 'aggregator-perf',
  alerterPerf: 'alerter-perf',
  alerterBudget: 'alerter-budget',
  alerterPipeline: 'alerter-pipeline',
  alerterAdsConnection: 'alerter-ads-connection',
  alerterAdsSubscriptions: 'alerter-ads-subscriptions',
  alerterActionsSettled: 'alerter-actions-settled',
  connectorActionsQueued: 'connector-actions-queued',
} as const;
