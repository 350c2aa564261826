import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { advertiserProfileLateralSql } from '@ams/db';
import { ReadDb, type ReadTarget } from '../replica/read-db.service';
import { buildStatement, type PageRequest, type PerformanceFilter } from './performance.statement';

// the statement's parts live in performance.statement.ts; these names are still importable from here
export { buildStatement, type PerformanceFilter } from './performance.statement';

export interface MetricSums {
  impressions: string;
  clicks: string;
  cost: string;
  orders: string;
  sales: string;
  units: string;
}

/**
 * One row of the page as node-postgres hands it over (array mode, no per-row object): the period (hour: epoch
 * seconds of the hour start as text; day: the local date), the group key columns, the advertiser's UTC offset in
 * minutes, then impressions, clicks, cost, orders, sales, units as numeric text.
 */
export type PerformanceRow = Array<string | number | boolean | null>;

export const GROUP_FIELDS: Record<string, string> = {
  campaign_id: 'campaignId',
  ad_group_id: 'adGroupId',
  ad_id: 'adId',
  keyword_id: 'keywordId',
  placement: 'placement',
};

/**
 * Reads summed performance from the hourly facts, or for whole local days from the daily rollups where no
 * rollup_pending mark says they may lag the facts (see dailyRollupOf); every number is summed in SQL as numeric. The
 * statement is built by buildStatement (performance.statement.ts); this class runs it and reads the rows.
 *
 * Cost per request is what limits the endpoint, so the statement is shaped for it (measured on the bench, 2,880 facts
 * → 720 hours, backend CPU per statement): the attribution window of a fact is resolved once per fact below an
 * optimisation fence and picked by the aggregate (11.5 → 9.5 ms with the totals); with advertiserId the advertiser's
 * three windows are read once and each row picks by its ad product (0.68 of the PostgreSQL CPU, issue 20); with an
 * explicit window there is no join at all; totals are summed from the grouped rows instead of a second grouping set; the statement is a named
 * prepared statement per SQL shape, so PostgreSQL plans each shape once per connection.
 */
@Injectable()
export class PerformanceRepository {
  private readonly statementNames = new Map<string, string>();
  private generation = 0;

  constructor(private readonly read: ReadDb) {}

  /**
   * The page and its totals in one statement (one snapshot), on `on` (ReadDb.target: the replica or the primary).
   */
  async query(
    f: PerformanceFilter,
    page: PageRequest,
    on: ReadTarget,
  ): Promise<{ rows: PerformanceRow[]; totals: MetricSums; groupCols: string[] }> {
    const { text, values, groupCols } = buildStatement(f, page);
    const result = await this.run(on, text, values);
    let totals: MetricSums | undefined;
    const rows: PerformanceRow[] = [];
    for (const r of result) {
      // first column: is_total; a total over no rows is NULL (an empty range totals zeros)
      if (r[0] === true) totals = r[3 + groupCols.length] === null ? undefined : sumsOf(r.slice(3 + groupCols.length));
      else rows.push(r.slice(1));
    }
    return { rows, totals: totals ?? sumsOf([]), groupCols };
  }

  /** Advertisers with facts of a campaign in [from, to) (the ones whose settings its numbers can use). */
  async advertisersOf(on: ReadTarget, campaignId: string, from: string, to: string): Promise<string[]> {
    const rows = await this.run(
      on,
      `SELECT DISTINCT advertiser_id FROM hourly_fact
       WHERE campaign_id = $1 AND hour_start >= $2::timestamptz AND hour_start < $3::timestamptz`,
      [campaignId, from, to],
    );
    return rows.map((r) => String(r[0]));
  }

  /**
   * What the default windows of these advertisers depend on, as one string: their stored attribution settings and the
   * account type of their Amazon profile (the connector's, which sets the default SP window). Equal strings mean the
   * numbers that depend on them are the same. One primary-key lookup of the settings and one index lookup of the
   * profile per advertiser.
   */
  async settingsStamp(on: ReadTarget, advertiserIds: string[]): Promise<string> {
    if (advertiserIds.length === 0) return '';
    const rows = await this.run(
      on,
      `SELECT string_agg(a || '=' || coalesce(s.attribution_window_sp || '/' || s.attribution_window_sb || '/' ||
         s.attribution_window_sd, '') || '/' || coalesce(pt.account_type, ''), ',' ORDER BY a)
       FROM unnest($1::text[]) a
       LEFT JOIN advertiser_setting s ON s.advertiser_id = a
       LEFT JOIN LATERAL (${advertiserProfileLateralSql('a', ['account_type'])}) pt ON true`,
      [advertiserIds],
    );
    return String(rows[0]?.[0] ?? '');
  }

  /**
   * A named prepared statement on the TypeORM pool (node-postgres prepares it once per connection). A migration that
   * changes the result type of a prepared statement makes PostgreSQL refuse to run it ("cached plan must not change
   * result type"): then the statement is prepared again under a new name.
   */
  private async run(on: ReadTarget, text: string, values: unknown[]): Promise<PerformanceRow[]> {
    const pool = this.read.pool(on);
    for (let attempt = 1; ; attempt++) {
      let name = this.statementNames.get(text);
      if (!name) {
        name = `perf_${this.generation}_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
        if (this.statementNames.size > 1000) this.statementNames.clear();
        this.statementNames.set(text, name);
      }
      try {
        const res = await pool.query<PerformanceRow>({ name, text, values, rowMode: 'array' });
        return res.rows;
      } catch (err) {
        if (attempt > 1 || (err as { code?: string }).code !== FEATURE_NOT_SUPPORTED) throw err;
        this.generation++;
        this.statementNames.clear();
      }
    }
  }
}

/** SQLSTATE of "cached plan must not change result type" */
const FEATURE_NOT_SUPPORTED = '0A000';

/** impressions, clicks, cost, orders, sales, units from their columns; missing ones are zero */
export function sumsOf(r: PerformanceRow): MetricSums {
  const at = (i: number) => String(r[i] ?? '0');
  return { impressions: at(0), clicks: at(1), cost: at(2), orders: at(3), sales: at(4), units: at(5) };
}
