import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { AttributionWindow } from '@ams/ams';
import type { GroupBy } from './dto/performance-query.dto';

export interface PerformanceFilter {
  advertiserId?: string;
  campaignId?: string;
  adGroupId?: string;
  keywordId?: string;
  /** instants (UTC ISO) or advertiser-local dates, half-open [from, to) */
  range: { kind: 'instant'; from: string; to: string } | { kind: 'local-date'; from: string; to: string };
  granularity: 'hour' | 'day';
  groupBy?: GroupBy;
  attributionWindow?: AttributionWindow;
}

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

const GROUP_COLUMNS: Record<GroupBy, string[]> = {
  campaign: ['campaign_id'],
  adGroup: ['campaign_id', 'ad_group_id'],
  ad: ['campaign_id', 'ad_group_id', 'ad_id'],
  keyword: ['campaign_id', 'ad_group_id', 'keyword_id'],
  placement: ['campaign_id', 'placement'],
};
export const GROUP_FIELDS: Record<string, string> = {
  campaign_id: 'campaignId',
  ad_group_id: 'adGroupId',
  ad_id: 'adId',
  keyword_id: 'keywordId',
  placement: 'placement',
};

/**
 * Reads summed performance from the hourly facts; every number is summed in SQL as numeric.
 *
 * Cost per request is what limits the endpoint, so the statement is shaped for it (measured on the bench, 2,880 facts
 * → 720 hours, backend CPU per statement): the attribution window of a fact is resolved once per fact below an
 * optimisation fence and picked by the aggregate (11.5 → 9.5 ms with the totals); with an explicit window there is no
 * join at all; totals are summed from the grouped rows instead of a second grouping set; the statement is a named
 * prepared statement per SQL shape, so PostgreSQL plans each shape once per connection.
 */
