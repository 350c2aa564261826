/**
 * The message catalog of ams-sentinel: every event, command and subject family, one descriptor each (descriptors.ts).
 * Call sites use these constants, never a subject string, so one search for a constant's name finds its producer and
 * every consumer. Subjects are unprefixed: the messaging module adds the deployment's prefix (tests use one per run).
 * Stream subject lists (STREAMS) are derived from the descriptors below.
 */
import {
  BudgetUsageUpdatedV1,
  IngestPollingReplyV1,
  IngestPollingRequestV1,
  PerfHourlyUpdatedV1,
  QuarantinedBodyV1,
  QuarantineReplayReplyV1,
  QuarantineReplayRequestV1,
  ReprocessWindowReplyV1,
  ReprocessWindowRequestV1,
} from '../events';
import {
  AlertAcknowledgeRequestV1,
  AlertRuleCreateRequestV1,
  AlertRuleDeleteReplyV1,
  AlertRuleDeleteRequestV1,
  AlertRuleListReplyV1,
  AlertRuleListRequestV1,
  AlertRuleUpdateRequestV1,
  AlertRuleV1,
  AlertSnoozeRequestV1,
  AlertV1,
  OutboxRetryReplyV1,
  OutboxRetryRequestV1,
} from '../alerting';
import {
  DeadLetterRedriveReplyV1,
  DeadLetterRedriveRequestV1,
  IngestQueueStatusReplyV1,
  IngestQueueStatusRequestV1,
  PipelineQueueStatusV1,
} from '../pipeline';
import {
  AdsConnectionStatusV1,
  AdsEntitiesSyncReplyV1,
  AdsEntitiesSyncRequestV1,
  AdsProfilesSyncReplyV1,
  AdsProfilesSyncRequestV1,
  StreamSubscriptionArchiveRequestV1,
  StreamSubscriptionCreateReplyV1,
  StreamSubscriptionCreateRequestV1,
  StreamSubscriptionsPollReplyV1,
  StreamSubscriptionsPollRequestV1,
  StreamSubscriptionsStatusV1,
  StreamSubscriptionV1,
} from '../ads';
import {
  ActionDecisionRequestV1,
  ActionRuleCreateRequestV1,
  ActionRuleDeleteReplyV1,
  ActionRuleDeleteRequestV1,
  ActionRuleListReplyV1,
  ActionRuleListRequestV1,
  ActionRuleUpdateRequestV1,
  ActionRuleV1,
  ActionsQueuedV1,
  ActionsSettledV1,
  ActionV1,
  AutomationSetRequestV1,
  AutomationStateV1,
} from '../automation';
import {
  type CommandDescriptor,
  defineCommand,
  defineEvent,
  defineSubjectFamily,
  type EventDescriptor,
  replyOf,
  STREAM_NAMES,
  type StreamKey,
  type StreamName,
  type SubjectFamily,
} from './descriptors';

/** An AMS record as the ingestor received it (a JSON object; `@ams/ams` validates it in the processor). */
export type AmsRecordBody = Record<string, unknown>;

// ---- stream AMS: the replay log ----

/** Raw AMS records, one subject per dataset: `AMS_RECORDS.at(datasetId)` is `ams.<dataset_id>`. */
export const AMS_RECORDS = defineSubjectFamily<AmsRecordBody>({
  name: 'AMS_RECORDS',
  root: 'ams',
  stream: 'ams',
  producer: 'ingestor',
});

/** Bodies the ingestor could not turn into records, with their reason; stored by the processor. */
export const AMS_QUARANTINE = defineEvent({
  name: 'AMS_QUARANTINE',
  subject: `${AMS_RECORDS.root}._quarantine`,
  payload: QuarantinedBodyV1,
  stream: 'ams',
  producer: 'ingestor',
});

// ---- stream EVENTS: domain events between apps ----

/** The processor committed a batch: these (advertiser, campaign, hour) facts changed. */
export const PERF_HOURLY_UPDATED = defineEvent({
  name: 'PERF_HOURLY_UPDATED',
  subject: 'perf.hourly.updated.v1',
  payload: PerfHourlyUpdatedV1,
  stream: 'events',
  producer: 'processor',
});

/** The latest budget usage of these scopes changed. */
export const BUDGET_USAGE_UPDATED = defineEvent({
  name: 'BUDGET_USAGE_UPDATED',
  subject: 'budget.usage.updated.v1',
  payload: BudgetUsageUpdatedV1,
  stream: 'events',
  producer: 'processor',
});

