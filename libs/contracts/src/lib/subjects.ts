/**
 * NATS subjects and JetStream streams of ams-sentinel. Subjects are written here once and used
 * everywhere through these constants; event and command names carry their version (`.v1`).
 * Subjects are unprefixed: the messaging module adds the deployment's prefix (tests use one per run).
 */

/** Raw AMS records as the ingestor received them, one subject per dataset: `ams.<dataset_id>`. */
export function amsRecordSubject(datasetId: string): string {
  return `${AMS_SUBJECT_ROOT}.${datasetId}`;
}
export const AMS_SUBJECT_ROOT = 'ams';
/** Bodies the ingestor could not turn into records: kept with their reason, stored by the processor. */
export const AMS_QUARANTINE_SUBJECT = 'ams._quarantine';

export const EVENT_SUBJECTS = {
  perfHourlyUpdated: 'perf.hourly.updated.v1',
  budgetUsageUpdated: 'budget.usage.updated.v1',
  /** the ingestor's queues and dead-letter queues, after each read (pipeline health) */
  pipelineQueueStatus: 'pipeline.queue.status.v1',
} as const;

export const COMMAND_SUBJECTS = {
  quarantineReplay: 'cmd.processor.quarantine-replay.v1',
  /** re-run the records the AMS stream holds for a time window (idempotent: fills only what is missing) */
  reprocessWindow: 'cmd.processor.reprocess.v1',
  alertRuleCreate: 'cmd.alerter.alert-rule-create.v1',
  alertRuleUpdate: 'cmd.alerter.alert-rule-update.v1',
  alertRuleDelete: 'cmd.alerter.alert-rule-delete.v1',
  alertRuleList: 'cmd.alerter.alert-rule-list.v1',
  alertAcknowledge: 'cmd.alerter.alert-acknowledge.v1',
  alertSnooze: 'cmd.alerter.alert-snooze.v1',
  alertOutboxRetry: 'cmd.alerter.outbox-retry.v1',
  /** broadcast to every ingestor replica: pause or resume SQS polling */
  ingestPolling: 'cmd.ingestor.polling.v1',
  /** the SQS queues' and their dead-letter queues' depth, answered by one ingestor */
  ingestQueueStatus: 'cmd.ingestor.queue-status.v1',
  /** move dead-letter messages back to their source queue (at least once: records are idempotent) */
  deadLetterRedrive: 'cmd.ingestor.dead-letter-redrive.v1',
} as const;

/** Message headers that travel with records and events. */
export const HEADERS = {
  correlationId: 'x-correlation-id',
  sqsMessageId: 'x-sqs-message-id',
  sqsQueueUrl: 'x-sqs-queue',
  receivedAt: 'x-received-at',
  sentAt: 'x-sqs-sent-at',
} as const;

export interface StreamSpec {
  name: string;
  subjects: string[];
}

export const STREAMS = {
  /** The replay log: every record the ingestor accepted, kept for the configured retention. */
  ams: { name: 'AMS', subjects: [`${AMS_SUBJECT_ROOT}.>`] },
  /** Domain events between apps (short retention: consumers recompute from PostgreSQL). */
  events: { name: 'EVENTS', subjects: ['perf.>', 'budget.>', 'pipeline.>'] },
} as const satisfies Record<string, StreamSpec>;

export const DURABLES = {
  processor: 'processor',
  aggregatorPerf: 'aggregator-perf',
  alerterPerf: 'alerter-perf',
  alerterBudget: 'alerter-budget',
  alerterPipeline: 'alerter-pipeline',
} as const;