@Injectable()
export class PerformanceRepository {
  private readonly statementNames = new Map<string, string>();
  private generation = 0;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async query(
    f: PerformanceFilter,
    page: { limit: number; after?: { period: string; groupKey: string[] } },
  ): Promise<{ rows: PerformanceRow[]; totals: MetricSums; groupCols: string[] }> {
    const { text, values, groupCols } = buildStatement(f, page);
    const result = await this.run(text, values);
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
  async advertisersOf(campaignId: string, from: string, to: string): Promise<string[]> {
    const rows = await this.run(
      `SELECT DISTINCT advertiser_id FROM hourly_fact
       WHERE campaign_id = $1 AND hour_start >= $2::timestamptz AND hour_start < $3::timestamptz`,
      [campaignId, from, to],
    );
    return rows.map((r) => String(r[0]));
  }

  /**
   * The stored attribution settings of these advertisers as one string ('' when none has a row): equal strings mean the
   * numbers that depend on them are the same. One primary-key lookup per advertiser.
   */
  async settingsStamp(advertiserIds: string[]): Promise<string> {
    if (advertiserIds.length === 0) return '';
    const rows = await this.run(
      `SELECT coalesce(string_agg(advertiser_id || '=' || attribution_window_sp || '/' || attribution_window_sb || '/' ||
         attribution_window_sd, ',' ORDER BY advertiser_id), '')
       FROM advertiser_setting WHERE advertiser_id = ANY($1::text[])`,
      [advertiserIds],
    );
    return String(rows[0]?.[0] ?? '');
  }

  /**
   * A named prepared statement on the TypeORM pool (node-postgres prepares it once per connection). A migration that
   * changes the result type of a prepared statement makes PostgreSQL refuse to run it ("cached plan must not change
   * result type"): then the statement is prepared again under a new name.
   */
  private async run(text: string, values: unknown[]): Promise<PerformanceRow[]> {
    // TypeORM's PostgreSQL driver keeps its node-postgres pool in `master`
    const pool = (this.ds.driver as unknown as { master: Pool }).master;
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

const WINDOW_COLUMNS = ['1d', '7d', '14d', '30d'].flatMap((w) => [`orders_${w}`, `sales_${w}`, `units_${w}`]);

/** The statement for a filter and page: up to `limit` rows after the cursor and one row of range totals (is_total). */
export function buildStatement(
  f: PerformanceFilter,
  page: { limit: number; after?: { period: string; groupKey: string[] } },
): { text: string; values: unknown[]; groupCols: string[] } {
  const values: unknown[] = [];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (f.advertiserId) where.push(`advertiser_id = ${p(f.advertiserId)}`);
  if (f.campaignId) where.push(`campaign_id = ${p(f.campaignId)}`);
  if (f.adGroupId) where.push(`ad_group_id = ${p(f.adGroupId)}`);
  if (f.keywordId) where.push(`keyword_id = ${p(f.keywordId)}`);
  const localDate = `((hour_start + make_interval(mins => utc_offset_minutes)) AT TIME ZONE 'UTC')::date`;
  if (f.range.kind === 'instant') {
    where.push(`hour_start >= ${p(f.range.from)}::timestamptz AND hour_start < ${p(f.range.to)}::timestamptz`);
  } else {
    // bound hour_start first (index), then the exact local-day test (offsets are within ±14 h)
    where.push(
      `hour_start >= (${p(f.range.from)}::date - interval '14 hours') AND hour_start < (${p(f.range.to)}::date + interval '14 hours')`,
      `${localDate} >= $${values.length - 1}::date AND ${localDate} < $${values.length}::date`,
    );
  }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const groupCols = f.groupBy ? GROUP_COLUMNS[f.groupBy] : [];
  const factCols = ['hour_start', 'utc_offset_minutes', ...groupCols, 'impressions', 'clicks', 'cost'];

  // the window asked for, else the advertiser's setting for the row's ad product, else AMS's default
  let source: string;
  let pick: (m: string) => string;
  if (f.attributionWindow) {
    const w = f.attributionWindow;
    source = `SELECT ${[...factCols, `orders_${w}`, `sales_${w}`, `units_${w}`].join(', ')} FROM hourly_fact ${whereSql}`;
    pick = (m) => `${m}_${w}`;
  } else {
    const windowOf = `coalesce(CASE ad_product WHEN 'sp' THEN s.attribution_window_sp WHEN 'sb' THEN s.attribution_window_sb
        ELSE s.attribution_window_sd END, CASE WHEN ad_product = 'sp' THEN '7d' ELSE '14d' END)`;
    // OFFSET 0 keeps the window a column computed once per fact, not once per metric
    source = `SELECT ${[...factCols, ...WINDOW_COLUMNS].join(', ')}, ${windowOf} AS w
      FROM hourly_fact LEFT JOIN advertiser_setting s USING (advertiser_id) ${whereSql} OFFSET 0`;
    pick = (m) => `CASE w WHEN '1d' THEN ${m}_1d WHEN '7d' THEN ${m}_7d WHEN '14d' THEN ${m}_14d ELSE ${m}_30d END`;
  }

  const period = f.granularity === 'hour' ? 'hour_start' : `${localDate}::text`;
  const keyCols = ['period', ...groupCols];
  // an hour leaves as epoch seconds: node-postgres parses a timestamptz into a Date (slow), a bigint stays text
  const periodOut = f.granularity === 'hour' ? 'floor(extract(epoch FROM period))::int8' : 'period';
  const metricCols = ['impressions', 'clicks', 'cost', 'orders', 'sales', 'units'];
  let keyset = '';
  if (page.after) {
    const first = f.granularity === 'hour' ? `${p(page.after.period)}::timestamptz` : `${p(page.after.period)}::text`;
    const rest = page.after.groupKey.map((k) => `${p(k)}::text`);
    keyset = `WHERE (${keyCols.join(', ')}) > (${[first, ...rest].join(', ')})`;
  }
  const text = `
    WITH f AS MATERIALIZED (
      SELECT ${period} AS period, ${groupCols.map((c) => `${c}, `).join('')}max(utc_offset_minutes) AS utc_offset_minutes,
        sum(impressions) AS impressions, sum(clicks) AS clicks, sum(cost) AS cost,
        sum(${pick('orders')}) AS orders, sum(${pick('sales')}) AS sales, sum(${pick('units')}) AS units
      FROM (${source}) x
      GROUP BY ${[period, ...groupCols].join(', ')}
    )
    SELECT true AS is_total, NULL${f.granularity === 'hour' ? '::int8' : '::text'} AS period, ${groupCols.map((c) => `NULL::text AS ${c}, `).join('')}NULL::smallint AS utc_offset_minutes,
      ${metricCols.map((m) => `sum(${m}) AS ${m}`).join(', ')}
    FROM f
    UNION ALL
    (SELECT false, ${[periodOut, ...groupCols, 'utc_offset_minutes', ...metricCols].join(', ')} FROM f ${keyset}
     ORDER BY ${keyCols.join(', ')} LIMIT ${p(page.limit)})`;
  return { text, values, groupCols };
}
