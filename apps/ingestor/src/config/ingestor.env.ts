import { Transform, Type } from 'class-transformer';
import { ArrayMinSize, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { CommonEnv, envBoolean, envList } from '@ams/platform';

export class IngestorEnv extends CommonEnv {
  /** Pollers for one queue: its SQS_QUEUE_CONCURRENCY entry, else SQS_CONCURRENCY. */
  concurrencyFor(queueName: string): number {
    const entry = this.SQS_QUEUE_CONCURRENCY.find((e) => e.slice(0, e.lastIndexOf('=')) === queueName);
    return entry ? Math.max(1, Number(entry.slice(entry.lastIndexOf('=') + 1))) : this.SQS_CONCURRENCY;
  }

  override PORT = 3001;

  /** SQS queue URLs to poll, comma-separated (one per dataset, or shared). */
  @Transform(envList)
  @ArrayMinSize(1, { message: 'must list at least one queue URL' })
  @IsUrl({ require_tld: false, require_protocol: true }, { each: true, message: 'each entry must be a queue URL' })
  SQS_QUEUE_URLS!: string[];

  @IsString()
  @IsIn([
    'us-east-1',
    'eu-west-1',
    'us-west-2',
    'us-east-2',
    'us-west-1',
    'eu-central-1',
    'eu-west-2',
    'ap-northeast-1',
    'ap-southeast-1',
    'ap-southeast-2',
  ])
  AWS_REGION: string = 'us-east-1';

  /** Endpoint override for an SQS-compatible server (local emulator); unset for AWS. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  SQS_ENDPOINT?: string;

  /** Endpoint override for SNS (subscription confirmation); unset for AWS. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  SNS_ENDPOINT?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(20)
  SQS_WAIT_TIME_SECONDS: number = 20;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10)
  SQS_BATCH_SIZE: number = 10;

  /** Parallel pollers per queue. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  SQS_CONCURRENCY: number = 4;

  /** Per-queue overrides of SQS_CONCURRENCY, by queue name: `ams-sp-traffic=8,ams-budget-usage=1`. */
  @Transform(envList)
  @Matches(/^[A-Za-z0-9_.-]{1,80}=\d{1,2}$/, { each: true, message: 'each entry must be <queue name>=<pollers>' })
  SQS_QUEUE_CONCURRENCY: string[] = [];

  /** Visibility timeout asked for on receive; a heartbeat extends it while a batch is in flight. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(43_200)
  SQS_VISIBILITY_TIMEOUT_S: number = 60;

  /**
   * A message whose ApproximateReceiveCount is at least its queue's maxReceiveCount minus this margin is never
   * given back to the queue unpublished (held until JetStream takes it): the next receives would dead-letter it.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100)
  SQS_RECEIVE_COUNT_MARGIN: number = 2;

  /** How often each queue's attributes (redrive policy, depth, dead-letter queue) are read. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  SQS_QUEUE_STATUS_INTERVAL_S: number = 60;

  /** Longest wait between two JetStream probes while receiving is stopped (the first is 250 ms, doubling). */
  @Type(() => Number)
  @IsInt()
  @Min(250)
  @Max(60_000)
  INGEST_PROBE_MAX_INTERVAL_MS: number = 5_000;

  /** false starts the ingestor paused (resume with the polling command, no restart needed). */
  @Transform(envBoolean)
  @IsBoolean()
  INGEST_ENABLED: boolean = true;

  /** Confirm SNS subscriptions from Amazon's publisher accounts (refused ones are always recorded). */
  @Transform(envBoolean)
  @IsBoolean()
  SNS_CONFIRM_ENABLED: boolean = true;
}
