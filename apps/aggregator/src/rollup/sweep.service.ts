import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AggregatorEnv } from '../config/aggregator.env';
import { SWEEP_LOCK_NAMESPACE } from './rollup.repository';
import { rollupMetrics } from './rollup.metrics';
import { RecomputeSummary, RollupService } from './rollup.service';
import { SweepKind, sweepDays } from './rollup.scope';

export const SWEEP_LOCK_KEYS: Record<SweepKind, number> = { traffic: 1, conversion: 2 };

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
    await Promise.allSettled([...this.running.values()]);
  }

  private async sweep(kind: SweepKind, now: Date): Promise<SweepOutcome> {
    const runner = this.ds.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1::int, $2::int) AS locked', [
        SWEEP_LOCK_NAMESPACE,
        SWEEP_LOCK_KEYS[kind],
      ])) as Array<{ locked: boolean }>;
      if (!locked) {
        rollupMetrics.sweeps.inc({ kind, outcome: 'skipped' });
        this.logger.log(`${kind} sweep skipped: another replica is running it`);
        return { kind, status: 'skipped', reason: 'another replica is running it' };
      }
      try {
        return await this.sweepDays(kind, now);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1::int, $2::int)', [SWEEP_LOCK_NAMESPACE, SWEEP_LOCK_KEYS[kind]]).catch(() => undefined);
      }
    } catch (err) {
      rollupMetrics.sweeps.inc({ kind, outcome: 'failed' });
      this.logger.error(`${kind} sweep failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
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
      for (const [table, r] of Object.entries(s.rows) as Array<[keyof RecomputeSummary['rows'], { computed: number; written: number; deleted: number }]>) {
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
    this.logger.log({ kind, status, days: done, seconds, transactions: total.transactions, rows: total.rows }, `${kind} sweep ${status}`);
    return { kind, status, days: done, seconds, summary: total };
  }
}