/** The ingestor's queues and dead-letter queues, after each read (pipeline health). */
export const PIPELINE_QUEUE_STATUS = defineEvent({
  name: 'PIPELINE_QUEUE_STATUS',
  subject: 'pipeline.queue.status.v1',
  payload: PipelineQueueStatusV1,
  stream: 'events',
  producer: 'ingestor',
});

/** The Ads API connection's state: on every change and after every sync cycle (pipeline health). */
export const ADS_CONNECTION_STATUS = defineEvent({
  name: 'ADS_CONNECTION_STATUS',
  subject: 'ads.connection.status.v1',
  payload: AdsConnectionStatusV1,
  stream: 'events',
  producer: 'connector',
});

/** The Marketing Stream subscriptions of the profiles polled, after each poll (pipeline health). */
export const ADS_SUBSCRIPTIONS_STATUS = defineEvent({
  name: 'ADS_SUBSCRIPTIONS_STATUS',
  subject: 'ads.stream-subscriptions.status.v1',
  payload: StreamSubscriptionsStatusV1,
  stream: 'events',
  producer: 'connector',
});

/** Automation queued actions (auto rules): the connector's executor looks now instead of at its next poll. */
export const ACTIONS_QUEUED = defineEvent({
  name: 'ACTIONS_QUEUED',
  subject: 'automation.actions.queued.v1',
  payload: ActionsQueuedV1,
  stream: 'events',
  producer: 'alerter',
});

/** Actions reached a final state at the connector (done, failed, blocked, superseded, expired): Slack and digests. */
export const ACTIONS_SETTLED = defineEvent({
  name: 'ACTIONS_SETTLED',
  subject: 'automation.actions.settled.v1',
  payload: ActionsSettledV1,
  stream: 'events',
  producer: 'connector',
});

// ---- commands (core request/reply) ----

export const QUARANTINE_REPLAY = defineCommand({
  name: 'QUARANTINE_REPLAY',
  subject: 'cmd.processor.quarantine-replay.v1',
  request: QuarantineReplayRequestV1,
  reply: replyOf<QuarantineReplayReplyV1>(),
  app: 'processor',
});

/** Re-run the records the AMS stream holds for a time window (idempotent: fills only what is missing). */
export const REPROCESS_WINDOW = defineCommand({
  name: 'REPROCESS_WINDOW',
  subject: 'cmd.processor.reprocess.v1',
  request: ReprocessWindowRequestV1,
  reply: replyOf<ReprocessWindowReplyV1>(),
  app: 'processor',
});

export const ALERT_RULE_CREATE = defineCommand({
  name: 'ALERT_RULE_CREATE',
  subject: 'cmd.alerter.alert-rule-create.v1',
  request: AlertRuleCreateRequestV1,
  reply: replyOf<AlertRuleV1>(),
  app: 'alerter',
});

export const ALERT_RULE_UPDATE = defineCommand({
  name: 'ALERT_RULE_UPDATE',
  subject: 'cmd.alerter.alert-rule-update.v1',
  request: AlertRuleUpdateRequestV1,
  reply: replyOf<AlertRuleV1>(),
  app: 'alerter',
});

export const ALERT_RULE_DELETE = defineCommand({
  name: 'ALERT_RULE_DELETE',
  subject: 'cmd.alerter.alert-rule-delete.v1',
  request: AlertRuleDeleteRequestV1,
  reply: replyOf<AlertRuleDeleteReplyV1>(),
  app: 'alerter',
});

export const ALERT_RULE_LIST = defineCommand({
  name: 'ALERT_RULE_LIST',
  subject: 'cmd.alerter.alert-rule-list.v1',
  request: AlertRuleListRequestV1,
  reply: replyOf<AlertRuleListReplyV1>(),
  app: 'alerter',
});

export const ALERT_ACKNOWLEDGE = defineCommand({
  name: 'ALERT_ACKNOWLEDGE',
  subject: 'cmd.alerter.alert-acknowledge.v1',
  request: AlertAcknowledgeRequestV1,
  reply: replyOf<AlertV1>(),
  app: 'alerter',
});

export const ALERT_SNOOZE = defineCommand({
  name: 'ALERT_SNOOZE',
  subject: 'cmd.alerter.alert-snooze.v1',
  request: AlertSnoozeRequestV1,
  reply: replyOf<AlertV1>(),
  app: 'alerter',
});

export const ALERT_OUTBOX_RETRY = defineCommand({
  name: 'ALERT_OUTBOX_RETRY',
  subject: 'cmd.alerter.outbox-retry.v1',
  request: OutboxRetryRequestV1,
  reply: replyOf<OutboxRetryReplyV1>(),
  app: 'alerter',
});

