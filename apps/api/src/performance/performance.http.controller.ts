import { Controller, Get, Header, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard } from '../auth/api-key.guard';
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
   */
  @Get()
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOkResponse({ description: '{ data, totals, nextCursor }' })
  async query(@Query() q: PerformanceQueryDto, @Res({ passthrough: true }) res: Response): Promise<string> {
    const r = await this.service.cachedQuery(q);
    res.setHeader('X-Cache', r.cache);
    // Express computes the same ETag itself when none is set; setting it spares hashing the body on every hit
    if (r.etag) res.setHeader('ETag', r.etag);
    return r.body;
  }
}
