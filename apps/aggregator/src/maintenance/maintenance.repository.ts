import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DayScope } from '../rollup/rollup.scope';

/**
 * The tables kept a bounded time, deleted row by row in batches (they are small next to the facts): each statement
 * deletes at most `batch` rows found through an index (time or id order), so no statement holds many row locks or
 * runs long, and a run stops after `maxPerRun` rows per table. `id` tables are scanned in id order, which is arrival
 * order, so the old rows come first and a batch stops early.
 */
export const BOUNDED_TABLES = {
  /** every status: a record that old is beyond the dedupe horizon, replaying it would be refused */
  quarantine: `SELECT id FROM quarantine WHERE received_at < $1 ORDER BY received_at LIMIT $2`,
  budget_usage_event: `SELECT ctid FROM budget_usage_event WHERE received_at < $1 ORDER BY received_at LIMIT $2`,
  budget_recommendation: `SELECT ctid FROM budget_recommendation WHERE received_at < $1 ORDER BY received_at LIMIT $2`,
  /** only settled notifications (sent, or written to the log): pending, sending and failed ones stay */
  notification_outbox: `SELECT id FROM notification_outbox WHERE status IN ('sent', 'delivered-to-log')
    AND created_at < $1 ORDER BY id LIMIT $2`,
  /** not those a kept notification still refers to (its foreign key) */
  alert_event: `SELECT e.id FROM alert_event e WHERE e.at < $1
    AND NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.alert_event_id = e.id) ORDER BY e.id LIMIT $2`,
  subscription_confirmation: `SELECT id FROM subscription_confirmation WHERE attempted_at < $1 ORDER BY id LIMIT $2`,
} as const;
export type BoundedTable = keyof typeof BOUNDED_TABLES;

@Injectable()
export class MaintenanceRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Deletes rows of `table` older than `before`, `batch` per statement, at most `max`; returns the rows deleted. */
  async deleteOlderThan(table: BoundedTable, before: Date, batch: number, max: number): Promise<number> {
    // the natural-key tables have no id column: their rows are deleted by ctid, read in the same statement
    const key = table === 'budget_usage_event' || table === 'budget_recommendation' ? 'ctid' : 'id';
    let total = 0;
    while (total < max) {
      const limit = Math.min(batch, max - total);
      // a SELECT around the DELETE: TypeORM answers a bare DELETE with [rows, count]
      const [{ n }] = (await this.ds.query(
        `WITH old AS (${BOUNDED_TABLES[table]}),
              del AS (DELETE FROM ${table} t USING old WHERE t.${key} = old.${key} RETURNING 1)
         SELECT count(*)::int AS n FROM del`,
        [before.toISOString(), limit],
      )) as Array<{ n: number }>;
      total += n;
      if (n < limit) break;
    }
    return total;
  }

  /** Campaign-days marked pending in [fromDate, toDate) (local dates). */
  async pendingDaysBetween(fromDate: string, toDate: string): Promise<DayScope[]> {
    const rows = (await this.ds.query(
      `SELECT DISTINCT advertiser_id, campaign_id, local_date::text AS local_date FROM rollup_pending
        WHERE local_date >= $1::date AND local_date < $2::date ORDER BY 1, 2, 3`,
      [fromDate, toDate],
    )) as Array<{ advertiser_id: string; campaign_id: string; local_date: string }>;
    return rows.map((r) => ({ advertiserId: r.advertiser_id, campaignId: r.campaign_id, localDate: r.local_date }));
  }

  /** Drops the marks of days before `toDate`: their facts are (partly) dropped, their rollups are final. */
  async deleteMarksBefore(toDate: string): Promise<number> {
    const [{ n }] = (await this.ds.query(
      `WITH del AS (DELETE FROM rollup_pending WHERE local_date < $1::date RETURNING 1) SELECT count(*)::int AS n FROM del`,
      [toDate],
    )) as Array<{ n: number }>;
    return n;
  }
}
