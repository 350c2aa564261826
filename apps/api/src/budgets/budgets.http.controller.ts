import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { advertiserFilter, CurrentPrincipal, Principal } from '../auth/principal';
import { decodeCursor, page } from '../common/cursor';
import { AdvertiserPageQueryDto } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';
import { money } from '../performance/performance.service';

interface BudgetRow {
  advertiser_id: string;
  marketplace_id: string;
  budget_scope_type: string;
  budget_scope_id: string;
  name: string | null;
  ad_product: string;
  budget: string;
  usage_percentage: string;
  usage_updated_at: Date;
}

@ApiTags('budgets')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/budgets')
export class BudgetsHttpController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The latest budget usage per campaign and portfolio (by Amazon's usage time, not arrival). */
  @Get()
  async list(@Query() q: AdvertiserPageQueryDto, @CurrentPrincipal() who: Principal) {
    const advertiserIds = advertiserFilter(who, q.advertiserId);
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (advertiserIds) where.push(`b.advertiser_id = ANY(${p(advertiserIds)}::text[])`);
    if (q.cursor) {
      const [a, m, t, i] = decodeCursor(q.cursor, 4);
      where.push(`(b.advertiser_id, b.marketplace_id, b.budget_scope_type, b.budget_scope_id) > (${p(a)}, ${p(m)}, ${p(t)}, ${p(i)})`);
    }
    const rows = (await this.ds.query(
      `SELECT b.advertiser_id, b.marketplace_id, b.budget_scope_type, b.budget_scope_id, e.name, b.ad_product,
              b.budget::text, b.usage_percentage::text, b.usage_updated_at
         FROM budget_usage_latest b
         LEFT JOIN ams_entity e ON e.advertiser_id = b.advertiser_id AND e.entity_type = 'campaign'
                               AND b.budget_scope_type = 'CAMPAIGN' AND e.entity_id = b.budget_scope_id
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY 1, 2, 3, 4 LIMIT ${p(q.limit + 1)}`,
      params,
    )) as BudgetRow[];
    const { data, nextCursor } = page(rows, q.limit, (r) => [r.advertiser_id, r.marketplace_id, r.budget_scope_type, r.budget_scope_id]);
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
