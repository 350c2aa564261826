import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { DEAD_LETTER_REDRIVE, DeadLetterRedriveReplyV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ThrottledGuard } from '../common/throttled.guard';

/** Moving by receive, send, delete takes a while for a big dead-letter queue: the ingestor is given time. */
const REDRIVE_TIMEOUT_MS = 120_000;

class RedriveDto {
  @ApiPropertyOptional({
    description: 'name of a polled queue; all polled queues with a dead-letter queue when absent',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,80}$/, { message: 'queue must be a queue name' })
  queue?: string;

  @ApiPropertyOptional({
    description: 'move at most this many messages per queue (all when absent)',
    minimum: 1,
    maximum: 1_000_000,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxMessages?: number;
}

@ApiTags('dead-letters')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/dead-letters')
export class DeadLettersHttpController {
  constructor(private readonly messaging: JetStreamService) {}

  /**
   * Moves dead-letter messages back to their source queue through the ingestor (SQS's StartMessageMoveTask where
   * the endpoint has it, else receive → send → delete): at least once, safe because records are idempotent.
   */
  @Post('redrive')
  @HttpCode(200)
  redrive(@Body() body: RedriveDto): Promise<DeadLetterRedriveReplyV1> {
    return this.messaging.request(DEAD_LETTER_REDRIVE, body, REDRIVE_TIMEOUT_MS);
  }
}
