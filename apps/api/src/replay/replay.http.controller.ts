import { Body, ConflictException, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';
import { REPROCESS_WINDOW, ReprocessWindowReplyV1 } from '@ams/contracts';
import { JetStreamService, MessagingRemoteError } from '@ams/platform';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Audit } from '../audit/audit.decorator';
import { badRequest } from '../common/cursor';
import { ThrottledGuard } from '../common/throttled.guard';
import { ApiEnv } from '../config/api.env';

/** A window may be long (up to the stream's retention): the processor is given time to finish. */
const REPROCESS_TIMEOUT_MS = 300_000;
const HOUR_MS = 3_600_000;

class ReprocessDto {
  @ApiProperty({ description: 'start of the window (ISO-8601): records the ingestor accepted from then' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ description: 'end of the window (exclusive)' })
  @IsISO8601({ strict: true })
  to!: string;
}

@ApiTags('replay')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/reprocess')
export class ReplayHttpController {
  constructor(
    private readonly messaging: JetStreamService,
    private readonly env: ApiEnv,
  ) {}

  /**
   * Re-runs what the replay log (JetStream stream AMS) holds for a window through the processor:
   * missing deltas are stored, the touched hourly facts rebuilt from the deltas; nothing doubles.
   * One run at a time across the system: while one runs, 409 REPROCESS_RUNNING with its id (`runningId`).
   * A window is at most the stream's retention (AMS_STREAM_MAX_AGE_HOURS): what is older is gone.
   */
  @Post()
  @HttpCode(200)
  @Audit(
    'reprocess',
    (req) => `window:${String((req.body as { from?: unknown })?.from)}/${String((req.body as { to?: unknown })?.to)}`,
  )
  async reprocess(@Body() body: ReprocessDto): Promise<ReprocessWindowReplyV1> {
    const from = Date.parse(body.from);
    const to = Date.parse(body.to);
    if (!(to > from)) throw badRequest('to', 'must be after from');
    const maxHours = this.env.AMS_STREAM_MAX_AGE_HOURS;
    if (to - from > maxHours * HOUR_MS)
      throw badRequest('to', `a window spans at most the AMS stream's retention (${maxHours} hours)`);
    try {
      return await this.messaging.request(REPROCESS_WINDOW, body, REPROCESS_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof MessagingRemoteError && err.code === 'REPROCESS_RUNNING') {
        // the processor's message starts "reprocess run <id> is running"
        const runningId = /^reprocess run (\d+)/.exec(err.message)?.[1] ?? null;
        throw new ConflictException({ statusCode: 409, code: 'REPROCESS_RUNNING', runningId, message: err.message });
      }
      throw err;
    }
  }
}
