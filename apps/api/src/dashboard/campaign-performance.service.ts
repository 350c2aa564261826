import { Injectable } from '@nestjs/common';
import { addDecimal } from '@ams/ams';
import { PerformanceQueryDto } from '../performance/dto/performance-query.dto';
import { money, ratiosOf } from '../performance/performance.format';
import {
  type PerformanceMetrics,
  type PerformanceResponse,
  PerformanceService,
} from '../performance/performance.service';
import type { Breakdown, CampaignPerformanceQueryDto } from './dto/campaign-performance-query.dto';

/** Rows of /v1/performance read per page (its maximum). */
const PAGE = 5000;

export interface DailyValues {
  date: string;
  impressions: number;
  clicks: number;
  cost: string;
  orders: number;
  sales: string;
  units: number;
}

/** One campaign's (ad group's, keyword's) totals: its ids as /v1/performance names them, metrics, daily values. */
export type CampaignPerformance = PerformanceMetrics & Record<string, unknown> & { daily: DailyValues[] };

/** The id fields of a row of each breakdown (as /v1/performance's groupBy writes them). */
const KEYS: Record<Breakdown, string[]> = {
  campaign: ['campaignId'],
  adGroup: ['campaignId', 'adGroupId'],
  keyword: ['campaignId', 'adGroupId', 'keywordId'],
};

interface Sum {
  ids: Record<string, string>;
  impressions: number;
  clicks: number;
  cost: string;
  orders: number;
  sales: string;
  units: number;
  daily: DailyValues[];
}

/**
 * Every campaign's totals over a range of local days, with its daily values (sparklines): the daily rows of
 * /v1/performance grouped by campaign (so the same rollups, pending marks and attribution windows), summed per campaign
 * exactly (decimal strings, integer counts) and the ratios computed from the summed parts as /v1/performance does.
 * A campaign's totals are therefore the `totals` of /v1/performance?campaignId=…&granularity=day over the same range.
 * `groupBy` adGroup or keyword does the same per ad group or keyword (ids as /v1/performance names them).
 */
@Injectable()
export class CampaignPerformanceService {
  constructor(private readonly performance: PerformanceService) {}

  async byCampaign(
    advertiserId: string,
    q: CampaignPerformanceQueryDto,
  ): Promise<{ from: string; to: string; data: CampaignPerformance[]; totals: PerformanceMetrics }> {
    const keys = KEYS[q.groupBy];
    const sums = new Map<string, Sum>();
    let totals: PerformanceMetrics | undefined;
    let cursor: string | undefined;
    do {
      const query = Object.assign(new PerformanceQueryDto(), {
        advertiserId,
        from: q.from,
        to: q.to,
        granularity: 'day',
        campaignId: q.campaignId,
        groupBy: q.groupBy,
        attributionWindow: q.attributionWindow,
        limit: PAGE,
        cursor,
      });
      const page = JSON.parse((await this.performance.cachedQuery(query)).body.toString('utf8')) as PerformanceResponse;
      totals ??= page.totals;
      for (const r of page.data) {
        const ids = Object.fromEntries(keys.map((k) => [k, String(r[k])]));
        const id = JSON.stringify(keys.map((k) => ids[k]));
        let s = sums.get(id);
        if (!s) {
          s = { ids, impressions: 0, clicks: 0, cost: '0', orders: 0, sales: '0', units: 0, daily: [] };
          sums.set(id, s);
        }
        s.impressions += r.impressions;
        s.clicks += r.clicks;
        s.cost = addDecimal(s.cost, r.cost);
        s.orders += r.orders;
        s.sales = addDecimal(s.sales, r.sales);
        s.units += r.units;
        s.daily.push({
          date: r.period,
          impressions: r.impressions,
          clicks: r.clicks,
          cost: r.cost,
          orders: r.orders,
          sales: r.sales,
          units: r.units,
        });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const data = [...sums.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => ({
        ...s.ids,
        impressions: s.impressions,
        clicks: s.clicks,
        cost: money(s.cost),
        orders: s.orders,
        sales: money(s.sales),
        units: s.units,
        ...ratiosOf(String(s.impressions), String(s.clicks), s.cost, String(s.orders), s.sales),
        daily: s.daily,
      }));
    return { from: q.from, to: q.to, data, totals: totals as PerformanceMetrics };
  }
}
