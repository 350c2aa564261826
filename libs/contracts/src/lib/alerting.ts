import 'reflect-metadata';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IsBoundedDecimal, MAX_COUNT } from './validators';

/**
 * Commands of the alerter (`ALERT_*` in the catalog, core NATS request/reply). The alerter owns
 * rules, alerts and the notification outbox; the api sends these commands and reads the tables.
 * Errors come back as `{ error: { code, message } }` with the `x-error-code` header:
 * `VALIDATION` (bad request), `NOT_FOUND`, `CONFLICT`.
 */

/** What a rule measures. Ratios are computed from summed parts over the rule's window. */
export const ALERT_METRICS = [
  'ctr',
  'cpc',
  'cvr',
  'acos',
  'roas',
  'spend',
  'impressions',
  'clicks',
  'budget_usage',
  'projected_out_of_budget_before',
  'dead_letter_messages',
  'queue_oldest_age_seconds',
  'subscription_failed_hours',
  'subscription_pending_hours',
  'dataset_stale_hours',
  'ads_reauthorization_needed',
  'sales',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
/** Pipeline health: judged per SQS queue from the ingestor's `pipeline.queue.status.v1`, not from performance data. */
export const PIPELINE_ALERT_METRICS: readonly AlertMetric[] = ['dead_letter_messages', 'queue_oldest_age_seconds'];
/**
 * Pipeline health of the Amazon Ads connection, judged per Marketing Stream subscription (entity level `subscription`):
 * hours in a failed status (SUSPENDED, FAILED_CONFIRMATION, FAILED_PROVISIONING) or in PENDING_CONFIRMATION, from the
 * connector's `ads.stream-subscriptions.status.v1`; hours without a record of an ACTIVE subscription's dataset, judged
 * periodically from `ads_stream_subscription`, `ads_profile` and `dataset_freshness`.
 */
export const SUBSCRIPTION_ALERT_METRICS: readonly AlertMetric[] = [
  'subscription_failed_hours',
  'subscription_pending_hours',
  'dataset_stale_hours',
];
/** The Ads API connection (entity level `connection`): 1 while it needs the user's consent again, from `ads.connection.status.v1`. */
export const CONNECTION_ALERT_METRICS: readonly AlertMetric[] = ['ads_reauthorization_needed'];
/**
 * Budget pacing (entity level `campaign`, judged on each budget-usage update like budget_usage): the P50 local time the
 * campaign's budget is projected to run out today (fractional hours, 13.5 = 13:30), from its forecast; the threshold
 * is a local hour 1–24 and the condition `below` (fires when it runs out before that hour).
 */
export const FORECAST_ALERT_METRICS: readonly AlertMetric[] = ['projected_out_of_budget_before'];
/**
 * The metrics `outside_forecast` judges (entity level `campaign`, a window of 1–24 h of the local day): the window's
 * actual outside its forecast's P10–P90 band, widened by the threshold in percent (0 = the band itself).
 */
export const FORECAST_BAND_METRICS: readonly AlertMetric[] = ['spend', 'clicks', 'ctr', 'cpc', 'sales'];
/** Conversion metrics: judged only on windows older than the rule's settling delay. */
export const CONVERSION_ALERT_METRICS: readonly AlertMetric[] = ['cvr', 'acos', 'roas', 'sales'];

/**
 * `above`/`at_least`/`below`/`at_most` compare the window's value with the threshold;
 * `increase_pct`/`decrease_pct` compare the change in % against the baseline window with the threshold;
 * `outside_forecast` compares it with the campaign forecast's P10–P90 band for the window (threshold: % the band is
 * widened by on each side).
 */
export const ALERT_CONDITIONS = [
  'above',
  'at_least',
  'below',
  'at_most',
  'increase_pct',
  'decrease_pct',
  'outside_forecast',
] as const;
export type AlertCondition = (typeof ALERT_CONDITIONS)[number];

/** Baseline of a change condition: the previous window of the same length, or the same hours one week earlier. */
export const ALERT_BASELINES = ['previous', 'week_ago'] as const;
export type AlertBaseline = (typeof ALERT_BASELINES)[number];

/**
 * The entities a rule judges one by one (portfolio: budget_usage only; queue: the SQS pipeline metrics only;
 * subscription and connection: the Ads API metrics only).
 */
export const ALERT_ENTITY_LEVELS = [
  'advertiser',
  'campaign',
  'ad_group',
  'keyword',
  'portfolio',
  'queue',
  'subscription',
  'connection',
] as const;
export type AlertEntityLevel = (typeof ALERT_ENTITY_LEVELS)[number];

/** Which entities a rule applies to: all, or those under one advertiser, campaign, ad group, keyword or portfolio. */
export const ALERT_SCOPE_TYPES = ['all', 'advertiser', 'campaign', 'ad_group', 'keyword', 'portfolio'] as const;
export type AlertScopeType = (typeof ALERT_SCOPE_TYPES)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Window lengths: divisors of a day (aligned to the advertiser's local day) or whole local days up to a week. */
export const ALERT_WINDOW_HOURS = [1, 2, 3, 4, 6, 8, 12, 24, 48, 72, 168] as const;

const DESTINATION = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** `cmd.alerter.alert-rule-create.v1` */
export class AlertRuleCreateRequestV1 {
  @IsString() @MinLength(1) @MaxLength(120) name!: string;
  @IsIn(ALERT_METRICS) metric!: AlertMetric;
  @IsIn(ALERT_CONDITIONS) condition!: AlertCondition;
  /** Decimal string, e.g. "30" (at most 15 digits before the point, 10 after). Percent for ctr, cvr, acos, budget_usage and change conditions; ratio for roas; money for cpc, spend, sales; hours for the subscription metrics; a local hour 1–24 for projected_out_of_budget_before; for outside_forecast the % the P10–P90 band is widened by (0–1000). */
  @IsBoundedDecimal() threshold!: string;
  /** Required for change conditions. */
  @IsOptional() @IsIn(ALERT_BASELINES) baseline?: AlertBaseline | null;
  /** Required for every metric but budget_usage and projected_out_of_budget_before (which judge the latest usage, not a window). */
  @IsOptional() @IsIn(ALERT_WINDOW_HOURS) windowHours?: number | null;
  @IsIn(ALERT_ENTITY_LEVELS) entityLevel!: AlertEntityLevel;
  @IsOptional() @IsIn(ALERT_SCOPE_TYPES) scopeType?: AlertScopeType;
  @IsOptional() @IsString() @MaxLength(64) scopeId?: string | null;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_COUNT) minImpressions?: number;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_COUNT) minClicks?: number;
  @IsOptional() @IsBoundedDecimal() minSpend?: string;
  /** Conversion metrics (cvr, acos, roas) only: windows younger than this are not judged. */
  @IsOptional() @IsInt() @Min(0) @Max(24 * 30) settlingHours?: number;
  @IsOptional() @IsIn(ALERT_SEVERITIES) severity?: AlertSeverity;
  /** A Slack destination by name from the alerter's config (`default` = SLACK_WEBHOOK_URL). */
  @IsOptional() @Matches(DESTINATION) destination?: string;
  @IsOptional() @IsInt() @Min(1) @Max(60 * 24 * 30) repeatIntervalMinutes?: number;
  @IsOptional() @IsBoolean() enabled?: boolean;
}

