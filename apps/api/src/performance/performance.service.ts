import { Injectable } from '@nestjs/common';
import { computeRatios, type Ratios } from '@ams/ams';
import { badRequest, decodeCursor, encodeCursor } from '../common/cursor';
import { ApiEnv } from '../config/api.env';
import { PerformanceQueryDto, type GroupBy } from './dto/performance-query.dto';
import { GROUP_FIELDS, MetricSums, PerformanceFilter, PerformanceRepository, PerformanceRow } from './performance.repository';

export interface PerformanceMetrics extends Ratios {
  impressions: number;
  clicks: number;
  cost: string;
  orders: number;
  sales: string;
  units: number;
}

export interface PerformanceResponse {
  data: Array<PerformanceMetrics & { period: string } & Record<string, string | number | null>>;
  totals: PerformanceMetrics;
  nextCursor: string | null;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

@Injectable()
export class PerformanceService {
  constructor(
    private readonly repo: PerformanceRepository,
    private readonly env: ApiEnv,
  ) {}

  async query(q: PerformanceQueryDto): Promise<PerformanceResponse> {
    if (!q.advertiserId && !q.campaignId) {
      throw badRequest('campaignId', 'campaignId or advertiserId is required');
    }
    const filter: PerformanceFilter = {
      advertiserId: q.advertiserId,
      campaignId: q.campaignId,
      adGroupId: q.adGroupId,
      keywordId: q.keywordId,
      range: this.range(q),
      granularity: q.granularity,
      groupBy: q.groupBy,
      attributionWindow: q.attributionWindow,
    };
    const after = q.cursor ? decodePerformanceCursor(q.cursor, q.groupBy) : undefined;
    const { rows, totals } = await this.repo.query(filter, { limit: q.limit + 1, after });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map((r) => ({ period: formatPeriod(r, q.granularity), ...groupFields(r, q.groupBy), ...metrics(r) })),
      totals: metrics(totals),
      nextCursor: rows.length > q.limit && last ? encodeCursor([last.period, ...last.groupKey]) : null,
    };
  }

  private range(q: PerformanceQueryDto): PerformanceFilter['range'] {
    const fromDate = DATE_ONLY.test(q.from);
    const toDate = DATE_ONLY.test(q.to);
    if (fromDate !== toDate) throw badRequest('to', 'from and to must both be dates or both be date-times');
    const from = Date.parse(fromDate ? `${q.from}T00:00:00Z` : q.from);
    const to = Date.parse(toDate ? `${q.to}T00:00:00Z` : q.to) + (toDate ? DAY_MS : 0);
    if (!Number.isFinite(from)) throw badRequest('from', 'is not a real date');
    if (!Number.isFinite(to)) throw badRequest('to', 'is not a real date');
    if (to <= from) throw badRequest('to', 'must be after from');
    if (q.granularity === 'hour' && to - from > this.env.API_MAX_HOURLY_RANGE_DAYS * DAY_MS) {
      throw badRequest('to', `an hourly range may span at most ${this.env.API_MAX_HOURLY_RANGE_DAYS} days; use granularity=day`);
    }
    if (fromDate) {
      return { kind: 'local-date', from: q.from, to: new Date(to).toISOString().slice(0, 10) };
    }
    return { kind: 'instant', from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
}

function metrics(s: MetricSums): PerformanceMetrics {
  return {
    impressions: Number(s.impressions ?? 0),
    clicks: Number(s.clicks ?? 0),
    cost: money(s.cost),
    orders: Number(s.orders ?? 0),
    sales: money(s.sales),
    units: Number(s.units ?? 0),
    ...computeRatios({ impressions: s.impressions, clicks: s.clicks, cost: s.cost, orders: s.orders, sales: s.sales }),
  };
}

/** numeric text → decimal string with at least two places, never rounded ("5.9" → "5.90"). */
export function money(v: string | null | undefined): string {
  const s = v ?? '0';
  const [int, frac = ''] = s.split('.');
  const trimmed = frac.replace(/0+$/, '');
  return `${int}.${trimmed.padEnd(2, '0')}`;
}

/** Hour start in the advertiser's own offset, e.g. 2025-06-03T10:00:00-07:00; a day as YYYY-MM-DD. */
export function formatPeriod(r: PerformanceRow, granularity: 'hour' | 'day'): string {
  if (granularity === 'day') return r.period;
  const local = new Date(Date.parse(r.period) + r.utcOffsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = r.utcOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(r.utcOffsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function groupFields(r: PerformanceRow, groupBy?: GroupBy): Record<string, string> {
  if (!groupBy) return {};
  const cols = Object.keys(GROUP_FIELDS).filter((c) => r.groupKey.length && columnsOf(groupBy).includes(c));
  return Object.fromEntries(cols.map((c, i) => [GROUP_FIELDS[c], r.groupKey[i]]));
}

function columnsOf(groupBy: GroupBy): string[] {
  return {
    campaign: ['campaign_id'],
    adGroup: ['campaign_id', 'ad_group_id'],
    ad: ['campaign_id', 'ad_group_id', 'ad_id'],
    keyword: ['campaign_id', 'ad_group_id', 'keyword_id'],
    placement: ['campaign_id', 'placement'],
  }[groupBy];
}

function decodePerformanceCursor(cursor: string, groupBy?: GroupBy): { period: string; groupKey: string[] } {
  const [period, ...groupKey] = decodeCursor(cursor, 1 + (groupBy ? columnsOf(groupBy).length : 0));
  return { period, groupKey };
}
