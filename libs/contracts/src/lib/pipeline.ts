import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

/** Depth of one SQS queue from GetQueueAttributes, and the age of its oldest message where it can be known. */
export class QueueDepthV1 {
  /** ApproximateNumberOfMessages */
  @IsInt() @Min(0) visible!: number;
  /** ApproximateNumberOfMessagesNotVisible (received, not yet deleted) */
  @IsInt() @Min(0) notVisible!: number;
  /** ApproximateNumberOfMessagesDelayed */
  @IsInt() @Min(0) delayed!: number;
  /**
   * Seconds since the oldest known message was sent, null when unknown. Source queues: the oldest message the
   * ingestor received since the last status or holds now (a lower bound: SQS has no such attribute and a peek
   * would count a receive); dead-letter queues: the oldest of a peek of up to 10 messages.
   */
  @IsOptional() @IsInt() @Min(0) oldestAgeSeconds!: number | null;
}

export class DeadLetterDepthV1 extends QueueDepthV1 {
  @IsString() @MaxLength(256) queue!: string;
}

/** One polled queue, its redrive policy and its dead-letter queue. */
export class QueueStatusV1 {
  @IsString() @MaxLength(256) queue!: string;
  /** from the queue's RedrivePolicy; null: no redrive policy */
  @IsOptional() @IsInt() @Min(1) maxReceiveCount!: number | null;
  /** null when the attributes could not be read (see error) */
  @IsOptional() @ValidateNested() @Type(() => QueueDepthV1) depth!: QueueDepthV1 | null;
  @IsOptional() @ValidateNested() @Type(() => DeadLetterDepthV1) deadLetter!: DeadLetterDepthV1 | null;
  @IsOptional() @IsString() @MaxLength(1000) error?: string;
  /** when these attributes were read, ISO-8601 */
  @IsISO8601() checkedAt!: string;
}

/** `cmd.ingestor.queue-status.v1`: the queues' depth as the ingestor last read it (fresh: read now). */
export class IngestQueueStatusRequestV1 {
  @IsOptional() @IsBoolean() fresh?: boolean;
}

export interface IngestQueueStatusReplyV1 {
  instance: string;
  /** false while receiving is stopped because JetStream cannot take records */
  handOffOpen: boolean;
  queues: QueueStatusV1[];
}

/** `pipeline.queue.status.v1` (stream EVENTS): published by the ingestor after each read of its queues. */
export class PipelineQueueStatusV1 {
  @IsIn([1]) version!: 1;
  @IsString() @MaxLength(128) instance!: string;
  @IsArray() @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => QueueStatusV1) queues!: QueueStatusV1[];
  @IsISO8601() emittedAt!: string;
}

/** `cmd.ingestor.dead-letter-redrive.v1`: move dead-letter messages back to their source queue. */
export class DeadLetterRedriveRequestV1 {
  /** a polled queue's name; every polled queue with a dead-letter queue when absent */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,80}$/, { message: 'queue must be a queue name' })
  queue?: string;
  /** at most this many messages per queue; absent: all of them */
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) maxMessages?: number;
}

export interface DeadLetterRedriveReplyV1 {
  /** messages moved (started, for SQS's move task: the dead-letter queue's depth when it started) */
  moved: number;
  queues: Array<{
    queue: string;
    deadLetterQueue: string;
    moved: number;
    method: 'move-task' | 'receive-send-delete';
    taskHandle?: string;
  }>;
}
