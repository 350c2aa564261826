import type { CurrentRecommendationRow } from '@ams/db';
import {
  type CampaignModel,
  type CapCost,
  type HourForecast,
  type HourlySeries,
  HOURS,
  formatMoney,
  localIso,
  METRICS,
  type PacingProjection,
} from '@ams/forecast';

/** A portfolio budget's pacing (GET /v1/forecasts/budgets?portfolioId=): its campaigns' fits summed. */
export interface PortfolioForecastInput extends Omit<BudgetForecastInput, 'campaignId' | 'capCost' | 'model'> {
  portfolioId: string;
  campaignIds: string[];
  model: ModelInfo | null;
}

/** One portfolio's pacing as the api answers it (the campaign answer's fields, `portfolioId` and its campaigns). */
export function portfolioForecastOf(i: PortfolioForecastInput) {
  const {
    campaignId: _none,
    estimatedLoss: _loss,
    ...rest
  } = budgetForecastOf({
    ...i,
    campaignId: '',
    capCost: null,
    model: i.model ?? { name: 'hour-of-week-profile-nb', fitDate: i.localDate, fittedAt: '', profileSource: 'none' },
  });
  return { ...rest, portfolioId: i.portfolioId, campaignIds: i.campaignIds, model: i.model };
}

/** What the answer says of the model: what it is, the local day it was fitted for, when, and whose profile it uses. */
export interface ModelInfo {
  name: 'hour-of-week-profile-nb';
  fitDate: string;
  fittedAt: string;
  profileSource: string;
}

export function modelInfo(model: CampaignModel, fittedAt: Date): ModelInfo {
  return {
    name: 'hour-of-week-profile-nb',
    fitDate: model.asOfDate,
    fittedAt: fittedAt.toISOString(),
    profileSource: model.metrics.spend.profile.source,
  };
}

export interface BudgetForecastInput {
  advertiserId: string;
  marketplaceId: string;
  campaignId: string;
  name: string | null;
  localDate: string;
  /** local time of day the projection is as of: the later of the usage's time and the latest hour with facts */
  nowHour: number;
  /** where the spend so far comes from: today's budget usage × budget, or (no usage of today yet) today's facts */
  source: 'usage' | 'facts';
  utcOffsetMinutes: number;
  /** the latest budget usage's time (of an earlier day when `source` is facts); null: none, the entity's budget */
  usageUpdatedAt: Date | null;
  pacing: PacingProjection;
  capCost: CapCost | null;
  /** Amazon's latest recommendation whose window applies to the local date (sp-budget-recommendations); null: none */
  recommendation?: CurrentRecommendationRow | null;
  model: ModelInfo;
}

/**
 * Amazon's own estimate, from its latest `sp-budget-recommendations` record for the campaign whose 7-day window
 * applies to the day: the suggested daily budget, the missed sales, clicks and impressions it estimates over the
 * window (lower–upper, null when Amazon sent none), the share of the window in budget (0..1; Amazon's −1, unknown, is
 * null), when it was made and the window. Numbers are Amazon's, as decimal strings, exact as received.
 */
export function amazonEstimateOf(r: CurrentRecommendationRow) {
  const pct = r.percent_time_in_budget;
  return {
    recommendationTime: r.recommendation_time.toISOString(),
    window: { startDate: r.start_date, endDate: r.end_date },
    suggestedBudget: r.suggested_budget,
    missedSales: { lower: r.missed_sales_lower, upper: r.missed_sales_upper },
    missedClicks: { lower: r.missed_clicks_lower, upper: r.missed_clicks_upper },
    missedImpressions: { lower: r.missed_impressions_lower, upper: r.missed_impressions_upper },
    percentTimeInBudget: pct === null || Number(pct) < 0 ? null : pct,
    reason: r.reason_for_suggestion,
  };
}

/** One campaign's pacing as the api answers it: local times as ISO-8601 with the advertiser's offset, money in cents. */
export function budgetForecastOf(i: BudgetForecastInput) {
  const at = (h: number | null) => (h === null ? null : localIso(i.localDate, h, i.utcOffsetMinutes));
  const p = i.pacing;
  return {
    advertiserId: i.advertiserId,
    marketplaceId: i.marketplaceId,
    campaignId: i.campaignId,
    name: i.name,
    localDate: i.localDate,
    asOf: at(i.nowHour),
    source: i.source,
    usageUpdatedAt: i.usageUpdatedAt?.toISOString() ?? null,
    label: p.label,
    budget: p.budget,
    spentSoFar: p.spentSoFar,
    exhausted: p.exhausted,
    exhaustion: { p10: at(p.exhaustion.p10), p50: at(p.exhaustion.p50), p90: at(p.exhaustion.p90) },
    daySpend: p.daySpend,
    /** cumulative spend by the end of each remaining local hour */
    projected: p.projected.map((x) => ({ hour: x.hour, endsAt: at(x.hour + 1), p10: x.p10, p50: x.p50, p90: x.p90 })),
    estimatedLoss: i.capCost
      ? {
          cappedAt: at(i.capCost.cappedAt),
          spend: i.capCost.spend,
          sales: i.capCost.sales,
          clicks: i.capCost.clicks,
          orders: i.capCost.orders,
        }
      : null,
    /** Amazon's own estimate beside ours (sp-budget-recommendations); null: Amazon sent none that applies today */
    amazonEstimate: i.recommendation ? amazonEstimateOf(i.recommendation) : null,
    model: i.model,
  };
}

const MONEY = new Set(['spend', 'sales']);

/**
 * Expected performance per local hour (P10/P50/P90, money in cents, counts as numbers to two decimals) with the actual beside it:
 * the actual is null for hours not reported yet (missing in `actual`).
 */
export function performanceHoursOf(
  hours: readonly HourForecast[],
  actual: HourlySeries,
  utcOffsetMinutes: number,
  fitDateOf: (date: string) => string,
) {
  return hours.map((h) => {
    const d = Math.round(
      (Date.parse(`${h.date}T00:00:00Z`) - Date.parse(`${actual.firstDate}T00:00:00Z`)) / 86_400_000,
    );
    const idx = d * HOURS + h.hour;
    const expected: Record<
      string,
      { mean: string | number; p10: string | number; p50: string | number; p90: string | number }
    > = {};
    const act: Record<string, string | number | null> = {};
    for (const m of METRICS) {
      const q = h.metrics[m];
      // counts' quantiles are continuous (interpolated): two decimals, like their mean, not a double's 16 digits
      const fmt = MONEY.has(m) ? (v: number) => formatMoney(v) : (v: number) => Math.round(v * 100) / 100;
      expected[m] = {
        mean: fmt(q.mean),
        p10: fmt(q.p10),
        p50: fmt(q.p50),
        p90: fmt(q.p90),
      };
      const a = d >= 0 && d < actual.days ? actual[m][idx] : NaN;
      act[m] = Number.isNaN(a) ? null : MONEY.has(m) ? formatMoney(a) : Math.round(a);
    }
    return {
      localDate: h.date,
      hour: h.hour,
      hourStart: localIso(h.date, h.hour, utcOffsetMinutes),
      modelFitDate: fitDateOf(h.date),
      expected,
      actual: act,
    };
  });
}
