import { Injectable, Logger } from '@nestjs/common';
import {
  addDays,
  type CampaignModel,
  daysBetween,
  emptySeries,
  estimateCapCost,
  fitAdvertiser,
  forecastHours,
  localClock,
  LruCache,
  pacingFromModel,
  pacingStart,
  parseMoney,
  portfolioPacingFromModels,
  seriesByCampaign,
  type HourForecast,
} from '@ams/forecast';
import { ApiEnv } from '../config/api.env';
import { budgetForecastOf, modelInfo, performanceHoursOf, portfolioForecastOf } from './forecast.mapping';
import { type CampaignBudgetRow, ForecastsRepository } from './forecasts.repository';

interface CachedFit {
  model: CampaignModel;
  fittedAt: Date;
}

/**
 * Forecasts read from the facts: fits per campaign and advertiser-local day, kept in a bounded LRU (a day's fit does
 * not change with the day's own hours: those update the projection, not the fit), so a repeated read costs the
 * budgets row, today's hours and a projection of a few µs.
 */
@Injectable()
export class ForecastsService {
  private readonly logger = new Logger(ForecastsService.name);
  readonly fits: LruCache<CachedFit>;

  constructor(
    private readonly env: ApiEnv,
    private readonly repo: ForecastsRepository,
  ) {
    this.fits = new LruCache(env.FORECAST_CACHE_MAX_ENTRIES);
  }

  private get historyDays(): number {
    return this.env.FORECAST_HISTORY_WEEKS * 7;
  }

