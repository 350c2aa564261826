/**
 * Ready for a PostgreSQL distributed by advertiser (Citus or a managed equivalent; docs/scaling.md): the distribution
 * column is `advertiser_id`, so every unique key of a distributed table (primary key, unique constraint, unique index)
 * must start with it — a shard can then enforce it alone, and rows of one advertiser live together.
 */
export const DISTRIBUTED = {
  fact: ['performance_delta', 'hourly_fact', 'budget_usage_event', 'budget_recommendation'],
  rollup: ['campaign_hourly', 'campaign_daily', 'ad_group_daily', 'keyword_daily', 'rollup_pending'],
  state: [
    'budget_usage_latest',
    'ams_entity',
    'dataset_freshness',
    'advertiser_setting',
    'ads_entity',
    'automation_advertiser_limit',
    'automation_digest',
  ],
} as const;

/** Every distributed table (distribution column advertiser_id). */
export const DISTRIBUTED_TABLES: readonly string[] = Object.values(DISTRIBUTED).flat();

/** Small tables of configuration or of the whole deployment: Citus reference tables (a copy on every node). */
export const REFERENCE: Record<string, string> = {
  api_key: 'credentials of the deployment, read on every request',
  alert_rule: 'rules apply to all advertisers (a rule may target one by its scope)',
  action_rule: 'automation rules, like alert rules',
  notification_destination: 'Slack destinations of the deployment',
  ads_connection: 'the Amazon Ads API connection of the deployment (one or a few rows)',
  ads_profile: "Amazon's profiles: a few per advertiser, read joined to everything",
  ads_stream_subscription: 'Marketing Stream subscriptions per dataset and profile, few',
  ads_sync_state: 'sync cursors of the connector, few',
  automation_setting: 'the kill switch and global automation settings, one row',
  ingest_control: 'the ingestor pause switch, one row',
  schema_migrations: "TypeORM's migration history",
};

/**
 * Tables kept on the coordinator (Citus "local" tables: joins with reference tables work, with distributed ones
 * not), with the reason. Each is low-volume workflow or audit state written by one app; making one distributed would
 * mean re-keying it with advertiser_id first (and its foreign keys).
 */
export const COORDINATOR_LOCAL: Record<string, string> = {
  alert: 'alert lifecycle keyed by a serial id (its unique key does start with advertiser_id); low volume',
  alert_event: 'history of alerts, serial id, referenced by notification_outbox; bounded by retention',
  notification_outbox: 'delivery queue across advertisers, serial id; bounded by retention',
  automation_action: 'automation decisions, serial id and a global decision_key; low volume',
  automation_daypart: 'keyed by rule first (rule_id, advertiser_id, …): configuration per rule',
  audit_log: 'every non-GET request of the api, serial id; by time',
  quarantine: 'raw bodies that may carry no advertiser at all; bounded by retention',
  subscription_confirmation: 'SNS confirmations per dataset and realm, not per advertiser; bounded by retention',
  reprocess_run: 'one row per reprocess run of the deployment',
};
