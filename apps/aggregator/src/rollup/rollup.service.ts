import { Injectable } from '@nestjs/common';
import { factHorizon, firstRecomputableDate } from '@ams/db';
import { AggregatorEnv } from '../config/aggregator.env';
import { RollupRepository, RollupTable, TableOutcome } from './rollup.repository';
import { rollupMetrics } from './rollup.metrics';
import {
  DayScope,
  planForDay,
  planForScopes,
  planFromTouched,
  RecomputeChunk,
  RecomputeHorizon,
  TouchedHour,
} from './rollup.scope';

export type RecomputeSource = 'event' | 'sweep' | 'drain';

export interface RecomputeSummary {
  transactions: number;
  campaigns: number;
  rows: Partial<Record<RollupTable, { computed: number; written: number; deleted: number }>>;
}

/**
 * Recomputes rollups from hourly_fact: for the keys events touched, or for a whole local day (sweeps).
 * Work is cut into chunks of campaigns, one transaction each, so nothing holds many locks for long.
 */
@Injectable()
export class RollupService {
  constructor(
    private readonly env: AggregatorEnv,
    private readonly repository: RollupRepository,
  ) {}

  /** Campaign-hours the events named, and every daily row of their campaign-days. */
  applyTouched(touched: Iterable<TouchedHour>): Promise<RecomputeSummary> {
    return this.runChunks(
      planFromTouched(touched, this.env.AGGREGATOR_CAMPAIGNS_PER_TRANSACTION, this.horizon()),
      'event',
    );
  }

  /**
   * Every rollup row of one advertiser-local day, for every campaign that has facts (or rollups) on it. A day before
   * the facts' horizon is left as it is (its facts may be dropped: a recompute would empty its rollups).
   */
  async recomputeDay(localDate: string, shouldStop: () => boolean = () => false): Promise<RecomputeSummary> {
    const horizon = this.horizon();
    if (localDate < horizon.firstDay) return { transactions: 0, campaigns: 0, rows: {} };
    const campaigns = await this.repository.campaignsOfDay(localDate);
    return this.runChunks(
      planForDay(localDate, campaigns, this.env.AGGREGATOR_CAMPAIGNS_PER_TRANSACTION, horizon),
      'sweep',
      shouldStop,
    );
  }

  /** What may be recomputed now: hours and local days whose facts RETENTION_FACT_DAYS still keeps whole. */
  horizon(now = new Date()): RecomputeHorizon {
    return {
      firstHour: factHorizon(now, this.env.RETENTION_FACT_DAYS).toISOString(),
      firstDay: firstRecomputableDate(now, this.env.RETENTION_FACT_DAYS),
    };
  }

  /**
   * Whole campaign-days recomputed whatever their age: for the maintenance job, before it drops the facts of their
   * month (their facts are all still there), so the rollups it keeps are exact.
   */
  recomputeBeforeDrop(days: DayScope[]): Promise<RecomputeSummary> {
    return this.runChunks(planForScopes(days, this.env.AGGREGATOR_CAMPAIGNS_PER_TRANSACTION), 'drain');
  }

  /**
   * Recomputes whole campaign-days marked pending for at least `olderThanSeconds`, up to `limit` of them; the
   * recompute clears their marks. Returns the number of campaign-days taken.
   */
  async drainPending(
    olderThanSeconds: number,
    limit: number,
    shouldStop: () => boolean = () => false,
  ): Promise<number> {
    const days = await this.repository.pendingDays(olderThanSeconds, limit, this.horizon().firstDay);
    if (days.length)
      await this.runChunks(planForScopes(days, this.env.AGGREGATOR_CAMPAIGNS_PER_TRANSACTION), 'drain', shouldStop);
    return days.length;
  }

  private async runChunks(
    chunks: RecomputeChunk[],
    source: RecomputeSource,
    shouldStop: () => boolean = () => false,
  ): Promise<RecomputeSummary> {
    const summary: RecomputeSummary = { transactions: 0, campaigns: 0, rows: {} };
    for (const chunk of chunks) {
      if (shouldStop()) break;
      const end = rollupMetrics.transactionDuration.startTimer({ source });
      const outcomes = await this.repository.recompute(chunk);
      end();
      summary.transactions++;
      summary.campaigns += chunk.campaigns;
      for (const o of outcomes) record(summary, o, source);
    }
    return summary;
  }
}

function record(summary: RecomputeSummary, o: TableOutcome, source: RecomputeSource): void {
  const acc = (summary.rows[o.table] ??= { computed: 0, written: 0, deleted: 0 });
  acc.computed += o.computed;
  acc.written += o.written;
  acc.deleted += o.deleted;
  rollupMetrics.rows.inc({ table: o.table, outcome: 'written', source }, o.written);
  rollupMetrics.rows.inc({ table: o.table, outcome: 'unchanged', source }, o.computed - o.written);
  rollupMetrics.rows.inc({ table: o.table, outcome: 'deleted', source }, o.deleted);
}
