import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AggregatorEnv } from '../config/aggregator.env';
import { SWEEP_LOCK_NAMESPACE } from './rollup.repository';
import { rollupMetrics } from './rollup.metrics';
import { RecomputeSummary, RollupService } from './rollup.service';
import { SweepKind, sweepDays } from './rollup.scope';

export const SWEEP_LOCK_KEYS: Record<SweepKind, number> = { traffic: 1, conversion: 2 };
/** Second half of the session lock held by the one replica draining rollup_pending. */
export const DRAIN_LOCK_KEY = 3;
/** Campaign-days taken per pass of the drain (the pass repeats while it finds this many). */
const DRAIN_BATCH = 2_000;

export type SweepOutcome =
  | { kind: SweepKind; status: 'completed' | 'interrupted'; days: number; seconds: number; summary: RecomputeSummary }
  | { kind: SweepKind; status: 'skipped'; reason: string };

/**
 * Heals missed events by recomputing recent windows, one advertiser-local day at a time (each day in
 * transactions of a bounded number of campaigns). Only one replica runs a given sweep at once: it holds
 * the session advisory lock (SWEEP_LOCK_NAMESPACE, kind) on a dedicated connection for the whole sweep;
 * the others skip. Overlap with event recomputes is harmless: both recompute under the same campaign locks.
 */
@Injectable()
export class SweepService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SweepService.name);
  private readonly running = new Map<SweepKind, Promise<SweepOutcome>>();
  private stopping = false;

  constructor(
    private readonly env: AggregatorEnv,
    private readonly rollups: RollupService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /** Runs a sweep of `kind` for the windows ending at `now`, unless one is running here or on another replica. */
  run(kind: SweepKind, now: Date = new Date()): Promise<SweepOutcome> {
    if (this.stopping) return Promise.resolve({ kind, status: 'skipped', reason: 'shutting down' });
    const current = this.running.get(kind);
    if (current) return Promise.resolve({ kind, status: 'skipped', reason: 'already running in this replica' });
    const run = this.sweep(kind, now).finally(() => this.running.delete(kind));
    this.running.set(kind, run);
    return run;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values(), this.draining]);
  }

  private draining: Promise<unknown> = Promise.resolve();

  /**
   * Recomputes the campaign-days whose rollup_pending marks are older than the grace period (events lost, or queued
   * that long), until none is left; one replica at a time. Returns the campaign-days recomputed, or null when
   * another replica holds the drain.
   */
  drainPending(): Promise<number | null> {
    if (this.stopping) return Promise.resolve(0);
    const run = this.exclusive(DRAIN_LOCK_KEY, async () => {
      let total = 0;
      for (;;) {
        const n = await this.rollups.drainPending(
          this.env.AGGREGATOR_PENDING_GRACE_SECONDS,
          DRAIN_BATCH,
          () => this.stopping,
        );
        total += n;
        if (n < DRAIN_BATCH || this.stopping) break;
      }
      rollupMetrics.pendingDrained.inc(total);
      rollupMetrics.pendingOldest.set(await this.oldestMarkSeconds());
      if (total)
        this.logger.warn(
          { campaignDays: total },
          'recomputed campaign-days whose rollup_pending marks outlived the grace period',
        );
      return total;
    });
    this.draining = run.catch(() => undefined);
    return run;
  }

  private async oldestMarkSeconds(): Promise<number> {
    const [row] = (await this.ds.query(
      `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age FROM rollup_pending`,
    )) as Array<{ age: number }>;
    return Number(row.age);
  }

  private async sweep(kind: SweepKind, now: Date): Promise<SweepOutcome> {
    try {
      const outcome = await this.exclusive(SWEEP_LOCK_KEYS[kind], () => this.sweepDays(kind, now));
      if (outcome === null) {
        rollupMetrics.sweeps.inc({ kind, outcome: 'skipped' });
        this.logger.log(`${kind} sweep skipped: another replica is running it`);
        return { kind, status: 'skipped', reason: 'another replica is running it' };
      }
      return outcome;
    } catch (err) {
      rollupMetrics.sweeps.inc({ kind, outcome: 'failed' });
      this.logger.error(`${kind} sweep failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  /**
   * Runs `work` while holding the session advisory lock (SWEEP_LOCK_NAMESPACE, key) on a dedicated connection, or
   * returns null at once when another replica holds it.
   */
  private async exclusive<T>(key: number, work: () => Promise<T>): Promise<T | null> {
    const runner = this.ds.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1::int, $2::int) AS locked', [
        SWEEP_LOCK_NAMESPACE,
        key,
      ])) as Array<{
        locked: boolean;
      }>;
      if (!locked) return null;
      try {
        return await work();
      } finally {
        await runner
          .query('SELECT pg_advisory_unlock($1::int, $2::int)', [SWEEP_LOCK_NAMESPACE, key])
          .catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }

  private async sweepDays(kind: SweepKind, now: Date): Promise<SweepOutcome> {
    const days = sweepDays(kind, now, {
      trafficHours: this.env.AGGREGATOR_TRAFFIC_SWEEP_HOURS,
      conversionDays: this.env.AGGREGATOR_CONVERSION_SWEEP_DAYS,
    });
    const end = rollupMetrics.sweepDuration.startTimer({ kind });
    const total: RecomputeSummary = { transactions: 0, campaigns: 0, rows: {} };
    let done = 0;
    for (const day of days) {
      if (this.stopping) break;
      const s = await this.rollups.recomputeDay(day, () => this.stopping);
      if (this.stopping) break; // the day may be partial
      total.transactions += s.transactions;
      total.campaigns += s.campaigns;
      for (const [table, r] of Object.entries(s.rows) as Array<
        [keyof RecomputeSummary['rows'], { computed: number; written: number; deleted: number }]
      >) {
        const acc = (total.rows[table] ??= { computed: 0, written: 0, deleted: 0 });
        acc.computed += r.computed;
        acc.written += r.written;
        acc.deleted += r.deleted;
      }
      done++;
    }
    const seconds = end();
    const status = done === days.length ? 'completed' : 'interrupted';
    rollupMetrics.sweeps.inc({ kind, outcome: status });
    if (status === 'completed') rollupMetrics.lastSweep.set({ kind }, Date.now() / 1000);
    this.logger.log(
      { kind, status, days: done, seconds, transactions: total.transactions, rows: total.rows },
      `${kind} sweep ${status}`,
    );
    return { kind, status, days: done, seconds, summary: total };
  }
}
