import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';
import { COMMAND_SUBJECTS, ReprocessWindowReplyV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Audit } from '../audit/audit.decorator';
import { badRequest } from '../common/cursor';
import { ThrottledGuard } from '../common/throttled.guard';

/** A window may be long (up to the stream's retention): the processor is given time to finish. */
const REPROCESS_TIMEOUT_MS = 300_000;
const MAX_WINDOW_MS = 90 * 86_400_000;

class ReprocessDto {
  @ApiProperty({ description: 'start of the window (ISO-8601): records the ingestor accepted from then' }) @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ description: 'end of the window (exclusive)' }) @IsISO8601({ strict: true })
  to!: string;
}

@ApiTags('replay')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/reprocess')
export class ReplayHttpController {
  constructor(private readonly messaging: JetStreamService) {}

  /**
   * Re-runs what the replay log (JetStream stream AMS) holds for a window through the processor:
   * missing deltas are stored, the touched hourly facts rebuilt from the deltas; nothing doubles.
   */
  @Post()
  @HttpCode(200)
  @Audit('reprocess', (req) => `window:${String((req.body as { from?: unknown })?.from)}/${String((req.body as { to?: unknown })?.to)}`)
  reprocess(@Body() body: ReprocessDto): Promise<ReprocessWindowReplyV1> {
    const from = Date.parse(body.from);
    const to = Date.parse(body.to);
    if (!(to > from)) throw badRequest('to', 'must be after from');
    if (to - from > MAX_WINDOW_MS) throw badRequest('to', 'a window spans at most 90 days');
    return this.messaging.request<ReprocessWindowReplyV1>(COMMAND_SUBJECTS.reprocessWindow, body, REPROCESS_TIMEOUT_MS);
  }
}
