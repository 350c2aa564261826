import type { AttributionWindow } from '@ams/ams';
import {
  advertiserProfileLateralSql,
  advertiserWindowSql,
  localDateRangeHoursSql,
  localDateSql,
  localDayHoursSql,
} from '@ams/db';
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

/** A page: up to `limit` rows after the keyset of the previous page's last row. */
export interface PageRequest {
  limit: number;
  after?: { period: string; groupKey: string[] };
}

export interface Statement {
  text: string;
  values: unknown[];
  groupCols: string[];
}

export const GROUP_COLUMNS: Record<GroupBy, string[]> = {
  campaign: ['campaign_id'],
  adGroup: ['campaign_id', 'ad_group_id'],
  ad: ['campaign_id', 'ad_group_id', 'ad_id'],
  keyword: ['campaign_id', 'ad_group_id', 'keyword_id'],
  placement: ['campaign_id', 'placement'],
};

const WINDOW_COLUMNS = ['1d', '7d', '14d', '30d'].flatMap((w) => [`orders_${w}`, `sales_${w}`, `units_${w}`]);
const METRIC_OUT = ['impressions', 'clicks', 'cost', 'orders', 'sales', 'units'];

type FilterColumn = 'advertiser_id' | 'campaign_id' | 'ad_group_id' | 'keyword_id';

/**
 * What every part of one statement shares. `p(v)` appends a parameter and returns its placeholder: the parts are
 * called in the order their text appears, so the placeholders are numbered in reading order.
 */
interface Build {
  f: PerformanceFilter;
  p: (v: unknown) => string;
  groupCols: string[];
  /** the conversion columns read: the asked window's three, else all twelve */
  windowCols: string[];
}

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

/**
 * The statement for a filter and page: up to `limit` rows after the cursor and one row of range totals (is_total).
 * Parts, in the order of the text: the source rows (`src`: daily rollups with pending days from the facts, or the
 * facts), the attribution window each row's conversions are picked from, the grouping, the totals row and the page.
 */
export function buildStatement(f: PerformanceFilter, page: PageRequest): Statement {
  const values: unknown[] = [];
  const b: Build = {
    f,
    p: (v) => `$${values.push(v)}`,
    groupCols: f.groupBy ? GROUP_COLUMNS[f.groupBy] : [],
    windowCols: f.attributionWindow
      ? ['orders', 'sales', 'units'].map((m) => `${m}_${f.attributionWindow}`)
      : WINDOW_COLUMNS,
  };
  const rollup = dailyRollupOf(f);
  const rows = rollup && f.range.kind === 'local-date' ? rollupSource(b, rollup, f.range) : factSource(b);
  const { ctes, source, pick } = attributedSource(b);
  const keyCols = ['period', ...b.groupCols];
  const keyset = keysetAfter(b, page, keyCols);
  const text = `
    WITH ${rows}, ${ctes}
    f AS MATERIALIZED (${grouped(b, source, pick, keyCols)}
    )
    ${totalsRow(b)}
    UNION ALL
    ${pageRows(b, keyCols, keyset, page.limit)}`;
  return { text, values, groupCols: b.groupCols };
}

/** Equality filters of the request on the columns of alias `a` (those it sets). */
function equalityFilters(b: Build, a: string, cols: FilterColumn[]): string[] {
  const { f } = b;
  const byCol = {
    advertiser_id: f.advertiserId,
    campaign_id: f.campaignId,
    ad_group_id: f.adGroupId,
    keyword_id: f.keywordId,
  };
  return cols.filter((c) => byCol[c] !== undefined).map((c) => `${a}.${c} = ${b.p(byCol[c])}`);
}

/** The metric columns of alias `a` a source hands on. */
function metricsOf(b: Build, a: string): string[] {
  return ['impressions', 'clicks', 'cost', ...b.windowCols].map((c) => `${a}.${c}`);
}

/**
 * `src` from whole local days of the aggregator's daily rollup, except the campaign-days marked in rollup_pending
 * (facts written since their last recompute), which are summed from the facts. One statement, one snapshot: a mark
 * leaves in the transaction that writes the recomputed rollup, so every day is counted once and exactly.
 * Every source row: period, utc_offset_minutes, group columns, advertiser_id, ad_product, metrics.
 */
