import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { badRequest, decodeCursor, page } from '../common/cursor';
import { PageQueryDto } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';
import { SubscriptionsRepository } from './subscriptions.repository';

@ApiTags('subscriptions')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/subscriptions')
export class SubscriptionsHttpController {
  constructor(private readonly repo: SubscriptionsRepository) {}

  /** Every SNS subscription confirmation the ingestor saw and what it did (confirmed, refused, failed). */
  @Get()
  async list(@Query() q: PageQueryDto, @CurrentPrincipal() who: Principal) {
    // confirmations carry an AWS account, not an advertiser: a key limited to advertisers sees none
    if (who.advertiserIds !== null) return { data: [], nextCursor: null };
    let beforeId: string | undefined;
    if (q.cursor) {
      const [id] = decodeCursor(q.cursor, 1);
      if (!/^\d{1,18}$/.test(id)) throw badRequest('cursor', 'is not a cursor returned by this endpoint');
      beforeId = id;
    }
    const rows = await this.repo.list({ beforeId, limit: q.limit + 1 });
    const { data, nextCursor } = page(rows, q.limit, (r) => [r.id]);
    return {
      data: data.map((r) => ({
        id: r.id,
        topicArn: r.topic_arn,
        datasetId: r.dataset_id,
        realm: r.realm,
        region: r.region,
        accountId: r.account_id,
        outcome: r.outcome,
        detail: r.detail,
        subscriptionArn: r.subscription_arn,
        attemptedAt: r.attempted_at.toISOString(),
      })),
      nextCursor,
    };
  }
}
