import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, mayAccess, notFound, Principal } from '../auth/principal';
import { badRequest } from '../common/cursor';
import { ID_PATTERN } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';
import { CampaignPerformanceService } from './campaign-performance.service';
import { DashboardRepository } from './dashboard.repository';
import { CampaignPerformanceQueryDto } from './dto/campaign-performance-query.dto';

const iso = (d: Date | null) => d?.toISOString() ?? null;

function checkAdvertiser(advertiserId: string, who: Principal): void {
  if (!ID_PATTERN.test(advertiserId)) throw badRequest('advertiserId', 'must be an id of letters, digits, . _ -');
  if (!mayAccess(who, advertiserId)) throw notFound(`advertiser ${advertiserId} does not exist`);
}

/** The calling key as the api sees it, so a client can offer only what the key may do. Never the key. */
@ApiTags('dashboard')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/me')
export class MeHttpController {
  @Get()
  @ApiOkResponse({ description: '{ keyId, scope, advertiserIds } (advertiserIds null: every advertiser)' })
  me(@CurrentPrincipal() who: Principal) {
    return { keyId: who.id, scope: who.scope, advertiserIds: who.advertiserIds };
  }
}

/**
 * The advertisers there are (a profile, a setting, a record or a daily rollup), each with its name, time zone and
 * currency; when each dataset last delivered; every campaign's totals over a range. A key limited to advertisers sees
 * its own, 404 for the others.
 */
@ApiTags('dashboard')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/advertisers')
export class AdvertiserListHttpController {
  constructor(
    private readonly repo: DashboardRepository,
    private readonly campaigns: CampaignPerformanceService,
  ) {}

  @Get()
  @ApiOkResponse({
    description:
      '{ data: [{ advertiserId, name, accountType, timeZone, currencyCode, countryCode }] }; profile fields null before the connector lists the profile (currencyCode then from the daily rollups)',
  })
  async list(@CurrentPrincipal() who: Principal) {
    const rows = await this.repo.advertisers(who.advertiserIds ?? undefined);
    return {
      data: rows.map((r) => ({
        advertiserId: r.advertiser_id,
        name: r.account_name,
        accountType: r.account_type,
        timeZone: r.time_zone,
        currencyCode: r.currency_code,
        countryCode: r.country_code,
      })),
    };
  }

  @Get(':advertiserId/freshness')
  @ApiOkResponse({ description: '{ data: [{ datasetId, lastReceivedAt, latestHourStart }] } from dataset_freshness' })
  async freshness(@Param('advertiserId') advertiserId: string, @CurrentPrincipal() who: Principal) {
    checkAdvertiser(advertiserId, who);
    const rows = await this.repo.freshness(advertiserId);
    return {
      data: rows.map((r) => ({
        datasetId: r.dataset_id,
        lastReceivedAt: iso(r.last_received_at),
        latestHourStart: iso(r.latest_hour_start),
      })),
    };
  }

  /**
   * Every campaign's totals over local days `from`–`to` (inclusive) with its daily values, from the same rows as
   * /v1/performance?granularity=day&groupBy=campaign: a campaign's totals are that endpoint's totals for the campaign.
   * `groupBy=adGroup|keyword` (with `campaignId`, one campaign's) gives ad groups' or keywords' totals the same way.
   */
  @Get(':advertiserId/campaign-performance')
  @ApiOkResponse({
    description: '{ from, to, data: [{ campaignId, …metrics, daily: [{ date, …counts, cost, sales }] }], totals }',
  })
  async campaignPerformance(
    @Param('advertiserId') advertiserId: string,
    @Query() q: CampaignPerformanceQueryDto,
    @CurrentPrincipal() who: Principal,
  ) {
    checkAdvertiser(advertiserId, who);
    if (q.to < q.from) throw badRequest('to', 'must not be before from');
    return this.campaigns.byCampaign(advertiserId, q);
  }
}