function rollupSource(b: Build, rollup: string, range: { from: string; to: string }): string {
  const { groupCols } = b;
  const from = b.p(range.from);
  const to = b.p(range.to);
  const marked = [
    `m.local_date >= ${from}::date`,
    `m.local_date < ${to}::date`,
    ...equalityFilters(b, 'm', ['advertiser_id', 'campaign_id']),
  ];
  const rollupWhere = [
    `r.local_date >= ${from}::date`,
    `r.local_date < ${to}::date`,
    ...equalityFilters(b, 'r', ['advertiser_id', 'campaign_id', 'ad_group_id', 'keyword_id']),
  ];
  const factWhere = equalityFilters(b, 'h', ['ad_group_id', 'keyword_id']);
  const rows = `
      SELECT r.local_date::text AS period, NULL::smallint AS utc_offset_minutes, ${groupCols.map((c) => `r.${c}, `).join('')}
        r.advertiser_id, r.ad_product, ${metricsOf(b, 'r').join(', ')}
      FROM ${rollup} r
      WHERE ${rollupWhere.join(' AND ')}
        AND NOT EXISTS (SELECT 1 FROM marked m WHERE m.advertiser_id = r.advertiser_id AND m.campaign_id = r.campaign_id
                        AND m.local_date = r.local_date)
      UNION ALL
      SELECT m.local_date::text, NULL::smallint, ${groupCols.map((c) => `h.${c}, `).join('')}
        h.advertiser_id, h.ad_product, ${metricsOf(b, 'h').join(', ')}
      FROM marked m JOIN hourly_fact h ON h.advertiser_id = m.advertiser_id AND h.campaign_id = m.campaign_id
        AND ${localDayHoursSql('h', 'm.local_date')} AND ${localDateSql('h')} = m.local_date
      ${factWhere.length ? `WHERE ${factWhere.join(' AND ')}` : ''}`;
  return `marked AS MATERIALIZED (
        SELECT DISTINCT m.advertiser_id, m.campaign_id, m.local_date FROM rollup_pending m WHERE ${marked.join(' AND ')}
      ), src AS (${rows})`;
}

/** `src` from the hourly facts: hours of an instant range, or the hours falling on advertiser-local dates. */
function factSource(b: Build): string {
  const { f, groupCols } = b;
  const where = equalityFilters(b, 'h', ['advertiser_id', 'campaign_id', 'ad_group_id', 'keyword_id']);
  if (f.range.kind === 'instant') {
    where.push(`h.hour_start >= ${b.p(f.range.from)}::timestamptz AND h.hour_start < ${b.p(f.range.to)}::timestamptz`);
  } else {
    // bound hour_start first (index), then the exact local-day test (offsets are within ±14 h)
    const from = `${b.p(f.range.from)}::date`;
    const to = `${b.p(f.range.to)}::date`;
    where.push(
      localDateRangeHoursSql('h', from, to),
      `${localDateSql('h')} >= ${from} AND ${localDateSql('h')} < ${to}`,
    );
  }
  const period = f.granularity === 'hour' ? 'h.hour_start' : `${localDateSql('h')}::text`;
  return `src AS (
      SELECT ${period} AS period, h.utc_offset_minutes, ${groupCols.map((c) => `h.${c}, `).join('')}
        h.advertiser_id, h.ad_product, ${metricsOf(b, 'h').join(', ')}
      FROM hourly_fact h ${where.length ? `WHERE ${where.join(' AND ')}` : ''})`;
}

/**
 * The rows with the attribution window their conversions count in: the window asked for, else the advertiser's
 * setting for the row's ad product, else the default of its Amazon account type (SP: vendors 14 d, sellers 7 d; SB/SD
 * 14 d; AMS's defaults when the connector has not listed the advertiser); `pick(m)` is metric `m` in that window.
 * `ctes`: what the source needs before it (`win`, below), '' or ending in a comma.
 */
function attributedSource(b: Build): { ctes: string; source: string; pick: (m: string) => string } {
  const srcCols = ['period', 'utc_offset_minutes', ...b.groupCols, 'impressions', 'clicks', 'cost', ...b.windowCols];
  const w = b.f.attributionWindow;
  if (w) return { ctes: '', source: `SELECT ${srcCols.join(', ')} FROM src`, pick: (m) => `${m}_${w}` };
  if (b.f.advertiserId !== undefined) return oneAdvertiserSource(b, b.f.advertiserId, srcCols);
  const windowOf = advertiserWindowSql('src', 's', 'pt.account_type');
  // OFFSET 0 keeps the window a column computed once per row, not once per metric; the profile's account type is one
  // lookup per advertiser (a LATERAL index scan that PostgreSQL memoizes by advertiser_id), not one per row
  return {
    ctes: '',
    source: `SELECT ${srcCols.map((c) => `src.${c}`).join(', ')}, ${windowOf} AS w
      FROM src LEFT JOIN advertiser_setting s ON s.advertiser_id = src.advertiser_id
      LEFT JOIN LATERAL (${advertiserProfileLateralSql('src.advertiser_id', ['account_type'])}) pt ON true
      OFFSET 0`,
    pick: (m) => `CASE w WHEN '1d' THEN ${m}_1d WHEN '7d' THEN ${m}_7d WHEN '14d' THEN ${m}_14d ELSE ${m}_30d END`,
  };
}

