import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PerformanceRecord } from '@ams/ams';
import {
  addMonths,
  DEDUPE_MARGIN_DAYS,
  dedupeHorizon,
  ensureMonthPartitions,
  monthStart,
  PARTITIONED_TABLES,
} from '@ams/db';
import { ProcessorEnv } from '../config/processor.env';

/** Quarantine code of a record whose hour is older than the dedupe horizon. */
export const BEYOND_DEDUPE_HORIZON = 'beyond-dedupe-horizon';
/** Quarantine code of a record whose hour lies further ahead than any partition is made for. */
export const HOUR_TOO_FAR_AHEAD = 'hour-too-far-ahead';
/** Months after the current one for which the processor makes a missing partition on demand. */
export const ON_DEMAND_MONTHS_AHEAD = 12;

/**
 * What retention and partitioning ask of the write path:
 *
 * - **Dedupe survives retention.** performance_delta is the memory of which deltas were counted; its months are
 *   dropped after RETENTION_DELTA_DAYS. A record whose hour is older than the dedupe horizon (that retention minus
 *   DEDUPE_MARGIN_DAYS) is refused into quarantine with the reason, never counted: its earlier copy may be gone, so a
 *   duplicate could no longer be recognised. The horizon (88 days by default) is longer than anything AMS can still
 *   send for an hour: conversions are revised up to 60 days after the click and an SQS message lives at most 14 days.
 * - **No insert fails for a missing month.** Before a batch is written, the months of its hours that no partition
 *   covers are created (at most ON_DEMAND_MONTHS_AHEAD months ahead; a record further ahead is quarantined with the
 *   reason). Months known to exist are remembered, so a batch costs no catalog read in the steady state.
 */
@Injectable()
export class RetentionGuardService {
  private readonly logger = new Logger(RetentionGuardService.name);
  /** first instants (ms) of months whose partitions exist in both tables */
  private readonly knownMonths = new Set<number>();

  constructor(
    private readonly env: ProcessorEnv,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /** Why a performance record must not be stored, or null when it may. */
  refusal(record: PerformanceRecord, now = new Date()): { code: string; reason: string } | null {
    const hour = Date.parse(record.hourStartUtc);
    const horizon = dedupeHorizon(now, this.env.RETENTION_DELTA_DAYS);
    if (hour < horizon.getTime()) {
      return {
        code: BEYOND_DEDUPE_HORIZON,
        reason:
          `hour ${record.hourStartUtc} is before the dedupe horizon ${horizon.toISOString()} ` +
          `(RETENTION_DELTA_DAYS ${this.env.RETENTION_DELTA_DAYS} minus ${DEDUPE_MARGIN_DAYS} days): deltas that old ` +
          `are no longer kept, so a duplicate could not be recognised; not counted`,
      };
    }
    const limit = addMonths(monthStart(now), ON_DEMAND_MONTHS_AHEAD + 1);
    if (hour >= limit.getTime()) {
      return {
        code: HOUR_TOO_FAR_AHEAD,
        reason: `hour ${record.hourStartUtc} is at or after ${limit.toISOString()}: no partition is made more than ${ON_DEMAND_MONTHS_AHEAD} months ahead`,
      };
    }
    return null;
  }

  /** Makes sure every month of these hours has its partitions (both tables) before a batch writes them. */
  async ensurePartitions(records: PerformanceRecord[]): Promise<void> {
    const missing = new Map<number, Date>();
    for (const r of records) {
      const month = monthStart(new Date(r.hourStartUtc));
      if (!this.knownMonths.has(month.getTime())) missing.set(month.getTime(), month);
    }
    if (!missing.size) return;
    const months = [...missing.values()];
    for (const table of PARTITIONED_TABLES) {
      const made = await ensureMonthPartitions(this.ds, table, months);
      if (made.length) this.logger.warn({ partitions: made }, 'made missing partitions on demand');
    }
    for (const m of months) this.knownMonths.add(m.getTime());
  }

  /** After PostgreSQL refused a row for want of a partition (someone dropped one): read the catalog again. */
  forget(): void {
    this.knownMonths.clear();
  }
}

/** PostgreSQL's error for a row no partition accepts (SQLSTATE 23514, "no partition of relation … found for row"). */
export function isNoPartitionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '23514' && typeof e.message === 'string' && e.message.startsWith('no partition of relation');
}
