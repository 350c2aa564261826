import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
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

export interface PerformanceRow extends MetricSums {
  period: string; // hour: UTC ISO of hour start; day: local date
  utcOffsetMinutes: number;
  groupKey: string[];
}

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

/** Reads summed performance from the hourly facts; every number is summed in SQL as numeric. */
@Injectable()
export class PerformanceRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async query(
    f: PerformanceFilter,
    page: { limit: number; after?: { period: string; groupKey: string[] } },
  ): Promise<{ rows: PerformanceRow[]; totals: MetricSums }> {
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
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
        `${localDate} >= $${params.length - 1}::date AND ${localDate} < $${params.length}::date`,
      );
    }
    // the window asked for, else the advertiser's setting for the row's ad product, else AMS's default
    const w = f.attributionWindow;
    const windowOf = `coalesce(CASE ad_product WHEN 'sp' THEN s.attribution_window_sp WHEN 'sb' THEN s.attribution_window_sb
        ELSE s.attribution_window_sd END, CASE WHEN ad_product = 'sp' THEN '7d' ELSE '14d' END)`;
    const pick = (m: string) =>
      w ? `${m}_${w}` : `CASE ${windowOf} WHEN '1d' THEN ${m}_1d WHEN '7d' THEN ${m}_7d WHEN '14d' THEN ${m}_14d ELSE ${m}_30d END`;
    const orders = pick('orders');
    const sales = pick('sales');
    const units = pick('units');
    const sums = `sum(impressions)::text AS impressions, sum(clicks)::text AS clicks, sum(cost)::text AS cost,
      sum(${orders})::text AS orders, sum(${sales})::text AS sales, sum(${units})::text AS units`;

    const period = f.granularity === 'hour' ? 'hour_start' : `${localDate}::text`;
    const groupCols = f.groupBy ? GROUP_COLUMNS[f.groupBy] : [];
    const keyCols = [period, ...groupCols];
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';

    // One statement: the page's rows and, through the empty grouping set, the totals of the whole
    // range (the row with is_total = 1, sorted first and never filtered by the cursor).
    let keyset = '';
    if (page.after) {
      const first = f.granularity === 'hour' ? `${p(page.after.period)}::timestamptz` : `${p(page.after.period)}::text`;
      const rest = page.after.groupKey.map((k) => `${p(k)}::text`);
      keyset = `HAVING GROUPING(${period}) = 1 OR (${keyCols.join(', ')}) > (${[first, ...rest].join(', ')})`;
    }
    const sql = `
      SELECT ${[`${period} AS period`, 'max(utc_offset_minutes) AS utc_offset_minutes', ...groupCols, sums, `GROUPING(${period}) AS is_total`].join(', ')}
      FROM hourly_fact LEFT JOIN advertiser_setting s USING (advertiser_id) ${whereSql}
      GROUP BY GROUPING SETS ((${keyCols.join(', ')}), ())
      ${keyset}
      ORDER BY is_total DESC, ${keyCols.join(', ')}
      LIMIT ${p(page.limit + 1)}`;
    const result = (await this.ds.query(sql, params)) as Array<Record<string, unknown>>;
    const sumsOf = (r: Record<string, unknown> | undefined): MetricSums => ({
      impressions: String(r?.['impressions'] ?? '0'),
      clicks: String(r?.['clicks'] ?? '0'),
      cost: String(r?.['cost'] ?? '0'),
      orders: String(r?.['orders'] ?? '0'),
      sales: String(r?.['sales'] ?? '0'),
      units: String(r?.['units'] ?? '0'),
    });
    const total = result[0] && Number(result[0]['is_total']) === 1 ? result[0] : undefined;
    const rows = total ? result.slice(1) : result;
    return {
      rows: rows.map((r) => ({
        period: r['period'] instanceof Date ? r['period'].toISOString() : String(r['period']),
        utcOffsetMinutes: Number(r['utc_offset_minutes']),
        groupKey: groupCols.map((c) => String(r[c])),
        ...sumsOf(r),
      })),
      // sum() over no rows is NULL: totals of an empty range are zeros
      totals: sumsOf(total && total['impressions'] !== null ? total : undefined),
    };
  }

}
