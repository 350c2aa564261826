import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  addMonths,
  daysBefore,
  deltaHorizon,
  dropPartitionsBefore,
  ensureMonthPartitions,
  factHorizon,
  firstRecomputableDate,
  monthStart,
  partitionsOf,
  PARTITIONED_TABLES,
  type PartitionedTable,
} from '@ams/db';
import { AggregatorEnv } from '../config/aggregator.env';
import { SWEEP_LOCK_NAMESPACE } from '../rollup/rollup.repository';
import { RollupService } from '../rollup/rollup.service';
import { BoundedTable, MaintenanceRepository } from './maintenance.repository';
import { maintenanceMetrics } from './maintenance.metrics';

/** Second half of the session lock `(SWEEP_LOCK_NAMESPACE, 4)` held by the one replica running maintenance. */
export const MAINTENANCE_LOCK_KEY = 4;
const DAY_MS = 86_400_000;

export interface MaintenanceOutcome {
  status: 'completed' | 'skipped';
  /** partitions made ahead */
  created: string[];
  /** partitions dropped by retention */
  dropped: string[];
  /** campaign-days recomputed just before their facts were dropped */
  recomputedBeforeDrop: number;
  /** rows deleted per bounded table */
  deleted: Partial<Record<BoundedTable, number>>;
  seconds: number;
}

/**
 * The maintenance job of the partitioned tables and of retention. One replica at a time runs it (a session advisory
 * lock; the others skip), at start and on AGGREGATOR_MAINTENANCE_CRON:
 *
 * 1. monthly partitions of hourly_fact and performance_delta for the current month and PARTITIONS_AHEAD_MONTHS more
 *    (the processor also makes a missing one before it writes, so no insert fails at the first hour of a month);
 * 2. performance_delta: every partition ending at or before now − RETENTION_DELTA_DAYS is dropped (DETACH
 *    CONCURRENTLY + DROP: O(1), no writer waits);
 * 3. hourly_fact: the same at RETENTION_FACT_DAYS. Campaign-days still marked in rollup_pending inside the months to
 *    drop are recomputed first (their facts are all there), then the months are dropped, then the marks of days
 *    before the oldest kept hour are deleted: those rollups are final, and no recompute (event, sweep, drain) touches
 *    a day before the horizon again (RollupService.horizon);
 * 4. bounded retention of quarantine, budget_usage_event, budget_recommendation, notification_outbox (settled only), alert_event and
 *    subscription_confirmation: batched DELETEs, at most RETENTION_DELETE_MAX_PER_RUN rows per table and run.
 */
