import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { advertiserFilter, CurrentPrincipal, Principal } from '../auth/principal';
import { decodeCursor, page } from '../common/cursor';
import { AdvertiserPageQueryDto } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';
import { money } from '../performance/performance.format';
import { BudgetsRepository } from './budgets.repository';

@ApiTags('budgets')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/budgets')
export class BudgetsHttpController {
  constructor(private readonly repo: BudgetsRepository) {}

  /** The latest budget usage per campaign and portfolio (by Amazon's usage time, not arrival). */
  @Get()
  async list(@Query() q: AdvertiserPageQueryDto, @CurrentPrincipal() who: Principal) {
    const advertiserIds = advertiserFilter(who, q.advertiserId);
    const after = q.cursor ? decodeCursor(q.cursor, 4) : undefined;
    const rows = await this.repo.latest({ advertiserIds, after, limit: q.limit + 1 });
    const { data, nextCursor } = page(rows, q.limit, (r) => [
      r.advertiser_id,
      r.marketplace_id,
      r.budget_scope_type,
      r.budget_scope_id,
    ]);
    return {
      data: data.map((r) => ({
        advertiserId: r.advertiser_id,
        marketplaceId: r.marketplace_id,
        budgetScopeType: r.budget_scope_type,
        budgetScopeId: r.budget_scope_id,
        name: r.name,
        adProduct: r.ad_product,
        budget: money(r.budget),
        usagePercentage: Number(r.usage_percentage),
        usageUpdatedAt: r.usage_updated_at.toISOString(),
      })),
      nextCursor,
    };
  }
}
