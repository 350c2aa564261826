import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { badRequest, decodeCursor, page } from '../common/cursor';
import { PageQueryDto } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';

interface ConfirmationRow {
  id: string;
  topic_arn: string;
  dataset_id: string | null;
  realm: string | null;
  region: string | null;
  account_id: string | null;
  outcome: string;
  detail: string | null;
  subscription_arn: string | null;
  attempted_at: Date;
}

@ApiTags('subscriptions')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/subscriptions')
export class SubscriptionsHttpController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Every SNS subscription confirmation the ingestor saw and what it did (confirmed, refused, failed). */
  @Get()
  async list(@Query() q: PageQueryDto, @CurrentPrincipal() who: Principal) {
    // confirmations carry an AWS account, not an advertiser: a key limited to advertisers sees none
    if (who.advertiserIds !== null) return { data: [], nextCursor: null };
    const params: unknown[] = [];
    let where = '';
    if (q.cursor) {
      const [id] = decodeCursor(q.cursor, 1);
      if (!/^\d{1,18}$/.test(id)) throw badRequest('cursor', 'is not a cursor returned by this endpoint');
      params.push(id);
      where = `WHERE id < $1::bigint`;
    }
    params.push(q.limit + 1);
    const rows = (await this.ds.query(
      `SELECT id::text, topic_arn, dataset_id, realm, region, account_id, outcome, detail, subscription_arn, attempted_at
         FROM subscription_confirmation ${where} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    )) as ConfirmationRow[];
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