@Injectable()
export class MaintenanceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MaintenanceService.name);
  private running?: Promise<MaintenanceOutcome>;
  private stopping = false;

  constructor(
    private readonly env: AggregatorEnv,
    private readonly repository: MaintenanceRepository,
    private readonly rollups: RollupService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /** Runs once at start, in the background (the app is ready meanwhile; the processor covers a missing month). */
  onApplicationBootstrap(): void {
    if (!this.env.AGGREGATOR_MAINTENANCE_ENABLED) return;
    void this.run().catch(() => undefined);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
  }

  /** Runs the job for `now`, unless it is running here already (that run is returned) or on another replica. */
  run(now: Date = new Date()): Promise<MaintenanceOutcome> {
    if (this.running) return this.running;
    const t0 = Date.now();
    this.running = this.exclusive(() => this.work(now, t0))
      .then(
        (outcome) =>
          outcome ?? {
            status: 'skipped' as const,
            created: [],
            dropped: [],
            recomputedBeforeDrop: 0,
            deleted: {},
            seconds: 0,
          },
      )
      .then(
        (outcome) => {
          maintenanceMetrics.runs.inc({ outcome: outcome.status });
          if (outcome.status === 'completed') maintenanceMetrics.lastRun.set(Date.now() / 1000);
          return outcome;
        },
        (err: unknown) => {
          maintenanceMetrics.runs.inc({ outcome: 'failed' });
          this.logger.error(`maintenance failed: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        },
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async work(now: Date, t0: number): Promise<MaintenanceOutcome> {
    const created: string[] = [];
    const ahead = Array.from({ length: this.env.PARTITIONS_AHEAD_MONTHS + 1 }, (_, i) => addMonths(monthStart(now), i));
    for (const table of PARTITIONED_TABLES) created.push(...(await ensureMonthPartitions(this.ds, table, ahead)));

    const dropped: string[] = [];
    dropped.push(...(await this.drop('performance_delta', deltaHorizon(now, this.env.RETENTION_DELTA_DAYS))));
    const recomputedBeforeDrop = await this.recomputeMarkedBeforeDrop(now);
    dropped.push(...(await this.drop('hourly_fact', factHorizon(now, this.env.RETENTION_FACT_DAYS))));
    const oldest = (await partitionsOf(this.ds, 'hourly_fact'))[0]?.from;
    // days that began before the oldest kept hour (any offset: the day after its UTC date is whole) are final
    if (oldest) await this.repository.deleteMarksBefore(dayAfter(oldest));

    const deleted: MaintenanceOutcome['deleted'] = {};
    const days: Record<BoundedTable, number> = {
      quarantine: this.env.RETENTION_QUARANTINE_DAYS,
      budget_usage_event: this.env.RETENTION_BUDGET_USAGE_DAYS,
      budget_recommendation: this.env.RETENTION_BUDGET_RECOMMENDATION_DAYS,
      notification_outbox: this.env.RETENTION_NOTIFICATION_DAYS,
      alert_event: this.env.RETENTION_ALERT_EVENT_DAYS,
      subscription_confirmation: this.env.RETENTION_CONFIRMATION_DAYS,
    };
    for (const table of Object.keys(days) as BoundedTable[]) {
      if (this.stopping) break;
      const n = await this.repository.deleteOlderThan(
        table,
        daysBefore(now, days[table]),
        this.env.RETENTION_DELETE_BATCH,
        this.env.RETENTION_DELETE_MAX_PER_RUN,
      );
      deleted[table] = n;
      maintenanceMetrics.rowsDeleted.inc({ table }, n);
    }
    maintenanceMetrics.partitionsCreated.inc(created.length);
    maintenanceMetrics.partitionsDropped.inc(dropped.length);
    const seconds = (Date.now() - t0) / 1000;
    const outcome: MaintenanceOutcome = {
      status: 'completed',
      created,
      dropped,
      recomputedBeforeDrop,
      deleted,
      seconds,
    };
    this.logger.log(outcome, 'maintenance completed');
    return outcome;
  }

  private async drop(table: PartitionedTable, horizon: Date): Promise<string[]> {
    if (this.stopping) return [];
    return (await dropPartitionsBefore(this.ds, table, horizon)).map((p) => p.name);
  }

  /**
   * The campaign-days marked pending whose facts lie in the hourly_fact months about to be dropped (and whose facts
   * are all still there): recomputed now, while they can be, so the rollups kept for them are exact.
   */
  private async recomputeMarkedBeforeDrop(now: Date): Promise<number> {
    const horizon = factHorizon(now, this.env.RETENTION_FACT_DAYS);
    const parts = await partitionsOf(this.ds, 'hourly_fact');
    const toDrop = parts.filter((p) => p.to !== null && p.to.getTime() <= horizon.getTime());
    if (!toDrop.length) return 0;
    const lastEnd = toDrop[toDrop.length - 1].to as Date;
    // from the first day whose hours are all kept to the last day that has an hour in the dropped months
    const from = parts[0].from ? dayAfter(parts[0].from) : '0001-01-01';
    const to = new Date(lastEnd.getTime() + 2 * DAY_MS).toISOString().slice(0, 10);
    const days = (await this.repository.pendingDaysBetween(from, to)).filter(
      (d) => d.localDate < firstRecomputableDate(now, this.env.RETENTION_FACT_DAYS),
    );
    if (days.length) await this.rollups.recomputeBeforeDrop(days);
    return days.length;
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T | null> {
    const runner = this.ds.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1::int, $2::int) AS locked', [
        SWEEP_LOCK_NAMESPACE,
        MAINTENANCE_LOCK_KEY,
      ])) as Array<{ locked: boolean }>;
      if (!locked) return null;
      try {
        return await work();
      } finally {
        await runner
          .query('SELECT pg_advisory_unlock($1::int, $2::int)', [SWEEP_LOCK_NAMESPACE, MAINTENANCE_LOCK_KEY])
          .catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}

/** The UTC date after the date of `at`: the first local day (offsets ±14 h) with no hour before `at`. */
function dayAfter(at: Date): string {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()) + DAY_MS).toISOString().slice(0, 10);
}
