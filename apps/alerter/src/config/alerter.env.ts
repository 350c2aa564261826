import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ALERT_WINDOW_HOURS } from '@ams/contracts';
import { CommonEnv, envBoolean } from '@ams/platform';

const DECIMAL = /^\d{1,9}(\.\d{1,6})?$/;
const DECIMAL_MESSAGE = { message: 'must be a non-negative decimal, e.g. 20 or 2.5' };
const HTTP_URL = /^https?:\/\/[^\s,]+$/;
/** `name=url,name=url`; names are lower-case words (they name destinations in rules). */
const NAMED_WEBHOOKS = /^[a-z0-9][a-z0-9_-]{0,31}=https?:\/\/[^\s,]+(,[a-z0-9][a-z0-9_-]{0,31}=https?:\/\/[^\s,]+)*$/;

export class AlerterEnv extends CommonEnv {
  override PORT = 3003;

  // ---- Slack destinations (secrets: never logged) ----------------------------------------
  /** The `default` destination. Unset (and no SLACK_WEBHOOKS): notifications are logged, marked delivered-to-log. */
  @IsOptional()
  @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  SLACK_WEBHOOK_URL?: string;

  /** More destinations by name, `name=url,name=url`; a rule names its destination. */
  @IsOptional()
  @Matches(NAMED_WEBHOOKS, { message: 'must be name=url pairs separated by commas (names: a-z 0-9 _ -)' })
  SLACK_WEBHOOKS?: string;

  /** Base of the link in every message (the api). */
  @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  ALERT_LINK_BASE_URL: string = 'http://localhost:3000';

  // ---- default rules (created on first start; env keeps them up to date until a user edits one) ----
  @Transform(envBoolean)
  @IsBoolean()
  ALERT_DEFAULT_RULES: boolean = true;

  @Matches(DECIMAL, DECIMAL_MESSAGE) ALERT_CTR_DROP_PCT: string = '20';
  @Matches(DECIMAL, DECIMAL_MESSAGE) ALERT_SPEND_SPIKE_PCT: string = '50';
  @Matches(DECIMAL, DECIMAL_MESSAGE) ALERT_ACOS_MAX_PCT: string = '30';
  @Matches(DECIMAL, DECIMAL_MESSAGE) ALERT_ROAS_MIN: string = '2.0';
  @Matches(DECIMAL, DECIMAL_MESSAGE) ALERT_BUDGET_WARN_PCT: string = '90';
  @Matches(DECIMAL, DECIMAL_MESSAGE) ALERT_BUDGET_OUT_PCT: string = '100';

  /** Default pacing rule: a campaign projected (P50) to run out of budget more than this many hours before its local day ends. */
  @Type(() => Number) @IsInt() @Min(1) @Max(23) ALERT_PACING_HOURS_BEFORE_END: number = 3;
  /** Pacing rules: weeks of hourly history each campaign's forecast learns from. */
  @Type(() => Number) @IsInt() @Min(1) @Max(12) FORECAST_HISTORY_WEEKS: number = 4;
  /** Pacing rules: forecast fits kept (one per campaign and local day, least recently used dropped; 0: none). */
  @Type(() => Number) @IsInt() @Min(0) @Max(1_000_000) FORECAST_CACHE_MAX_ENTRIES: number = 10_000;
  /** Pacing rules: campaigns touched by new facts are re-judged at most this often (ms; touches in between merge). */
  @Type(() => Number) @IsInt() @Min(0) @Max(600_000) ALERT_PACING_REFRESH_MS: number = 2000;

  /** Default pipeline-health rule: a polled queue whose oldest known message is older than this (seconds) alerts. */
  @Type(() => Number) @IsInt() @Min(1) @Max(1_209_600) ALERT_QUEUE_MAX_AGE_SECONDS: number = 900;

  /** Default rule: a Marketing Stream subscription PENDING_CONFIRMATION for longer than this (hours) alerts. */
  @Type(() => Number) @IsInt() @Min(1) @Max(720) ADS_PENDING_ALERT_HOURS: number = 6;
  /** Default rule: an ACTIVE subscription of an active profile whose dataset brought no record for this long (hours). */
  @Type(() => Number) @IsInt() @Min(1) @Max(720) ALERT_STALE_DATA_HOURS: number = 6;
  /** How often the stale-data rule is judged (seconds; every replica, the alert locks make it safe). */
  @Type(() => Number) @IsInt() @Min(1) @Max(3600) ALERT_STALE_CHECK_SECONDS: number = 300;