/** `cmd.alerter.alert-rule-update.v1`: only the fields given change. */
export class AlertRuleUpdateRequestV1 {
  @IsString() @Matches(/^\d{1,18}$/) id!: string;
  @IsOptional() @IsString() @MinLength(1) @MaxLength(120) name?: string;
  @IsOptional() @IsIn(ALERT_CONDITIONS) condition?: AlertCondition;
  @IsOptional() @IsBoundedDecimal() threshold?: string;
  @IsOptional() @IsIn(ALERT_BASELINES) baseline?: AlertBaseline | null;
  @IsOptional() @IsIn(ALERT_WINDOW_HOURS) windowHours?: number | null;
  @IsOptional() @IsIn(ALERT_SCOPE_TYPES) scopeType?: AlertScopeType;
  @IsOptional() @IsString() @MaxLength(64) scopeId?: string | null;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_COUNT) minImpressions?: number;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_COUNT) minClicks?: number;
  @IsOptional() @IsBoundedDecimal() minSpend?: string;
  @IsOptional() @IsInt() @Min(0) @Max(24 * 30) settlingHours?: number;
  @IsOptional() @IsIn(ALERT_SEVERITIES) severity?: AlertSeverity;
  @IsOptional() @Matches(DESTINATION) destination?: string;
  @IsOptional() @IsInt() @Min(1) @Max(60 * 24 * 30) repeatIntervalMinutes?: number;
  @IsOptional() @IsBoolean() enabled?: boolean;
}

