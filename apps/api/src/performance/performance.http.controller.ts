import { Controller, Get, Header, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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

  /** Summed performance by hour or advertiser-local day, with ratios from summed parts (PerformanceResponse). */
  @Get()
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOkResponse({ description: '{ data, totals, nextCursor }' })
  query(@Query() q: PerformanceQueryDto): Promise<string> {
    return this.service.query(q);
  }
}
