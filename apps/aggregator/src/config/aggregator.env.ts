import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min, ValidateBy } from 'class-validator';
import { CommonEnv, envBoolean } from '@ams/platform';
import { DEFAULT_RETENTION_DELTA_DAYS, DEFAULT_RETENTION_FACT_DAYS, MIN_RETENTION_DELTA_DAYS } from '@ams/db';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** [min, max, names] of each field: second?, minute, hour, day of month, month, day of week */
const FIELDS: Array<[number, number, string[]]> = [
  [0, 59, []],
  [0, 59, []],
  [0, 23, []],
  [1, 31, []],
  [1, 12, MONTHS],
  [0, 7, WEEKDAYS],
];

/** A cron expression of 5 fields (minute hour day month weekday) or 6 (seconds first): `*`, lists, ranges, steps. */
export function isCronExpression(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return false;
  const fields = parts.length === 6 ? FIELDS : FIELDS.slice(1);
  return parts.every((part, i) => {
    const [min, max, names] = fields[i];
    const num = (t: string) => {
      const n = names.indexOf(t.toLowerCase());
      const v = n >= 0 ? n + (min === 1 ? 1 : 0) : /^\d+$/.test(t) ? Number(t) : NaN;
      return v >= min && v <= max;
    };
    return part.split(',').every((item) => {
      const [range, step, ...rest] = item.split('/');
      if (rest.length || (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0))) return false;
      if (range === '*') return true;
      const [a, b, ...more] = range.split('-');
      return !more.length && num(a) && (b === undefined || num(b));
    });
  });
}

const IsCron = () =>
  ValidateBy({
    name: 'isCron',
    validator: {
      validate: isCronExpression,
      defaultMessage: () => 'must be a cron expression of 5 or 6 fields (UTC), e.g. "5 * * * *"',
    },
  });

/** A number at least the value of another property (RETENTION_FACT_DAYS ≥ RETENTION_DELTA_DAYS). */
export const IsAtLeastProperty = (other: string) =>
  ValidateBy({
    name: 'isAtLeastProperty',
    constraints: [other],
    validator: {
      validate: (value, args) => {
        const bound = (args?.object as Record<string, unknown> | undefined)?.[other];
        return typeof value === 'number' && (typeof bound !== 'number' || value >= bound);
      },
      defaultMessage: () => `must be at least ${other}`,
    },
  });

export class AggregatorEnv extends CommonEnv {
  override PORT = 3004;

  /** Most perf.hourly.updated.v1 events merged into one recompute. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  AGGREGATOR_BATCH_SIZE: number = 200;

  /** How long a partial batch of events waits for more (bursts are merged). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  AGGREGATOR_BATCH_WAIT_MS: number = 100;

  /** JetStream redelivers a batch not acknowledged within this time. */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  AGGREGATOR_ACK_WAIT_MS: number = 60_000;

  /** Batches recomputed at once by this replica. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(8)
  AGGREGATOR_CONCURRENCY: number = 1;

  /** Campaigns recomputed (and advisory-locked) per transaction; bounds lock-table use and transaction size. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5_000)
  AGGREGATOR_CAMPAIGNS_PER_TRANSACTION: number = 500;

  /** false: this replica never runs the scheduled sweeps (events are still handled). */
  @Transform(envBoolean)
  @IsBoolean()
  AGGREGATOR_SWEEPS_ENABLED: boolean = true;

  /** When the traffic sweep runs (UTC). Default: every hour at minute 5. */
  @IsCron()
  AGGREGATOR_TRAFFIC_SWEEP_CRON: string = '5 * * * *';

  /** The traffic sweep recomputes the advertiser-local days overlapping the last this many hours. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 31)
  AGGREGATOR_TRAFFIC_SWEEP_HOURS: number = 72;

  /** When the conversion sweep runs (UTC). Default: every day at 03:30. */
  @IsCron()
  AGGREGATOR_CONVERSION_SWEEP_CRON: string = '30 3 * * *';

  /** The conversion sweep recomputes this many days back (AMS revises conversions for up to 60 days). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(400)
  AGGREGATOR_CONVERSION_SWEEP_DAYS: number = 60;

  /**
   * Every this many seconds, campaign-days whose rollup_pending mark is older than AGGREGATOR_PENDING_GRACE_SECONDS
   * are recomputed (their event was lost, or has waited that long): the api reads such days from the facts until then.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3_600)
  AGGREGATOR_PENDING_DRAIN_SECONDS: number = 30;

  /** How long a mark is left to the event path before the drain takes it. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  AGGREGATOR_PENDING_GRACE_SECONDS: number = 60;

  // ---- partitions and retention (docs/scaling.md). One replica at a time runs the maintenance job (an advisory lock).

  /** When the maintenance job runs (UTC): partitions ahead, retention. It also runs at start. */
  @IsCron()
  AGGREGATOR_MAINTENANCE_CRON: string = '20 * * * *';

  /** false: this replica never runs the maintenance job. */
  @Transform(envBoolean)
  @IsBoolean()
  AGGREGATOR_MAINTENANCE_ENABLED: boolean = true;

  /** Monthly partitions of hourly_fact and performance_delta kept ready after the current month. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24)
  PARTITIONS_AHEAD_MONTHS: number = 3;

  /** Days performance_delta (the dedupe memory) is kept: whole months older than this are dropped. */
  @Type(() => Number)
  @IsInt()
  @Min(MIN_RETENTION_DELTA_DAYS)
  @Max(36_500)
  RETENTION_DELTA_DAYS: number = DEFAULT_RETENTION_DELTA_DAYS;

  /**
   * Days hourly_fact (the finest grain) is kept: whole months older than this are dropped; rollups are kept, and days
   * older than this are never recomputed. At least RETENTION_DELTA_DAYS.
   */
  @Type(() => Number)
  @IsInt()
  @Min(MIN_RETENTION_DELTA_DAYS)
  @Max(36_500)
  @IsAtLeastProperty('RETENTION_DELTA_DAYS')
  RETENTION_FACT_DAYS: number = DEFAULT_RETENTION_FACT_DAYS;

  /** Days quarantined items are kept (by arrival), whatever their status. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36_500)
  RETENTION_QUARANTINE_DAYS: number = 180;

  /** Days budget_usage_event rows are kept (by arrival); budget_usage_latest is kept. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36_500)
  RETENTION_BUDGET_USAGE_DAYS: number = 400;

  /** Days budget_recommendation rows (Amazon's sp-budget-recommendations, history included) are kept (by arrival). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36_500)
  RETENTION_BUDGET_RECOMMENDATION_DAYS: number = 400;

  /** Days alert_event rows are kept (those a kept notification still refers to stay). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36_500)
  RETENTION_ALERT_EVENT_DAYS: number = 400;

  /** Days settled notification_outbox rows (sent, delivered-to-log) are kept; pending, sending and failed ones stay. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36_500)
  RETENTION_NOTIFICATION_DAYS: number = 90;

  /** Days subscription_confirmation attempts are kept. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36_500)
  RETENTION_CONFIRMATION_DAYS: number = 400;

  /** Rows deleted per statement by the bounded retention of the smaller tables. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(100_000)
  RETENTION_DELETE_BATCH: number = 5_000;

  /** Rows deleted per table and run, at most (the rest goes on the next run). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(10_000_000)
  RETENTION_DELETE_MAX_PER_RUN: number = 100_000;
}