/**
 * The same windows when every row is the one advertiser's (the request names it, so every source row has that
 * advertiser_id): its three windows (SP, SB, anything else as SD — the rule advertiserWindowSql writes) are read once,
 * in `win`, and each row picks by its ad product, with no lookup per row. Half the PostgreSQL CPU of the general form
 * for a campaign-month (bench:api --advertiser).
 */
function oneAdvertiserSource(
  b: Build,
  advertiserId: string,
  srcCols: string[],
): { ctes: string; source: string; pick: (m: string) => string } {
  const a = b.p(advertiserId);
  const products = ['sp', 'sb', 'sd'];
  const ctes = `win AS MATERIALIZED (
      SELECT ${products.map((x) => `${advertiserWindowSql(`p_${x}`, 's', 'pt.account_type')} AS ${x}`).join(', ')}
      FROM (SELECT ${a}::text AS advertiser_id) one
      ${products.map((x) => `CROSS JOIN (SELECT '${x}'::text AS ad_product) p_${x}`).join(' ')}
      LEFT JOIN advertiser_setting s ON s.advertiser_id = one.advertiser_id
      LEFT JOIN LATERAL (${advertiserProfileLateralSql('one.advertiser_id', ['account_type'])}) pt ON true
    ),`;
  const w = `CASE ad_product WHEN 'sp' THEN (SELECT sp FROM win) WHEN 'sb' THEN (SELECT sb FROM win) ELSE (SELECT sd FROM win) END`;
  return {
    ctes,
    source: `SELECT ${srcCols.join(', ')}, ad_product FROM src`,
    pick: (m) => `CASE ${w} WHEN '1d' THEN ${m}_1d WHEN '7d' THEN ${m}_7d WHEN '14d' THEN ${m}_14d ELSE ${m}_30d END`,
  };
}

/** The WHERE of the page after the cursor's row, on the sort key; '' for the first page. */
function keysetAfter(b: Build, page: PageRequest, keyCols: string[]): string {
  if (!page.after) return '';
  const first =
    b.f.granularity === 'hour' ? `${b.p(page.after.period)}::timestamptz` : `${b.p(page.after.period)}::text`;
  const rest = page.after.groupKey.map((k) => `${b.p(k)}::text`);
  return `WHERE (${keyCols.join(', ')}) > (${[first, ...rest].join(', ')})`;
}

/** `f`: one row per period and group, every metric summed as numeric. */
function grouped(b: Build, source: string, pick: (m: string) => string, keyCols: string[]): string {
  return `
      SELECT period, ${b.groupCols.map((c) => `${c}, `).join('')}max(utc_offset_minutes) AS utc_offset_minutes,
        sum(impressions) AS impressions, sum(clicks) AS clicks, sum(cost) AS cost,
        sum(${pick('orders')}) AS orders, sum(${pick('sales')}) AS sales, sum(${pick('units')}) AS units
      FROM (${source}) x
      GROUP BY ${keyCols.join(', ')}`;
}

/** The range totals, summed from the grouped rows (is_total true, keys NULL). */
function totalsRow(b: Build): string {
  return `SELECT true AS is_total, NULL${b.f.granularity === 'hour' ? '::int8' : '::text'} AS period, ${b.groupCols.map((c) => `NULL::text AS ${c}, `).join('')}NULL::smallint AS utc_offset_minutes,
      ${METRIC_OUT.map((m) => `sum(${m}) AS ${m}`).join(', ')}
    FROM f`;
}

/** The page of grouped rows in key order; an hour leaves as epoch seconds (node-postgres parses a timestamptz slowly). */
function pageRows(b: Build, keyCols: string[], keyset: string, limit: number): string {
  const periodOut = b.f.granularity === 'hour' ? 'floor(extract(epoch FROM period))::int8' : 'period';
  return `(SELECT false, ${[periodOut, ...b.groupCols, 'utc_offset_minutes', ...METRIC_OUT].join(', ')} FROM f ${keyset}
     ORDER BY ${keyCols.join(', ')} LIMIT ${b.p(limit)})`;
}
