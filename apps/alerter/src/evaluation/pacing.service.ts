import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CAMPAIGN_OFFSET_SQL, forecastHistorySql } from '@ams/db';
import {
  addDays,
  type CampaignHourRow,
  type CampaignModel,
  emptySeries,
  fitAdvertiser,
  type HourlySeries,
  type HourSums,
  hourSumsFromRows,
  localClock,
  LruCache,
  pacingFromModel,
  pacingStart,
  type PacingProjection,
  seriesByCampaign,
} from '@ams/forecast';
import { AlerterEnv } from '../config/alerter.env';
import type { BudgetRow } from './metrics.repository';

export interface CampaignFit {
  model: CampaignModel;
  hourSums: HourSums;
}

export interface CampaignPacing {
  projection: PacingProjection;
  localDate: string;
  utcOffsetMinutes: number;
  /** the local time of day the projection is as of: the usage's, or later when facts of later hours arrived */
  asOfHour: number;
}

/**
 * The pacing projection of a campaign budget for `projected_out_of_budget_before` rules, as of its latest budget usage
 * or its latest facts, whichever is later: the campaign's fit for its local day (cached per campaign and local day:
 * one history read and fit of its advertiser's campaigns the first time), today's hours from the facts and the spend
 * so far from the usage (or the hours' sum, when larger).
 */
@Injectable()
export class PacingService {
  private readonly logger = new Logger(PacingService.name);
  private readonly historySql = forecastHistorySql();
  readonly fits: LruCache<CampaignFit>;

  constructor(private readonly env: AlerterEnv) {
    this.fits = new LruCache(env.FORECAST_CACHE_MAX_ENTRIES);
  }

  private get days(): number {
    return this.env.FORECAST_HISTORY_WEEKS * 7;
  }

  /**
   * The campaign's fit for a local date (on the weeks before it) and its history's sums by local hour (for the ratio
   * bands): cached per campaign and date; the first time, one history read and fit of its advertiser's campaigns.
   */
  async fit(em: EntityManager, advertiserId: string, campaignId: string, date: string): Promise<CampaignFit> {
    const key = `${advertiserId}\u0000${campaignId}\u0000${date}`;
    const hit = this.fits.get(key);
    if (hit) return hit;
    const first = addDays(date, -this.days);
    const rows = (await em.query(this.historySql, [advertiserId, null, first, date])) as CampaignHourRow[];
    const series = seriesByCampaign(rows, first, this.days + 1, { date, hour: 0 }, { sinceFirstRow: true });
    if (!series.has(campaignId)) {
      const blank = emptySeries(first, this.days + 1);
      for (const a of [blank.spend, blank.clicks, blank.orders, blank.sales]) a.fill(0);
      series.set(campaignId, blank);
    }
    const started = performance.now();
    const fitted = fitAdvertiser(series, {
      asOfDay: this.days,
      weeks: this.env.FORECAST_HISTORY_WEEKS,
      fit: [campaignId],
    });
    const out: CampaignFit = {
      model: fitted.models.get(campaignId) as CampaignModel,
      hourSums: hourSumsFromRows(rows.filter((r) => r.campaign_id === campaignId)),
    };
    this.fits.set(key, out);
    this.logger.debug({ advertiserId, campaignId, date, fitMs: (performance.now() - started).toFixed(2) }, 'fitted');
    return out;
  }

  /** The campaign's hourly series of one local date (the fit's origin day; hours before `hour` zero-filled). */
  async daySeries(
    em: EntityManager,
    advertiserId: string,
    campaignId: string,
    date: string,
    hour: number,
  ): Promise<HourlySeries> {
    const first = addDays(date, -this.days);
    const rows = (await em.query(this.historySql, [
      advertiserId,
      [campaignId],
      date,
      addDays(date, 1),
    ])) as CampaignHourRow[];
    return (
      seriesByCampaign(rows, first, this.days + 1, { date, hour }).get(campaignId) ?? emptySeries(first, this.days + 1)
    );
  }

  /**
   * null: no facts of the campaign (no local clock, nothing to fit), or neither the usage nor any fact is of its local
   * today. A usage of an earlier local day says nothing of today's spend: today is then projected from its facts (as
   * the api does, `pacingStart`), on that usage's budget.
   */
  async project(em: EntityManager, row: BudgetRow, now: Date): Promise<CampaignPacing | null> {
    const { advertiserId, budgetScopeId: campaignId } = row;
    const off = (await em.query(CAMPAIGN_OFFSET_SQL, [advertiserId, campaignId])) as Array<{
      utc_offset_minutes: number;
    }>;
    if (off.length === 0) return null;
    const offset = Number(off[0].utc_offset_minutes);
    const usageDate = localClock(row.usageUpdatedAt.getTime(), offset).date;
    const localToday = localClock(now.getTime(), offset).date;
    const usageOfToday = usageDate >= localToday;
    const date = usageOfToday ? usageDate : localToday;
    const first = addDays(date, -this.days);
    const today = (await em.query(this.historySql, [
      advertiserId,
      [campaignId],
      date,
      addDays(date, 1),
    ])) as CampaignHourRow[];
    const start = pacingStart({
      now: now.getTime(),
      utcOffsetMinutes: offset,
      usage: usageOfToday
        ? { at: row.usageUpdatedAt.getTime(), budget: row.budget, percentage: row.usagePercentage }
        : null,
      todayRows: today,
    });
    if (!start) return null;
    const { model } = await this.fit(em, advertiserId, campaignId, date);
    const asOfHour = start.nowHour;
    const series =
      seriesByCampaign(today, first, this.days + 1, { date, hour: Math.floor(asOfHour) }).get(campaignId) ??
      emptySeries(first, this.days + 1);
    const projection = pacingFromModel(model, series, {
      budget: row.budget,
      nowHour: asOfHour,
      spentSoFar: start.spentSoFar,
    });
    return { projection, localDate: date, utcOffsetMinutes: offset, asOfHour };
  }
}
