import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv } from '@ams/platform';
import { DEFAULT_RETENTION_DELTA_DAYS, MIN_RETENTION_DELTA_DAYS } from '@ams/db';

export class ProcessorEnv extends CommonEnv {
  override PORT = 3002;

  /** Most records written in one transaction. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  PROCESSOR_BATCH_SIZE: number = 1000;

  /** How long a partial batch waits for more records before it is written. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5_000)
  PROCESSOR_BATCH_WAIT_MS: number = 50;

  /** Batches written at once by this replica. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(16)
  PROCESSOR_CONCURRENCY: number = 2;

  /** JetStream redelivers a batch not acknowledged within this time. */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  PROCESSOR_ACK_WAIT_MS: number = 30_000;

  /**
   * Days performance_delta (the dedupe memory) is kept; its months are dropped by the aggregator's maintenance job.
   * Records whose hour is older than this minus 2 days are quarantined (`beyond-dedupe-horizon`), never counted. At
   * least 77: AMS revises conversions for 60 days and SQS keeps a message up to 14 days.
   */
  @Type(() => Number)
  @IsInt()
  @Min(MIN_RETENTION_DELTA_DAYS)
  @Max(36_500)
  RETENTION_DELTA_DAYS: number = DEFAULT_RETENTION_DELTA_DAYS;
}