  // ---- automation (action rules): the alerter proposes, the connector executes ----
  /** How long an `approval` proposal waits for an operator before it expires (minutes). */
  @Type(() => Number) @IsInt() @Min(1) @Max(7 * 24 * 60) AUTOMATION_PROPOSAL_TTL_MINUTES: number = 240;
  /** No action when the data behind its trigger is older than this (hours). */
  @Type(() => Number) @IsInt() @Min(1) @Max(72) AUTOMATION_FRESHNESS_HOURS: number = 3;
  /** Per advertiser and local day, the most budget automation may add (money; an advertiser's own limit wins). */
  @Matches(DECIMAL, DECIMAL_MESSAGE) AUTOMATION_MAX_DAILY_BUDGET_INCREASE: string = '100';
  /** How often dayparting schedules and the daily digests are judged (seconds). */
  @Type(() => Number) @IsInt() @Min(1) @Max(3600) AUTOMATION_SCHEDULE_SECONDS: number = 60;
  /** The advertiser's local hour at which yesterday's automation digest is posted. */
  @Type(() => Number) @IsInt() @Min(0) @Max(23) AUTOMATION_DIGEST_LOCAL_HOUR: number = 8;

  /** Minimum volumes of the default rules: below them a window is not judged. */
  @Type(() => Number) @IsInt() @Min(0) ALERT_MIN_IMPRESSIONS: number = 1000;
  @Type(() => Number) @IsInt() @Min(0) ALERT_MIN_CLICKS: number = 20;
  @Matches(DECIMAL, DECIMAL_MESSAGE) ALERT_MIN_SPEND: string = '10';

  /** Window of the default KPI rules (24 = the advertiser's local day). */
  @Type(() => Number)
  @IsIn(ALERT_WINDOW_HOURS, { message: `must be one of ${ALERT_WINDOW_HOURS.join(', ')}` })
  ALERT_WINDOW_HOURS: number = 24;
  /** Conversion metrics (ACOS, ROAS, CVR) of the default rules are judged only on windows older than this. */
  @Type(() => Number) @IsInt() @Min(0) @Max(720) ALERT_SETTLING_HOURS: number = 24;
  /** A still-firing alert reminds at most this often (never when acknowledged or snoozed). */
  @Type(() => Number) @IsInt() @Min(1) @Max(43_200) ALERT_REPEAT_INTERVAL_MINUTES: number = 240;
  /** Windows that ended longer ago than this are not evaluated (backfills do not raise old alerts). */
  @Type(() => Number) @IsInt() @Min(1) @Max(24 * 90) ALERT_MAX_WINDOW_AGE_HOURS: number = 96;

  // ---- evaluation ----------------------------------------------------------------------
  @Type(() => Number) @IsInt() @Min(1) @Max(1000) ALERT_EVAL_BATCH_SIZE: number = 100;
  @Type(() => Number) @IsInt() @Min(1) @Max(5000) ALERT_EVAL_BATCH_WAIT_MS: number = 20;
  @Type(() => Number) @IsInt() @Min(1000) @Max(600_000) ALERT_EVAL_ACK_WAIT_MS: number = 30_000;

  // ---- delivery ------------------------------------------------------------------------
  /** Fewest milliseconds between two messages to one webhook (Slack allows about 1 per second). */
  @Type(() => Number) @IsInt() @Min(0) @Max(60_000) SLACK_MIN_INTERVAL_MS: number = 1000;
  @Type(() => Number) @IsInt() @Min(100) @Max(60_000) SLACK_TIMEOUT_MS: number = 10_000;
  /** Failed attempts (5xx, network) before an entry is marked failed; 429s do not count. */
  @Type(() => Number) @IsInt() @Min(1) @Max(100) SLACK_MAX_ATTEMPTS: number = 8;
  @Type(() => Number) @IsInt() @Min(10) @Max(600_000) SLACK_RETRY_BASE_MS: number = 1000;
  @Type(() => Number) @IsInt() @Min(10) @Max(3_600_000) SLACK_RETRY_MAX_MS: number = 300_000;
  /** Most alerts in one Slack message; a larger burst becomes several messages. */
  @Type(() => Number) @IsInt() @Min(1) @Max(40) ALERT_GROUP_MAX: number = 20;
  /** After new alerts are committed, wait this long for more before sending (bursts become one message). */
  @Type(() => Number) @IsInt() @Min(0) @Max(10_000) ALERT_GROUP_WAIT_MS: number = 200;
  /** How often the sender looks for due entries written by other replicas or waiting for a retry. */
  @Type(() => Number) @IsInt() @Min(50) @Max(60_000) ALERT_OUTBOX_POLL_MS: number = 1000;
}
