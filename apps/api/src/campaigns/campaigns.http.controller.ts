import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { computeRatios } from '@ams/ams';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { advertiserFilter, CurrentPrincipal, notFound, Principal } from '../auth/principal';
import { badRequest, decodeCursor, page } from '../common/cursor';
import { AdvertiserPageQueryDto, ID_PATTERN } from '../common/pagination.dto';
import { money } from '../performance/performance.format';
import { CampaignRow, CampaignsRepository } from './campaigns.repository';
import { ThrottledGuard } from '../common/throttled.guard';

class CampaignsQueryDto extends AdvertiserPageQueryDto {
  @ApiPropertyOptional({ description: 'part of the name, or an exact campaign id' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

function view(r: CampaignRow) {
  return {
    advertiserId: r.advertiser_id,
    campaignId: r.campaign_id,
    name: r.name,
    state: r.state,
    adProduct: r.ad_product,
    portfolioId: r.portfolio_id,
    budget:
      r.budget_amount === null
        ? null
        : { amount: money(r.budget_amount), currency: r.budget_currency, type: r.budget_type },
    version: r.entity_version === null ? null : Number(r.entity_version),
    /** where name, state and budget come from: the AMS campaign dataset or the Ads API entity sync, and as of when */
    source: r.entity_source === null ? null : { kind: r.entity_source, asOf: r.entity_as_of?.toISOString() ?? null },
    last24h: {
      impressions: Number(r.impressions),
      clicks: Number(r.clicks),
      cost: money(r.cost),
      orders: Number(r.orders),
      sales: money(r.sales),
      ...computeRatios({
        impressions: r.impressions,
        clicks: r.clicks,
        cost: r.cost,
        orders: r.orders,
        sales: r.sales,
      }),
    },
  };
}

@ApiTags('campaigns')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/campaigns')
export class CampaignsHttpController {
  constructor(private readonly repo: CampaignsRepository) {}

  /**
   * Campaigns known from the campaign datasets, the Ads API entity sync or performance data, with last-24 h totals.
   * Name, state and budget are the newer of the AMS campaign record and the entity sync (`source`).
   */
  @Get()
  async list(@Query() q: CampaignsQueryDto, @CurrentPrincipal() who: Principal) {
    const advertiserIds = advertiserFilter(who, q.advertiserId);
    const after = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await this.repo.list({ advertiserIds, q: q.q, after, limit: q.limit + 1 });
    const { data, nextCursor } = page(rows, q.limit, (r) => [r.advertiser_id, r.campaign_id]);
    return { data: data.map(view), nextCursor };
  }

  @Get(':campaignId')
  async one(@Param('campaignId') campaignId: string, @CurrentPrincipal() who: Principal) {
    if (!ID_PATTERN.test(campaignId)) throw badRequest('campaignId', 'must be an id of letters, digits, . _ -');
    const rows = await this.repo.list({ campaignId, advertiserIds: who.advertiserIds ?? undefined, limit: 2 });
    if (!rows.length) throw notFound(`campaign ${campaignId} is unknown`);
    return view(rows[0]);
  }
}