/** Broadcast to every ingestor replica: pause or resume SQS polling. An operator's command: no app sends it. */
export const INGEST_POLLING = defineCommand({
  name: 'INGEST_POLLING',
  subject: 'cmd.ingestor.polling.v1',
  request: IngestPollingRequestV1,
  reply: replyOf<IngestPollingReplyV1>(),
  app: 'ingestor',
  sender: 'operator',
});

/** The SQS queues' and their dead-letter queues' depth, answered by one ingestor. */
export const INGEST_QUEUE_STATUS = defineCommand({
  name: 'INGEST_QUEUE_STATUS',
  subject: 'cmd.ingestor.queue-status.v1',
  request: IngestQueueStatusRequestV1,
  reply: replyOf<IngestQueueStatusReplyV1>(),
  app: 'ingestor',
});

/** Move dead-letter messages back to their source queue (at least once: records are idempotent). */
export const DEAD_LETTER_REDRIVE = defineCommand({
  name: 'DEAD_LETTER_REDRIVE',
  subject: 'cmd.ingestor.dead-letter-redrive.v1',
  request: DeadLetterRedriveRequestV1,
  reply: replyOf<DeadLetterRedriveReplyV1>(),
  app: 'ingestor',
});

/** List the profiles of every region now (the connector also does it every ADS_PROFILE_SYNC_MINUTES). */
export const CONNECTOR_PROFILES_SYNC = defineCommand({
  name: 'CONNECTOR_PROFILES_SYNC',
  subject: 'cmd.connector.profiles-sync.v1',
  request: AdsProfilesSyncRequestV1,
  reply: replyOf<AdsProfilesSyncReplyV1>(),
  app: 'connector',
});

/** Sync a profile's campaigns, ad groups, keywords and targets now (also every ADS_ENTITY_SYNC_MINUTES). */
export const CONNECTOR_ENTITIES_SYNC = defineCommand({
  name: 'CONNECTOR_ENTITIES_SYNC',
  subject: 'cmd.connector.entities-sync.v1',
  request: AdsEntitiesSyncRequestV1,
  reply: replyOf<AdsEntitiesSyncReplyV1>(),
  app: 'connector',
});

/** Subscribe a profile to datasets at one destination: one result per dataset (created, reused or failed). */
export const CONNECTOR_SUBSCRIPTION_CREATE = defineCommand({
  name: 'CONNECTOR_SUBSCRIPTION_CREATE',
  subject: 'cmd.connector.stream-subscription-create.v1',
  request: StreamSubscriptionCreateRequestV1,
  reply: replyOf<StreamSubscriptionCreateReplyV1>(),
  app: 'connector',
});

/** Archive a subscription at Amazon (the only status that can be set). */
export const CONNECTOR_SUBSCRIPTION_ARCHIVE = defineCommand({
  name: 'CONNECTOR_SUBSCRIPTION_ARCHIVE',
  subject: 'cmd.connector.stream-subscription-archive.v1',
  request: StreamSubscriptionArchiveRequestV1,
  reply: replyOf<StreamSubscriptionV1>(),
  app: 'connector',
});

/** Read the subscriptions' statuses from Amazon now (also every ADS_SUBSCRIPTION_POLL_MINUTES). */
export const CONNECTOR_SUBSCRIPTIONS_POLL = defineCommand({
  name: 'CONNECTOR_SUBSCRIPTIONS_POLL',
  subject: 'cmd.connector.stream-subscriptions-poll.v1',
  request: StreamSubscriptionsPollRequestV1,
  reply: replyOf<StreamSubscriptionsPollReplyV1>(),
  app: 'connector',
});

export const ACTION_RULE_CREATE = defineCommand({
  name: 'ACTION_RULE_CREATE',
  subject: 'cmd.alerter.action-rule-create.v1',
  request: ActionRuleCreateRequestV1,
  reply: replyOf<ActionRuleV1>(),
  app: 'alerter',
});

export const ACTION_RULE_UPDATE = defineCommand({
  name: 'ACTION_RULE_UPDATE',
  subject: 'cmd.alerter.action-rule-update.v1',
  request: ActionRuleUpdateRequestV1,
  reply: replyOf<ActionRuleV1>(),
  app: 'alerter',
});

export const ACTION_RULE_DELETE = defineCommand({
  name: 'ACTION_RULE_DELETE',
  subject: 'cmd.alerter.action-rule-delete.v1',
  request: ActionRuleDeleteRequestV1,
  reply: replyOf<ActionRuleDeleteReplyV1>(),
  app: 'alerter',
});

