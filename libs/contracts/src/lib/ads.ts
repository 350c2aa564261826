import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { STREAM_SUBSCRIPTION_STATUSES, type StreamSubscriptionStatus } from '@ams/ams';

/**
 * The Amazon Ads API connection (`CONNECTOR_*` commands and `ADS_*` events in the catalog). The connector is the only
 * app that talks to Amazon: it owns `ads_connection`, `ads_profile`, `ads_stream_subscription`, `ads_entity` and
 * `ads_sync_state`; the api reads those tables and sends these commands for changes. Errors come back as
 * `{ error: { code, message } }`: `VALIDATION`, `NOT_FOUND`, `UNAVAILABLE` (no credentials, or Amazon needs the user's
 * consent again), `UPSTREAM` (Amazon refused or failed after retries; the message carries Amazon's code and request id).
 */

export const ADS_REGIONS = ['NA', 'EU', 'FE'] as const;
export type AdsRegionCode = (typeof ADS_REGIONS)[number];

/**
 * The connection's state: `unconfigured` (no credentials: the rest of the system works without Amazon),
 * `unauthorized` (credentials, no token yet), `authorized`, `needs_reauthorization` (LwA said `invalid_grant`: the
 * user must consent again; nothing is called until then), `error` (the last call failed for another reason).
 */
export const ADS_CONNECTION_STATES = [
  'unconfigured',
  'unauthorized',
  'authorized',
  'needs_reauthorization',
  'error',
] as const;
export type AdsConnectionState = (typeof ADS_CONNECTION_STATES)[number];

export { STREAM_SUBSCRIPTION_STATUSES, type StreamSubscriptionStatus };

/** Amazon's profile ids are int64: carried as exact digit strings, never as JS numbers. */
export const PROFILE_ID = /^[1-9][0-9]{0,19}$/;
/** An SQS queue ARN (the destination Amazon delivers a dataset to). */
export const SQS_QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
/** A Marketing Stream dataset id (`sp-traffic`, `budget-usage`, `campaigns`, …). */
export const DATASET_ID = /^[a-z][a-z0-9-]{1,79}$/;

// ---- commands ----

/** `cmd.connector.profiles-sync.v1`: list the profiles of every region now (and, with `entities`, their entities). */
export class AdsProfilesSyncRequestV1 {
  @IsOptional() @IsBoolean() entities?: boolean;
}

export interface AdsProfilesSyncReplyV1 {
  /** profiles listed, per region asked */
  profiles: number;
  syncedAt: string;
  /** regions whose listing failed, with the reason (the others were stored) */
  failures: Array<{ region: AdsRegionCode; error: string }>;
}

/** `cmd.connector.entities-sync.v1`: sync one profile's (or every active profile's) campaigns, ad groups, keywords and targets now. */
export class AdsEntitiesSyncRequestV1 {
  @IsOptional()
  @IsString()
  @Matches(PROFILE_ID, { message: 'profileId must be an Amazon profile id (digits)' })
  profileId?: string;
}

export interface AdsEntitiesSyncReplyV1 {
  results: Array<{
    profileId: string;
    status: 'ok' | 'failed';
    counts: Record<string, number>;
    error?: string;
  }>;
}

/** `cmd.connector.stream-subscription-create.v1`: one subscription per dataset, idempotent. */
export class StreamSubscriptionCreateRequestV1 {
  @IsString()
  @Matches(PROFILE_ID, { message: 'profileId must be an Amazon profile id (digits)' })
  profileId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(DATASET_ID, { each: true, message: 'each of dataSetIds must be a Marketing Stream dataset id' })
  dataSetIds!: string[];

  @IsString()
  @Matches(SQS_QUEUE_ARN, {
    message: 'destinationArn must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)',
  })
  destinationArn!: string;

  @IsOptional() @IsString() @MaxLength(128) notes?: string;
}

export type StreamSubscriptionOutcome = 'created' | 'reused' | 'failed';

export interface StreamSubscriptionResultV1 {
  dataSetId: string;
  outcome: StreamSubscriptionOutcome;
  subscriptionId?: string;
  status?: StreamSubscriptionStatus;
  /** `failed`: Amazon's answer (status, code, message, request id) or why it was not sent */
  error?: { status?: number; code?: string; message: string; requestId?: string };
}

