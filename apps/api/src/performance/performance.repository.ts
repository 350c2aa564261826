import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { AttributionWindow } from '@ams/ams';
import { defaultAttributionWindowSql, localDateRangeHoursSql, localDateSql, localDayHoursSql } from '@ams/db';
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
 * Reads summed performance from the hourly facts, or for whole local days from the daily rollups where no
 * rollup_pending mark says they may lag the facts (see dailyRollupOf); every number is summed in SQL as numeric.
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

/**
 * The daily rollup that can answer a filter, or null when only the facts can: whole advertiser-local days, grouped and
 * filtered no finer than the rollup's key (ad and placement exist only in the facts).
 */
export function dailyRollupOf(f: PerformanceFilter): 'campaign_daily' | 'ad_group_daily' | 'keyword_daily' | null {
  if (f.granularity !== 'day' || f.range.kind !== 'local-date') return null;
  if (f.groupBy === 'ad' || f.groupBy === 'placement') return null;
  if (f.groupBy === 'keyword' || f.keywordId) return 'keyword_daily';
  if (f.groupBy === 'adGroup' || f.adGroupId) return 'ad_group_daily';
  return 'campaign_daily';
}

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
  const groupCols = f.groupBy ? GROUP_COLUMNS[f.groupBy] : [];
  /** equality filters on the columns of alias `a` */
  const filters = (a: string, cols: Array<'advertiser_id' | 'campaign_id' | 'ad_group_id' | 'keyword_id'>) => {
    const byCol = { advertiser_id: f.advertiserId, campaign_id: f.campaignId, ad_group_id: f.adGroupId, keyword_id: f.keywordId };
    return cols.filter((c) => byCol[c] !== undefined).map((c) => `${a}.${c} = ${p(byCol[c])}`);
  };
  const windowCols = f.attributionWindow ? ['orders', 'sales', 'units'].map((m) => `${m}_${f.attributionWindow}`) : WINDOW_COLUMNS;
  /** the metric columns of alias `a` a source hands on */
  const metricsOf = (a: string) => ['impressions', 'clicks', 'cost', ...windowCols].map((c) => `${a}.${c}`);

  // every source row: period, utc_offset_minutes, group columns, advertiser_id, ad_product, metrics
  let rows: string;
  const rollup = dailyRollupOf(f);
  if (rollup && f.range.kind === 'local-date') {
    // Whole local days from the aggregator's daily rollup, except the campaign-days marked in rollup_pending (facts
    // written since their last recompute), which are summed from the facts. One statement, one snapshot: a mark leaves
    // in the transaction that writes the recomputed rollup, so every day is counted once and exactly.
    const from = p(f.range.from);
    const to = p(f.range.to);
    const marked = [`m.local_date >= ${from}::date`, `m.local_date < ${to}::date`, ...filters('m', ['advertiser_id', 'campaign_id'])];
    const rollupWhere = [
      `r.local_date >= ${from}::date`,
      `r.local_date < ${to}::date`,
      ...filters('r', ['advertiser_id', 'campaign_id', 'ad_group_id', 'keyword_id']),
    ];
    const factWhere = filters('h', ['ad_group_id', 'keyword_id']);
    rows = `
      SELECT r.local_date::text AS period, NULL::smallint AS utc_offset_minutes, ${groupCols.map((c) => `r.${c}, `).join('')}
        r.advertiser_id, r.ad_product, ${metricsOf('r').join(', ')}
      FROM ${rollup} r
      WHERE ${rollupWhere.join(' AND ')}
        AND NOT EXISTS (SELECT 1 FROM marked m WHERE m.advertiser_id = r.advertiser_id AND m.campaign_id = r.campaign_id
                        AND m.local_date = r.local_date)
      UNION ALL
      SELECT m.local_date::text, NULL::smallint, ${groupCols.map((c) => `h.${c}, `).join('')}
        h.advertiser_id, h.ad_product, ${metricsOf('h').join(', ')}
      FROM marked m JOIN hourly_fact h ON h.advertiser_id = m.advertiser_id AND h.campaign_id = m.campaign_id
        AND ${localDayHoursSql('h', 'm.local_date')} AND ${localDateSql('h')} = m.local_date
      ${factWhere.length ? `WHERE ${factWhere.join(' AND ')}` : ''}`;
    rows = `marked AS MATERIALIZED (
        SELECT DISTINCT m.advertiser_id, m.campaign_id, m.local_date FROM rollup_pending m WHERE ${marked.join(' AND ')}
      ), src AS (${rows})`;
  } else {
    const where = filters('h', ['advertiser_id', 'campaign_id', 'ad_group_id', 'keyword_id']);
    if (f.range.kind === 'instant') {
      where.push(`h.hour_start >= ${p(f.range.from)}::timestamptz AND h.hour_start < ${p(f.range.to)}::timestamptz`);
    } else {
      // bound hour_start first (index), then the exact local-day test (offsets are within ±14 h)
      const from = `${p(f.range.from)}::date`;
      const to = `${p(f.range.to)}::date`;
      where.push(localDateRangeHoursSql('h', from, to), `${localDateSql('h')} >= ${from} AND ${localDateSql('h')} < ${to}`);
    }
    const period = f.granularity === 'hour' ? 'h.hour_start' : `${localDateSql('h')}::text`;
    rows = `src AS (
      SELECT ${period} AS period, h.utc_offset_minutes, ${groupCols.map((c) => `h.${c}, `).join('')}
        h.advertiser_id, h.ad_product, ${metricsOf('h').join(', ')}
      FROM hourly_fact h ${where.length ? `WHERE ${where.join(' AND ')}` : ''})`;
  }

  // the window asked for, else the advertiser's setting for the row's ad product, else AMS's default
  let source: string;
  let pick: (m: string) => string;
  const srcCols = ['period', 'utc_offset_minutes', ...groupCols, 'impressions', 'clicks', 'cost', ...windowCols];
  if (f.attributionWindow) {
    const w = f.attributionWindow;
    source = `SELECT ${srcCols.join(', ')} FROM src`;
    pick = (m) => `${m}_${w}`;
  } else {
    const windowOf = `coalesce(CASE src.ad_product WHEN 'sp' THEN s.attribution_window_sp WHEN 'sb' THEN s.attribution_window_sb
        ELSE s.attribution_window_sd END, ${defaultAttributionWindowSql('src')})`;
    // OFFSET 0 keeps the window a column computed once per row, not once per metric
    source = `SELECT ${srcCols.map((c) => `src.${c}`).join(', ')}, ${windowOf} AS w
      FROM src LEFT JOIN advertiser_setting s ON s.advertiser_id = src.advertiser_id OFFSET 0`;
    pick = (m) => `CASE w WHEN '1d' THEN ${m}_1d WHEN '7d' THEN ${m}_7d WHEN '14d' THEN ${m}_14d ELSE ${m}_30d END`;
  }

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
    WITH ${rows},
    f AS MATERIALIZED (
      SELECT period, ${groupCols.map((c) => `${c}, `).join('')}max(utc_offset_minutes) AS utc_offset_minutes,
        sum(impressions) AS impressions, sum(clicks) AS clicks, sum(cost) AS cost,
        sum(${pick('orders')}) AS orders, sum(${pick('sales')}) AS sales, sum(${pick('units')}) AS units
      FROM (${source}) x
      GROUP BY ${keyCols.join(', ')}
    )
    SELECT true AS is_total, NULL${f.granularity === 'hour' ? '::int8' : '::text'} AS period, ${groupCols.map((c) => `NULL::text AS ${c}, `).join('')}NULL::smallint AS utc_offset_minutes,
      ${metricCols.map((m) => `sum(${m}) AS ${m}`).join(', ')}
    FROM f
    UNION ALL
    (SELECT false, ${[periodOut, ...groupCols, 'utc_offset_minutes', ...metricCols].join(', ')} FROM f ${keyset}
     ORDER BY ${keyCols.join(', ')} LIMIT ${p(page.limit)})`;
  return { text, values, groupCols };
}
