import { Transform, Type } from 'class-transformer';
import {
  type ValidationArguments,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { ADS_REGIONS, type AdsRegionCode } from '@ams/contracts';
import { CommonEnv, envBoolean } from '@ams/platform';

const HTTP_URL = /^https?:\/\/[^\s,]+$/;
/** An LwA credential: printable, no spaces (the values are never echoed in a message). */
const CREDENTIAL = /^[!-~]{1,2048}$/;
const CREDENTIALS = ['ADS_API_CLIENT_ID', 'ADS_API_CLIENT_SECRET', 'ADS_API_REFRESH_TOKEN'] as const;

const isSet = (v: unknown) => v !== undefined && v !== null && v !== '';

/**
 * One of the three LwA credentials: all three or none. Checked only when at least one is set; a missing one is
 * named ("is missing"), a malformed one too, never with its value.
 */
function LwaCredential() {
  return applyDecorators(
    ValidateIf((o: Record<string, unknown>) => CREDENTIALS.some((k) => isSet(o[k]))),
    ValidateBy({
      name: 'lwaCredential',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && CREDENTIAL.test(value),
        defaultMessage: (args?: ValidationArguments) => {
          if (!isSet(args?.value)) {
            const o = args?.object as Record<string, unknown>;
            const given = CREDENTIALS.filter((k) => isSet(o[k]));
            return `is missing: the Ads API credentials are all three or none (${given.join(', ')} set)`;
          }
          return 'must be printable characters without spaces (at most 2048)';
        },
      },
    }),
  );
}

/** Several property decorators as one (class-validator's own are property decorators). */
function applyDecorators(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((d) => d(target, key));
}

export class ConnectorEnv extends CommonEnv {
  override PORT = 3005;

  // ---- Login with Amazon credentials (secrets, except the client id: never logged) ---------------------------
  /** LwA client id (`amzn1.application-oa2-client.…`). Unset (with the other two): the connector is unconfigured. */
  @LwaCredential()
  ADS_API_CLIENT_ID?: string;

  @LwaCredential()
  ADS_API_CLIENT_SECRET?: string;

  /** `Atzr|…`, from the one-time consent */
  @LwaCredential()
  ADS_API_REFRESH_TOKEN?: string;

  /** The region whose LwA host and API host are used first (profiles are listed on all three unless ADS_API_ENDPOINT). */
  @IsIn(ADS_REGIONS, { message: `must be one of ${ADS_REGIONS.join(', ')}` })
  ADS_API_REGION: AdsRegionCode = 'NA';

  /** The API host instead of Amazon's (an emulator, a proxy): then profiles are listed on this host only. */
  @IsOptional()
  @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  ADS_API_ENDPOINT?: string;

  /** The LwA token URL instead of the region's. */
  @IsOptional()
  @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  ADS_LWA_ENDPOINT?: string;

  // ---- schedules ---------------------------------------------------------------------------------------------
  @Type(() => Number) @IsInt() @Min(1) @Max(10_080) ADS_PROFILE_SYNC_MINUTES: number = 60;
  @Type(() => Number) @IsInt() @Min(1) @Max(10_080) ADS_ENTITY_SYNC_MINUTES: number = 60;
  @Type(() => Number) @IsInt() @Min(1) @Max(1_440) ADS_SUBSCRIPTION_POLL_MINUTES: number = 15;

  /** At start: profiles, then subscriptions, then entities, in the background (false: only on schedule/command). */
  @Transform(envBoolean)
  @IsBoolean()
  ADS_SYNC_ON_START: boolean = true;

  /** A command finding its sync running (here or in another replica) waits this long, then answers CONFLICT. */
  @Type(() => Number) @IsInt() @Min(0) @Max(600_000) ADS_COMMAND_LOCK_WAIT_MS: number = 15_000;

  // ---- the client --------------------------------------------------------------------------------------------
  /** SP `maxResults` per page (unset: Amazon's default page size); SB and SD pages take at most 100. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(5000) ADS_ENTITY_PAGE_SIZE?: number;
  /** One attempt's timeout (Amazon's synchronous p99 is 30 s). */
  @Type(() => Number) @IsInt() @Min(100) @Max(300_000) ADS_REQUEST_TIMEOUT_MS: number = 30_000;
  /** Attempts per request on 429, 5xx, network errors and timeouts (other 4xx are never retried). */
  @Type(() => Number) @IsInt() @Min(1) @Max(20) ADS_RETRY_MAX_ATTEMPTS: number = 6;
  /** First back-off step without Retry-After (full jitter below base·2ⁿ, capped at 60 s). */
  @Type(() => Number) @IsInt() @Min(1) @Max(60_000) ADS_RETRY_BASE_DELAY_MS: number = 1000;
  /** A request with its retries gives up after this long. */
  @Type(() => Number) @IsInt() @Min(1000) @Max(3_600_000) ADS_RETRY_TOTAL_TIMEOUT_MS: number = 120_000;

  // ---- guarded automation (the executor of queued actions) ----------------------------------------------------
  /** false: nothing is sent; queued actions end `blocked` (the kill switch, with `automation_setting.enabled`). */
  @Transform(envBoolean)
  @IsBoolean()
  AUTOMATION_ENABLED: boolean = true;
  /** The executor looks for queued actions this often (and at once on automation.actions.queued.v1). */
  @Type(() => Number) @IsInt() @Min(50) @Max(600_000) AUTOMATION_POLL_MS: number = 2000;
  /** An `executing` action whose lease ran out (its executor died mid-send) is read back from Amazon, then retried. */
  @Type(() => Number) @IsInt() @Min(1) @Max(3600) AUTOMATION_LEASE_SECONDS: number = 120;
  /** Attempts of one action (throttled, in doubt) before it ends `failed`. */
  @Type(() => Number) @IsInt() @Min(1) @Max(100) AUTOMATION_MAX_ATTEMPTS: number = 5;
  /** The freshness guard: the trigger's data must have arrived within this many hours. */
  @Type(() => Number) @IsInt() @Min(1) @Max(720) AUTOMATION_FRESHNESS_HOURS: number = 3;
  /** Budget increases per advertiser and local day, in its currency, unless PUT /v1/automation sets its own cap. */
  @Matches(/^\d{1,12}(\.\d{1,2})?$/, { message: 'must be a decimal amount such as 100 or 250.50' })
  AUTOMATION_MAX_DAILY_BUDGET_INCREASE: string = '100';
}

/** The three LwA credentials when all are set, else undefined (the connector is unconfigured). */
export function adsCredentials(
  env: ConnectorEnv,
): { clientId: string; clientSecret: string; refreshToken: string } | undefined {
  const { ADS_API_CLIENT_ID: clientId, ADS_API_CLIENT_SECRET: clientSecret, ADS_API_REFRESH_TOKEN: refreshToken } = env;
  return clientId && clientSecret && refreshToken ? { clientId, clientSecret, refreshToken } : undefined;
}