export interface StreamSubscriptionCreateReplyV1 {
  profileId: string;
  destinationArn: string;
  results: StreamSubscriptionResultV1[];
}

/** `cmd.connector.stream-subscription-archive.v1` */
export class StreamSubscriptionArchiveRequestV1 {
  @IsString()
  @MaxLength(255)
  @Matches(/^\S+$/, { message: 'subscriptionId must not contain spaces' })
  subscriptionId!: string;
}

/** A subscription as the connector last read it from Amazon (also a row of `ads_stream_subscription`). */
export interface StreamSubscriptionV1 {
  subscriptionId: string;
  profileId: string;
  advertiserId: string | null;
  dataSetId: string;
  destinationArn: string | null;
  status: StreamSubscriptionStatus;
  /** when the connector first saw this status (ISO-8601) */
  statusSince: string;
  notes: string | null;
  createdDate: string | null;
  updatedDate: string | null;
  polledAt: string;
}

/** `cmd.connector.stream-subscriptions-poll.v1`: read the subscriptions from Amazon now (all active profiles, or one). */
export class StreamSubscriptionsPollRequestV1 {
  @IsOptional()
  @IsString()
  @Matches(PROFILE_ID, { message: 'profileId must be an Amazon profile id (digits)' })
  profileId?: string;
}

export interface StreamSubscriptionsPollReplyV1 {
  subscriptions: StreamSubscriptionV1[];
  failures: Array<{ profileId: string; error: string }>;
}

// ---- events (stream EVENTS) ----

/**
 * `ads.connection.status.v1`: the connection's state, on every change and after every sync cycle (so a consumer that
 * missed a change converges). The alerter raises "needs re-authorisation" from it and resolves it when it ends.
 */
export class AdsConnectionStatusV1 {
  @IsIn([1]) version!: 1;
  @IsIn(ADS_CONNECTION_STATES) state!: AdsConnectionState;
  @IsIn(ADS_REGIONS) region!: AdsRegionCode;
  /** the last error's text (never a secret), null when the last call succeeded */
  @IsOptional() @IsString() @MaxLength(2000) lastError!: string | null;
  @IsISO8601() emittedAt!: string;
}

/** One subscription's status in `ads.stream-subscriptions.status.v1`. */
export class StreamSubscriptionStatusItemV1 {
  @IsString() @MaxLength(255) subscriptionId!: string;
  @IsString() @Matches(PROFILE_ID) profileId!: string;
  /** the profile's account id (AMS advertiser_id), null when the profile is unknown */
  @IsOptional() @IsString() @MaxLength(128) advertiserId!: string | null;
  /** the profile is listed by Amazon (an inactive profile's subscriptions are not judged for stale data) */
  @IsBoolean() profileActive!: boolean;
  @IsString() @Matches(DATASET_ID) dataSetId!: string;
  @IsOptional() @IsString() @MaxLength(2048) destinationArn!: string | null;
  @IsIn(STREAM_SUBSCRIPTION_STATUSES) status!: StreamSubscriptionStatus;
  @IsISO8601() statusSince!: string;
}

/**
 * `ads.stream-subscriptions.status.v1`: every known non-archived subscription of the profiles polled, after each poll
 * (every `ADS_SUBSCRIPTION_POLL_MINUTES`). The alerter judges SUSPENDED, FAILED_CONFIRMATION and long
 * PENDING_CONFIRMATION from it; a subscription absent from a later event of the same profiles has been archived.
 */
export class StreamSubscriptionsStatusV1 {
  @IsIn([1]) version!: 1;
  /** the profiles this poll covered (a subscription of another profile is not judged by this event) */
  @IsArray() @ArrayMaxSize(10_000) @IsString({ each: true }) @Matches(PROFILE_ID, { each: true }) profileIds!: string[];
  @IsArray()
  @ArrayMaxSize(50_000)
  @ValidateNested({ each: true })
  @Type(() => StreamSubscriptionStatusItemV1)
  subscriptions!: StreamSubscriptionStatusItemV1[];
  @IsISO8601() emittedAt!: string;
}
