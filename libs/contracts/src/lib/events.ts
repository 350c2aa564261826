import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsArray,
  IsIn,
  IsInt,
  Max,
  Min,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

/** One (advertiser, campaign, hour) whose hourly facts changed. */
export class TouchedHourV1 {
  @IsString() @MaxLength(64) advertiserId!: string;
  @IsString() @MaxLength(64) campaignId!: string;
  /** hour start, ISO-8601 UTC */
  @IsISO8601({ strict: true }) hourStart!: string;
  /** advertiser's UTC offset in minutes for that hour */
  @IsInt() @Min(-14 * 60) @Max(14 * 60) utcOffsetMinutes!: number;
}

/** A PostgreSQL WAL position as `pg_lsn` prints it: two hex numbers of up to 32 bits. */
export const WAL_LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/;

/** `perf.hourly.updated.v1` — emitted by the processor after a batch committed. */
export class PerfHourlyUpdatedV1 {
  @IsIn([1]) version!: 1;
  @IsArray()
  @ArrayMaxSize(100_000)
  @ValidateNested({ each: true })
  @Type(() => TouchedHourV1)
  touched!: TouchedHourV1[];
  @IsISO8601() emittedAt!: string;
  /**
   * The primary's WAL position (`pg_current_wal_lsn()`, e.g. `0/16B3748`) read after the batch committed: a PostgreSQL
   * replica whose `pg_last_wal_replay_lsn()` is at least this has the batch. Optional (added compatibly): an event
   * without it says nothing about the position, and a reader must assume the commit may be recent.
   */
  @IsOptional()
  @Matches(WAL_LSN, { message: 'must be a WAL position like 0/16B3748' })
  walLsn?: string;
}

export class BudgetScopeV1 {
  @IsString() @MaxLength(64) advertiserId!: string;
  @IsString() @MaxLength(64) marketplaceId!: string;
  @IsIn(['CAMPAIGN', 'PORTFOLIO']) budgetScopeType!: 'CAMPAIGN' | 'PORTFOLIO';
  @IsString() @MaxLength(64) budgetScopeId!: string;
}

/** `budget.usage.updated.v1` — emitted by the processor when the latest usage of a scope changed. */
export class BudgetUsageUpdatedV1 {
  @IsIn([1]) version!: 1;
  @IsArray()
  @ArrayMaxSize(100_000)
  @ValidateNested({ each: true })
  @Type(() => BudgetScopeV1)
  scopes!: BudgetScopeV1[];
  @IsISO8601() emittedAt!: string;
}

/** Body of `ams._quarantine`: something the ingestor received and could not accept. */
export class QuarantinedBodyV1 {
  @IsIn([1]) version!: 1;
  @IsString() @MaxLength(64) code!: string;
  @IsString() @MaxLength(4096) reason!: string;
  @IsOptional() @IsString() @MaxLength(128) datasetId!: string | null;
  /** the SQS body exactly as received (or the offending element of an array body, re-serialised) */
  @IsString() rawBody!: string;
  @IsOptional() @IsString() @MaxLength(256) sqsMessageId!: string | null;
  @IsISO8601() receivedAt!: string;
}

/** `cmd.processor.quarantine-replay.v1`: store a quarantined item again, after a fix. */
export class QuarantineReplayRequestV1 {
  @IsString() @Matches(/^\d{1,18}$/, { message: 'id must be a quarantine id' }) id!: string;
  /** a corrected body to use instead of the stored one (the original is kept in the reason trail) */
  @IsOptional() @IsString() @MaxLength(262_144) rawBody?: string;
}

export interface QuarantineReplayReplyV1 {
  id: string;
  outcome: 'stored' | 'still-invalid' | 'not-found' | 'already-replayed' | 'not-a-record';
  reason?: string;
  records?: number;
}

/** `cmd.ingestor.polling.v1`: pause or resume SQS polling on every ingestor, without a restart. */
export class IngestPollingRequestV1 {
  @IsBoolean() enabled!: boolean;
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export interface IngestPollingReplyV1 {
  enabled: boolean;
  instance: string;
}

/** `cmd.processor.reprocess.v1`: re-run what the replay log (stream AMS) holds, published in [from, to). */
export class ReprocessWindowRequestV1 {
  @IsISO8601({ strict: true }) from!: string;
  @IsISO8601({ strict: true }) to!: string;
}

export interface ReprocessWindowReplyV1 {
  from: string;
  to: string;
  messages: number;
  batches: number;
  seconds: number;
}
