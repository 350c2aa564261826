import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { daysBetween } from '@ams/forecast';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { advertiserFilter, CurrentPrincipal, mayAccess, notFound, Principal } from '../auth/principal';
import { badRequest } from '../common/cursor';
import { ThrottledGuard } from '../common/throttled.guard';
import { ReadDb } from '../replica/read-db.service';
import { BudgetForecastQueryDto, PerformanceForecastQueryDto } from './dto/forecast-query.dto';
import { ForecastsService } from './forecasts.service';

/** The longest range of one /v1/forecasts/performance request (each past day is its own fit). */
export const MAX_FORECAST_DAYS = 14;

@ApiTags('forecasts')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/forecasts')
export class ForecastsHttpController {
  constructor(
    private readonly service: ForecastsService,
    private readonly read: ReadDb,
  ) {}

  /**
   * Budget pacing of each campaign with a budget (budget-usage's, else the entity data's) and a usage or facts of its
   * local today, as of the later of the usage and the latest hour with facts (`source`: usage or facts): label,
   * projected cumulative spend by remaining local hour, exhaustion time (P10/P50/P90), after a cap the estimated
   * loss, and beside it Amazon's own estimate (`amazonEstimate`: its latest sp-budget-recommendations record whose
   * 7-day window applies today — suggested budget, missed sales, clicks and impressions lower–upper, the share of the
   * window in budget; null when none). With `portfolioId`:
   * the portfolio budget's pacing (budget and usage from budget-usage, its campaigns from the entity data).
   */
  @Get('budgets')
  async budgets(@Query() q: BudgetForecastQueryDto, @CurrentPrincipal() who: Principal) {
    const advertiserIds = advertiserFilter(who, q.advertiserId);
    if (q.portfolioId) {
      if (q.campaignId) throw badRequest('campaignId', 'must be absent when portfolioId is given');
      const portfolioId = q.portfolioId;
      // several statements, one snapshot (on the replica, it replays between statements)
      return this.read.snapshot(() => this.service.portfolioBudgets({ advertiserIds, portfolioId }));
    }
    // several statements, one snapshot (on the replica, it replays between statements)
    return this.read.snapshot(() => this.service.budgets({ advertiserIds, campaignId: q.campaignId }));
  }

  /** Expected spend, clicks, orders and sales per local hour (P10/P50/P90) with the actual beside them. */
  @Get('performance')
  async performance(@Query() q: PerformanceForecastQueryDto, @CurrentPrincipal() who: Principal) {
    if (!isDate(q.from)) throw badRequest('from', 'must be a valid date YYYY-MM-DD');
    if (!isDate(q.to)) throw badRequest('to', 'must be a valid date YYYY-MM-DD');
    if (q.to < q.from) throw badRequest('to', 'must not be before from');
    if (daysBetween(q.from, q.to) + 1 > MAX_FORECAST_DAYS)
      throw badRequest('to', `must be within ${MAX_FORECAST_DAYS} days of from`);
    if (who.advertiserIds !== null) {
      if (!q.advertiserId) throw badRequest('advertiserId', 'is required for a key limited to advertisers');
      if (!mayAccess(who, q.advertiserId)) throw notFound(`advertiser ${q.advertiserId} does not exist`);
    }
    return this.read.snapshot(async () => {
      const owner = await this.service.owner(q.campaignId, q.advertiserId);
      if (!owner || !mayAccess(who, owner.advertiserId)) throw notFound(`campaign ${q.campaignId} has no facts`);
      const tomorrow = this.service.localToday(owner, 1);
      if (q.to > tomorrow) throw badRequest('to', `must not be after ${tomorrow} (the campaign's local tomorrow)`);
      return this.service.performance(q.campaignId, owner, q.from, q.to);
    });
  }
}

function isDate(s: string): boolean {
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}
