import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { QUARANTINE_REPLAY } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, notFound, Principal } from '../auth/principal';
import { Audit } from '../audit/audit.decorator';
import { badRequest, decodeCursor, page } from '../common/cursor';
import { PageQueryDto } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';
import { QuarantineRepository, type QuarantineRow } from './quarantine.repository';

const PREVIEW_CHARS = 2048;
const COMMAND_TIMEOUT_MS = 10_000;

class QuarantineQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9._-]{1,64}$/, { message: '$property must be a dataset id' })
  dataset?: string;

  @ApiPropertyOptional({ description: 'ISO-8601 instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ enum: ['open', 'replayed'] })
  @IsOptional()
  @IsIn(['open', 'replayed'])
  status?: 'open' | 'replayed';
}

class ReplayBodyDto {
  @ApiPropertyOptional({ description: 'a corrected body to store instead of the quarantined one' })
  @IsOptional()
  @IsString()
  @MaxLength(262_144)
  rawBody?: string;
}

function view(r: QuarantineRow, full: boolean) {
  return {
    id: r.id,
    source: r.source,
    code: r.code,
    reason: r.reason,
    datasetId: r.dataset_id,
    sqsMessageId: r.sqs_message_id,
    receivedAt: r.received_at.toISOString(),
    status: r.status,
    replayedAt: r.replayed_at?.toISOString() ?? null,
    replayOutcome: r.replay_outcome,
    rawBodyBytes: Number(r.raw_body_bytes),
    rawBody: full ? r.raw_body : r.raw_body.slice(0, PREVIEW_CHARS),
    rawBodyTruncated: !full && r.raw_body.length > PREVIEW_CHARS,
  };
}

@ApiTags('quarantine')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/quarantine')
export class QuarantineHttpController {
  constructor(
    private readonly repo: QuarantineRepository,
    private readonly messaging: JetStreamService,
  ) {}

  /** What could not be stored, newest first, with the reason and (a preview of) the raw body. */
  @Get()
  async list(@Query() q: QuarantineQueryDto, @CurrentPrincipal() who: Principal) {
    // a quarantined body names no advertiser the api could trust: a key limited to advertisers sees none
    if (who.advertiserIds !== null) return { data: [], nextCursor: null };
    let beforeId: string | undefined;
    if (q.cursor) {
      const [id] = decodeCursor(q.cursor, 1);
      if (!/^\d{1,18}$/.test(id)) throw badRequest('cursor', 'is not a cursor returned by this endpoint');
      beforeId = id;
    }
    const rows = await this.repo.list(
      { dataset: q.dataset, since: q.since, status: q.status, beforeId, limit: q.limit + 1 },
      PREVIEW_CHARS,
    );
    const { data, nextCursor } = page(rows, q.limit, (r) => [r.id]);
    return { data: data.map((r) => view(r, false)), nextCursor };
  }

  @Get(':id')
  async one(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    if (!/^\d{1,18}$/.test(id)) throw badRequest('id', 'must be a quarantine id');
    if (who.advertiserIds !== null) throw notFound(`quarantine item ${id} does not exist`);
    const row = await this.repo.one(id);
    if (!row)
      throw new NotFoundException({
        statusCode: 404,
        code: 'NOT_FOUND',
        message: `quarantine item ${id} does not exist`,
      });
    return view(row, true);
  }

  /** Stores the item again through the processor (after a fix, or with a corrected body). */
  @Post(':id/replay')
  @HttpCode(200)
  @Audit('quarantine.replay', (req) => `quarantine:${String(req.params['id'])}`)
  async replay(@Param('id') id: string, @Body() body: ReplayBodyDto) {
    if (!/^\d{1,18}$/.test(id)) throw badRequest('id', 'must be a quarantine id');
    const reply = await this.messaging.request(
      QUARANTINE_REPLAY,
      { id, ...(body.rawBody !== undefined ? { rawBody: body.rawBody } : {}) },
      COMMAND_TIMEOUT_MS,
    );
    switch (reply.outcome) {
      case 'not-found':
        throw new NotFoundException({
          statusCode: 404,
          code: 'NOT_FOUND',
          message: `quarantine item ${id} does not exist`,
        });
      case 'already-replayed':
        throw new ConflictException({
          statusCode: 409,
          code: 'ALREADY_REPLAYED',
          message: `quarantine item ${id} was already replayed`,
        });
      case 'still-invalid':
      case 'not-a-record':
        throw new UnprocessableEntityException({
          statusCode: 422,
          code: 'STILL_INVALID',
          message: reply.reason ?? 'still invalid',
        });
      default:
        return reply;
    }
  }
}
