import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches } from 'class-validator';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { RequireScope } from '../auth/scope';
import { badRequest, decodeCursor, page } from '../common/cursor';
import { PageQueryDto } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';
import { AuditRepository } from './audit.repository';

class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'at or after (ISO-8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({
    description: 'e.g. rule.create, settings.update, quarantine.replay, reprocess, api-key.create',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9 ./:_{}-]{1,120}$/i, { message: '$property must be an action name' })
  action?: string;
}

/** The audit log of changes (admin), newest first. */
@ApiTags('audit')
@ApiBearerAuth()
@RequireScope('admin')
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/audit')
export class AuditHttpController {
  constructor(private readonly repo: AuditRepository) {}

  @Get()
  async list(@Query() q: AuditQueryDto) {
    const before = q.cursor ? decodeCursor(q.cursor, 1)[0] : undefined;
    if (before !== undefined && !/^\d{1,18}$/.test(before))
      throw badRequest('cursor', 'is not a cursor returned by this endpoint');
    const rows = await this.repo.list({ since: q.since, action: q.action, before, limit: q.limit + 1 });
    const { data, nextCursor } = page(rows, q.limit, (r) => [r.id]);
    return {
      data: data.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        actor: r.actor,
        action: r.action,
        target: r.target,
        summary: r.summary,
        correlationId: r.correlation_id,
        outcome: r.outcome,
        status: r.status,
        finishedAt: r.finished_at?.toISOString() ?? null,
      })),
      nextCursor,
    };
  }
}
