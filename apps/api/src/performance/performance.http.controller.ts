import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, mayAccess, notFound, Principal } from '../auth/principal';
import { badRequest } from '../common/cursor';
import { ThrottledGuard } from '../common/throttled.guard';
import { PerformanceQueryDto } from './dto/performance-query.dto';
import { PerformanceService } from './performance.service';

@ApiTags('performance')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/performance')
export class PerformanceHttpController {
  constructor(private readonly service: PerformanceService) {}

  /**
   * Summed performance by hour or advertiser-local day, with ratios from summed parts (PerformanceResponse).
   * `X-Cache: hit|miss|off` tells how it was answered; a cached body carries its ETag (If-None-Match → 304).
   * A key limited to advertisers must name one of them in `advertiserId` (a campaign alone could be anyone's).
   */
  @Get()
  @ApiProduces('application/json')
  @ApiOkResponse({ description: '{ data, totals, nextCursor }' })
  async query(
    @Query() q: PerformanceQueryDto,
    @Res() res: Response,
    @CurrentPrincipal() who: Principal,
  ): Promise<void> {
    if (who.advertiserIds !== null) {
      if (!q.advertiserId) throw badRequest('advertiserId', 'is required for a key limited to advertisers');
      if (!mayAccess(who, q.advertiserId)) throw notFound(`advertiser ${q.advertiserId} does not exist`);
    }
    const r = await this.service.cachedQuery(q);
    // the body is JSON already encoded (a hit is sent as stored): Express sends the bytes as they are, answers
    // If-None-Match with 304, and computes the same ETag itself when none is set; setting it spares hashing every hit
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('X-Cache', r.cache);
    if (r.etag) res.setHeader('ETag', r.etag);
    res.send(r.body);
  }
}