  /**
   * The fits of `campaignIds` of one advertiser for local date `date` (from the cache, else one read of the
   * advertiser's history and one fit of each missing campaign, the advertiser's profile as their parent).
   */
  private async fitsFor(advertiserId: string, campaignIds: string[], date: string): Promise<Map<string, CachedFit>> {
    const out = new Map<string, CachedFit>();
    const missing: string[] = [];
    for (const id of campaignIds) {
      const hit = this.fits.get(fitKey(advertiserId, id, date));
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const first = addDays(date, -this.historyDays);
    const rows = await this.repo.history(advertiserId, null, first, date);
    const series = seriesByCampaign(rows, first, this.historyDays + 1, { date, hour: 0 }, { sinceFirstRow: true });
    // a campaign without history still gets a model (the advertiser's profile; its level from today's hours)
    for (const id of missing) if (!series.has(id)) series.set(id, zeroFilled(emptySeries(first, this.historyDays + 1)));
    const started = performance.now();
    const fit = fitAdvertiser(series, {
      asOfDay: this.historyDays,
      weeks: this.env.FORECAST_HISTORY_WEEKS,
      fit: missing,
    });
    const ms = performance.now() - started;
    const fittedAt = new Date();
    for (const [id, model] of fit.models) {
      const f = { model, fittedAt };
      this.fits.set(fitKey(advertiserId, id, date), f);
      out.set(id, f);
    }
    this.logger.debug(
      { advertiserId, date, campaigns: missing.length, series: series.size, fitMs: ms.toFixed(1) },
      'fitted',
    );
    return out;
  }

  /** The advertiser and UTC offset of a campaign's latest fact (null: no facts). */
  owner(campaignId: string, advertiserId?: string) {
    return this.repo.campaignOwner(campaignId, advertiserId);
  }

  /** The campaign's local date now, plus `plusDays`. */
  localToday(owner: { utcOffsetMinutes: number }, plusDays = 0, now = new Date()): string {
    return addDays(localClock(now.getTime(), owner.utcOffsetMinutes).date, plusDays);
  }

  /**
   * Pacing of every campaign (of these advertisers, or one campaign) with a budget and a usage or facts of its local
   * today (`pacingStart`, shared with the alerter): from the usage of today as of the later of its time and the
   * latest hour with facts, else from today's facts as of their latest hour (`source` says which).
   */
  async budgets(f: { advertiserIds?: string[]; campaignId?: string }, now = new Date()) {
    const budgets = await this.repo.campaignBudgets(f);
    const byAdvertiser = new Map<string, CampaignBudgetRow[]>();
    for (const b of budgets) {
      const list = byAdvertiser.get(b.advertiser_id) ?? [];
      list.push(b);
      byAdvertiser.set(b.advertiser_id, list);
    }
    const data: Array<ReturnType<typeof budgetForecastOf>> = [];
    for (const [advertiserId, list] of byAdvertiser) {
      // the campaigns' local clocks, from their latest facts (none: nothing to fit, not answered)
      const byDate = new Map<string, Array<{ b: CampaignBudgetRow; offset: number }>>();
      for (const b of list) {
        const offset = await this.repo.offset(advertiserId, b.campaign_id);
        if (offset === null) continue;
        const d = localClock(now.getTime(), offset).date;
        byDate.set(d, [...(byDate.get(d) ?? []), { b, offset }]);
      }
      for (const [date, candidates] of byDate) {
        const todayRows = await this.repo.history(
          advertiserId,
          candidates.map((t) => t.b.campaign_id),
          date,
          addDays(date, 1),
        );
        const items = candidates.flatMap(({ b, offset }) => {
          const rows = todayRows.filter((r) => r.campaign_id === b.campaign_id);
          const start = pacingStart({
            now: now.getTime(),
            utcOffsetMinutes: offset,
            usage:
              b.usage_updated_at && b.usage_percentage !== null
                ? { at: b.usage_updated_at.getTime(), budget: b.budget, percentage: b.usage_percentage }
                : null,
            todayRows: rows,
          });
          // a usage ahead of the local clock (a clock behind the data) is projected on the usage's day elsewhere
          return start && start.localDate === date ? [{ b, offset, rows, start }] : [];
        });
        if (items.length === 0) continue;
        const fits = await this.fitsFor(
          advertiserId,
          items.map((t) => t.b.campaign_id),
          date,
        );
        const first = addDays(date, -this.historyDays);
        const recommendations = await this.repo.recommendations(
          advertiserId,
          items.map((t) => t.b.campaign_id),
          date,
        );
        for (const { b, offset, rows, start } of items) {
          const fit = fits.get(b.campaign_id);
          if (!fit) continue;
          const nowHour = start.nowHour;
          const series =
            seriesByCampaign(rows, first, this.historyDays + 1, { date, hour: Math.floor(nowHour) }).get(
              b.campaign_id,
            ) ?? zeroFilled(emptySeries(first, this.historyDays + 1));
          const budget = parseMoney(b.budget);
          const pacing = pacingFromModel(fit.model, series, {
            budget: b.budget,
            nowHour,
            spentSoFar: start.spentSoFar,
            underpacePct: this.env.FORECAST_UNDERPACE_PCT,
          });
          const capCost =
            pacing.exhausted && pacing.exhaustion.p50 !== null
              ? estimateCapCost(fit.model, { date, cappedAt: pacing.exhaustion.p50, spentAtCap: budget })
              : null;
          data.push(
            budgetForecastOf({
              advertiserId,
              marketplaceId: b.marketplace_id,
              campaignId: b.campaign_id,
              name: b.name,
              localDate: date,
              nowHour,
              source: start.source,
              utcOffsetMinutes: offset,
              usageUpdatedAt: b.usage_updated_at,
              pacing,
              capCost,
              recommendation: recommendations.get(b.campaign_id) ?? null,
              model: modelInfo(fit.model, fit.fittedAt),
            }),
          );
        }
      }
    }
    return { data };
  }

  /**
   * Pacing of a portfolio budget whose latest usage is of its local today: its campaigns (entity data) fitted as for
   * the campaign answer and summed (`portfolioPacingFromModels`); the local clock from its campaigns' latest facts.
   */
  async portfolioBudgets(f: { advertiserIds?: string[]; portfolioId: string }, now = new Date()) {
    const data: Array<ReturnType<typeof portfolioForecastOf>> = [];
    for (const b of await this.repo.portfolioBudgets(f)) {
      const campaignIds = await this.repo.portfolioCampaigns(b.advertiser_id, b.portfolio_id);
      let offset: number | null = null;
      for (const id of campaignIds) if ((offset = await this.repo.offset(b.advertiser_id, id)) !== null) break;
      if (offset === null) continue;
      const usage = localClock(b.usage_updated_at.getTime(), offset);
      if (usage.date !== localClock(now.getTime(), offset).date) continue;
      const date = usage.date;
      const first = addDays(date, -this.historyDays);
      const fits = campaignIds.length ? await this.fitsFor(b.advertiser_id, campaignIds, date) : new Map();
      const todayRows = campaignIds.length
        ? await this.repo.history(b.advertiser_id, campaignIds, date, addDays(date, 1))
        : [];
      const parts = campaignIds.flatMap((id) => {
        const fit = fits.get(id);
        if (!fit) return [];
        const series =
          seriesByCampaign(
            todayRows.filter((r) => r.campaign_id === id),
            first,
            this.historyDays + 1,
            { date, hour: Math.floor(usage.hour) },
          ).get(id) ?? zeroFilled(emptySeries(first, this.historyDays + 1));
        return [{ model: fit.model, series, fittedAt: fit.fittedAt }];
      });
      const spentSoFar = (parseMoney(b.budget) * Number(b.usage_percentage)) / 100;
      const pacing = portfolioPacingFromModels(parts, {
        budget: b.budget,
        nowHour: usage.hour,
        spentSoFar: spentSoFar.toFixed(6),
        underpacePct: this.env.FORECAST_UNDERPACE_PCT,
      });
      data.push(
        portfolioForecastOf({
          advertiserId: b.advertiser_id,
          marketplaceId: b.marketplace_id,
          portfolioId: b.portfolio_id,
          campaignIds,
          name: null,
          localDate: date,
          nowHour: usage.hour,
          source: 'usage',
          utcOffsetMinutes: offset,
          usageUpdatedAt: b.usage_updated_at,
          pacing,
          model: parts.length ? modelInfo(parts[0].model, parts[0].fittedAt) : null,
        }),
      );
    }
    return { data };
  }

  /**
   * Expected spend, clicks, orders and sales per local hour of [from, to] (local dates, inclusive) with the actual
   * beside them: a past day or today as forecast at its start (its own fit, no hour of the day seen), a later day
   * from today's fit. `owner` is the campaign's advertiser and UTC offset.
   */
  async performance(
    campaignId: string,
    owner: { advertiserId: string; utcOffsetMinutes: number },
    from: string,
    to: string,
    now = new Date(),
  ) {
    const { advertiserId, utcOffsetMinutes } = owner;
    const today = localClock(now.getTime(), utcOffsetMinutes).date;
    const lastFit = to < today ? to : today;
    const actualDays = daysBetween(from, lastFit) + 1;
    const actualRows = await this.repo.history(advertiserId, [campaignId], from, addDays(lastFit, 1));
    const clock = localClock(now.getTime(), utcOffsetMinutes);
    const actual =
      seriesByCampaign(actualRows, from, actualDays, { date: clock.date, hour: Math.floor(clock.hour) }).get(
        campaignId,
      ) ?? zeroFilledBefore(emptySeries(from, actualDays), daysBetween(from, clock.date) * 24 + Math.floor(clock.hour));
    const hours: HourForecast[] = [];
    const fitDates = new Map<string, string>();
    for (let d = from; d <= lastFit; d = addDays(d, 1)) {
      const fit = (await this.fitsFor(advertiserId, [campaignId], d)).get(campaignId) as CachedFit;
      const blank = emptySeries(addDays(d, -this.historyDays), this.historyDays + 1);
      hours.push(...forecastHours(fit.model, blank, { fromHour: 0, horizon: 24 }));
      fitDates.set(d, d);
    }
    if (to > today) {
      const fit = (await this.fitsFor(advertiserId, [campaignId], today)).get(campaignId) as CachedFit;
      const blank = emptySeries(addDays(today, -this.historyDays), this.historyDays + 1);
      const ahead = daysBetween(today, to);
      const start = from > today ? daysBetween(today, from) : 1;
      hours.push(...forecastHours(fit.model, blank, { fromHour: 24 * start, horizon: 24 * (ahead - start + 1) }));
      for (let d = addDays(today, start); d <= to; d = addDays(d, 1)) fitDates.set(d, today);
    }
    return {
      campaignId,
      advertiserId,
      from,
      to,
      data: performanceHoursOf(hours, actual, utcOffsetMinutes, (d) => fitDates.get(d) ?? d),
    };
  }
}

function fitKey(advertiserId: string, campaignId: string, date: string): string {
  return `${advertiserId}\u0000${campaignId}\u0000${date}`;
}

/** A series with every hour reported as zero (a campaign without any fact in its history). */
function zeroFilled<T extends { spend: Float64Array; clicks: Float64Array; orders: Float64Array; sales: Float64Array }>(
  s: T,
): T {
  for (const a of [s.spend, s.clicks, s.orders, s.sales]) a.fill(0);
  return s;
}

function zeroFilledBefore<
  T extends { spend: Float64Array; clicks: Float64Array; orders: Float64Array; sales: Float64Array },
>(s: T, end: number): T {
  for (const a of [s.spend, s.clicks, s.orders, s.sales]) a.fill(0, 0, Math.max(0, Math.min(a.length, end)));
  return s;
}