export const ACTION_RULE_LIST = defineCommand({
  name: 'ACTION_RULE_LIST',
  subject: 'cmd.alerter.action-rule-list.v1',
  request: ActionRuleListRequestV1,
  reply: replyOf<ActionRuleListReplyV1>(),
  app: 'alerter',
});

/** Approve a pending proposal: it is queued, and its guards are judged again right before execution. */
export const ACTION_APPROVE = defineCommand({
  name: 'ACTION_APPROVE',
  subject: 'cmd.connector.action-approve.v1',
  request: ActionDecisionRequestV1,
  reply: replyOf<ActionV1>(),
  app: 'connector',
});

export const ACTION_REJECT = defineCommand({
  name: 'ACTION_REJECT',
  subject: 'cmd.connector.action-reject.v1',
  request: ActionDecisionRequestV1,
  reply: replyOf<ActionV1>(),
  app: 'connector',
});

/** Restore the value before a done action, if Amazon still reports the value it set (else CONFLICT, explained). */
export const ACTION_REVERT = defineCommand({
  name: 'ACTION_REVERT',
  subject: 'cmd.connector.action-revert.v1',
  request: ActionDecisionRequestV1,
  reply: replyOf<ActionV1>(),
  app: 'connector',
});

/** The kill switch and the per-advertiser daily caps on budget increases. */
export const AUTOMATION_SET = defineCommand({
  name: 'AUTOMATION_SET',
  subject: 'cmd.connector.automation-set.v1',
  request: AutomationSetRequestV1,
  reply: replyOf<AutomationStateV1>(),
  app: 'connector',
});

// ---- the lists, and the streams derived from them ----

/* eslint-disable @typescript-eslint/no-explicit-any -- a list of descriptors of different payloads */
export const EVENT_CATALOG: readonly EventDescriptor<any>[] = [
  AMS_QUARANTINE,
  PERF_HOURLY_UPDATED,
  BUDGET_USAGE_UPDATED,
  PIPELINE_QUEUE_STATUS,
  ADS_CONNECTION_STATUS,
  ADS_SUBSCRIPTIONS_STATUS,
  ACTIONS_QUEUED,
  ACTIONS_SETTLED,
];
export const COMMAND_CATALOG: readonly CommandDescriptor<any, unknown>[] = [
  QUARANTINE_REPLAY,
  REPROCESS_WINDOW,
  ALERT_RULE_CREATE,
  ALERT_RULE_UPDATE,
  ALERT_RULE_DELETE,
  ALERT_RULE_LIST,
  ALERT_ACKNOWLEDGE,
  ALERT_SNOOZE,
  ALERT_OUTBOX_RETRY,
  INGEST_POLLING,
  INGEST_QUEUE_STATUS,
  DEAD_LETTER_REDRIVE,
  CONNECTOR_PROFILES_SYNC,
  CONNECTOR_ENTITIES_SYNC,
  CONNECTOR_SUBSCRIPTION_CREATE,
  CONNECTOR_SUBSCRIPTION_ARCHIVE,
  CONNECTOR_SUBSCRIPTIONS_POLL,
  ACTION_RULE_CREATE,
  ACTION_RULE_UPDATE,
  ACTION_RULE_DELETE,
  ACTION_RULE_LIST,
  ACTION_APPROVE,
  ACTION_REJECT,
  ACTION_REVERT,
  AUTOMATION_SET,
];
export const SUBJECT_FAMILIES: readonly SubjectFamily<any>[] = [AMS_RECORDS];
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface StreamSpec {
  name: StreamName;
  subjects: string[];
}

/**
 * A stream's subjects: its families' `<root>.>` and, for each event not already inside one, `<first token>.>` (the
 * stream keeps room for later versions of an event; `perf.>` rather than `perf.hourly.updated.v1`, as deployed).
 */
function streamSubjects(key: StreamKey): string[] {
  const name = STREAM_NAMES[key];
  const families = SUBJECT_FAMILIES.filter((f) => f.stream === name).map((f) => f.filter);
  const covered = (s: string) => families.some((f) => s.startsWith(f.slice(0, -1)));
  const events = EVENT_CATALOG.filter((e) => e.stream === name && !covered(e.subject)).map(
    (e) => `${e.subject.split('.')[0]}.>`,
  );
  return [...new Set([...families, ...events])];
}

export const STREAMS = {
  /** The replay log: every record the ingestor accepted, kept for the configured retention. */
  ams: { name: STREAM_NAMES.ams, subjects: streamSubjects('ams') },
  /** Domain events between apps (short retention: consumers recompute from PostgreSQL). */
  events: { name: STREAM_NAMES.events, subjects: streamSubjects('events') },
} as const satisfies Record<StreamKey, StreamSpec>;