/** `cmd.alerter.alert-rule-delete.v1`: the rule stops being evaluated; its alerts and history are kept. */
export class AlertRuleDeleteRequestV1 {
  @IsString() @Matches(/^\d{1,18}$/) id!: string;
}

export interface AlertRuleDeleteReplyV1 {
  id: string;
  deleted: true;
}

/** `cmd.alerter.alert-rule-list.v1` */
export class AlertRuleListRequestV1 {
  /** Include disabled rules (deleted rules are never listed). Default true. */
  @IsOptional() @IsBoolean() includeDisabled?: boolean;
}

export interface AlertRuleListReplyV1 {
  rules: AlertRuleV1[];
}

/** A rule as the alerter stores it (reply of create, update, list). */
export interface AlertRuleV1 {
  id: string;
  /** Set on the rules created from the environment's defaults (e.g. `acos-high`). */
  defaultKey: string | null;
  name: string;
  metric: AlertMetric;
  condition: AlertCondition;
  threshold: string;
  baseline: AlertBaseline | null;
  windowHours: number | null;
  entityLevel: AlertEntityLevel;
  scopeType: AlertScopeType;
  scopeId: string | null;
  minImpressions: number;
  minClicks: number;
  minSpend: string;
  settlingHours: number;
  severity: AlertSeverity;
  destination: string;
  repeatIntervalMinutes: number;
  enabled: boolean;
  /** A default rule changed by a user: the environment's thresholds no longer overwrite it. */
  customized: boolean;
  createdAt: string;
  updatedAt: string;
}

/** `cmd.alerter.alert-acknowledge.v1`: an acknowledged alert sends no reminders (until it resolves and fires again). */
export class AlertAcknowledgeRequestV1 {
  @IsString() @Matches(/^\d{1,18}$/) alertId!: string;
  /** Who acknowledged (free text, e.g. a user name). */
  @IsOptional() @IsString() @MaxLength(120) by?: string;
}

/** `cmd.alerter.alert-snooze.v1`: no reminders or re-fire notifications until `until`; `until: null` ends a snooze. */
export class AlertSnoozeRequestV1 {
  @IsString() @Matches(/^\d{1,18}$/) alertId!: string;
  @IsOptional() @IsISO8601({ strict: true }) until?: string | null;
  /** Alternative to `until`: snooze for this many minutes from now. */
  @IsOptional() @IsInt() @Min(1) @Max(60 * 24 * 90) minutes?: number;
  @IsOptional() @IsString() @MaxLength(120) by?: string;
}

/** An alert as the alerter stores it (reply of acknowledge and snooze). */
export interface AlertV1 {
  id: string;
  ruleId: string;
  advertiserId: string;
  entityType: string;
  entityId: string;
  windowKey: string;
  state: 'firing' | 'resolved';
  acknowledged: boolean;
  snoozedUntil: string | null;
  lastValue: string | null;
  firedAt: string;
  resolvedAt: string | null;
  lastNotifiedAt: string | null;
}

/** `cmd.alerter.outbox-retry.v1`: puts failed notifications back in the queue (all failed ones when `ids` is absent). */
export class OutboxRetryRequestV1 {
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @Matches(/^\d{1,18}$/, { each: true }) ids?: string[];
}

export interface OutboxRetryReplyV1 {
  requeued: number;
}
