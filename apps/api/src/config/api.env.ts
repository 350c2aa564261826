import { Transform, Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { CommonEnv, envBoolean, envList } from '@ams/platform';
import { DEFAULT_RETENTION_FACT_DAYS, MIN_RETENTION_DELTA_DAYS } from '@ams/db';

export class ApiEnv extends CommonEnv {
  /**
   * Admin bearer keys on /v1 (comma-separated, each ≥ 20 characters): everything, including managing keys. Required
   * unless API_INSECURE_NO_AUTH.
   */
  @Transform(envList)
  @ValidateIf((o: ApiEnv) => !o.API_INSECURE_NO_AUTH)
  @IsString({ each: true })
  @MinLength(20, { each: true, message: 'each key must be at least 20 characters' })
  @ArrayMinSize(1, { message: 'set at least one key (or API_INSECURE_NO_AUTH=true for a local run)' })
  API_KEYS: string[] = [];

  /** Operator keys: everything a read key may, plus acknowledging and snoozing alerts (and approving proposed actions). */
  @Transform(envList)
  @IsString({ each: true })
  @MinLength(20, { each: true, message: 'each key must be at least 20 characters' })
  API_OPERATOR_KEYS: string[] = [];

  /** Read keys: GET only. */
  @Transform(envList)
  @IsString({ each: true })
  @MinLength(20, { each: true, message: 'each key must be at least 20 characters' })
  API_READ_KEYS: string[] = [];

  /** Failed authentications per client address per minute before the address gets 429 for a minute. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  API_AUTH_FAILURES_PER_MINUTE: number = 30;

  /**
   * Express `trust proxy`: which hops' X-Forwarded-For to believe for the client address (failed-authentication limit,
   * logs). Empty/false: none (the socket's address). `true`, a hop count, or addresses/subnets (`loopback`,
   * `10.0.0.0/8`, comma-separated) as Express reads them.
   */
  @IsOptional()
  @IsString()
  @Matches(/^(|true|false|\d{1,2}|[A-Za-z0-9.:/]+(\s*,\s*[A-Za-z0-9.:/]+)*)$/, {
    message: 'must be empty, true, false, a hop count, or addresses/subnets separated by commas',
  })
  API_TRUST_PROXY: string = '';

  /** Keys that were issued and withdrawn: answered with 403 instead of 401. */
  @Transform(envList)
  @IsString({ each: true })
  API_REVOKED_KEYS: string[] = [];

  /** Serve /v1 without authentication. For a local machine only; announced loudly at start. */
  @Transform(envBoolean)
  @IsBoolean()
  API_INSECURE_NO_AUTH: boolean = false;

  /** Requests per minute per API key on /v1, all routes together (per address without auth); over it, 429 with Retry-After. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  API_RATE_LIMIT_PER_MINUTE: number = 1200;

  /**
   * The dashboard's build (`nx build web`): served at `/` with a fallback to its index.html for every path outside
   * /v1, /health, /docs and /metrics. Empty: `web/` beside the api's main.js (the image), else `dist/apps/web` beside
   * `dist/apps/api` (a workspace build). A folder without index.html: the api starts and `/` says it is not built.
   */
  @IsString()
  WEB_DIST_DIR: string = '';

  /** Open `GET /v1/events` streams (server-sent events) per api replica; beyond it, 503 with Retry-After. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100_000)
  API_SSE_MAX_CONNECTIONS: number = 200;

  /** Seconds between `: ping` comments on an idle event stream (keeps proxies from closing it). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(300)
  API_SSE_PING_SECONDS: number = 15;

  /** Only reported by GET /health (which integrations exist); the api never calls SQS itself. */
  @Transform(envList)
  @IsString({ each: true })
  SQS_QUEUE_URLS: string[] = [];

  @IsString()
  AWS_REGION: string = 'us-east-1';

  /** Only reported by GET /health as configured/not (never printed). */
  @IsOptional()
  @IsString()
  SLACK_WEBHOOK_URL?: string;

  /** Named Slack destinations, `name=url,…`: GET /health lists the names. */
  @Transform(envList)
  @IsString({ each: true })
  SLACK_WEBHOOKS: string[] = [];

  /** Widest range an hourly query may span. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(366)
  API_MAX_HOURLY_RANGE_DAYS: number = 93;

  /**
   * Days hourly facts are kept (the aggregator drops older months; the same setting there): a query that reads the
   * facts (hourly, or grouped by ad or placement) from before then is a 400 naming the limit; daily answers read the
   * rollups, which are kept.
   */
  @Type(() => Number)
  @IsInt()
  @Min(MIN_RETENTION_DELTA_DAYS)
  @Max(36_500)
  RETENTION_FACT_DAYS: number = DEFAULT_RETENTION_FACT_DAYS;

  /** Widest range any performance query may span (daily ones included: a wider one reads years of rollups). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3660)
  API_MAX_DAILY_RANGE_DAYS: number = 400;

  /** Cached /v1/performance responses per process; 0 turns the cache off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  API_CACHE_MAX_ENTRIES: number = 1000;

  /** Upper bound of the cached bodies' memory per process, in MiB. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65_536)
  API_CACHE_MAX_MB: number = 256;

  /** Forecasts: weeks of hourly history each fit learns from. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(12)
  FORECAST_HISTORY_WEEKS: number = 4;

  /** Forecasts: `underpacing` when the projected day leaves more than this % of the budget unspent. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(99)
  FORECAST_UNDERPACE_PCT: number = 30;

  /** Forecasts: fits kept per process (one per campaign and local day, least recently used dropped; 0: none). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  FORECAST_CACHE_MAX_ENTRIES: number = 10_000;

  /**
   * A PostgreSQL streaming replica (hot standby) of DATABASE_URL for the read paths (performance, campaigns, budgets,
   * forecasts, entity lists); writes, commands and key checks stay on DATABASE_URL. Unset: everything reads the primary.
   */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'must be a postgres:// URL' })
  DATABASE_READ_URL?: string;

  /**
   * How far the replica may lag, in ms: beyond it every read goes to the primary until it has caught up. Lag is the age
   * of the oldest primary WAL position (sampled every DATABASE_READ_LAG_CHECK_MS) the replica has not replayed.
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DATABASE_READ_MAX_LAG_MS: number = 2000;

  /** How often the replica's replay position is compared with the primary's WAL position, in ms. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60_000)
  DATABASE_READ_LAG_CHECK_MS: number = 250;

  /** Longest life of a cached response, in seconds (a safety net: events invalidate entries first). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  API_CACHE_TTL_SECONDS: number = 60;

  /**
   * Guarded automation: what GET /v1/automation reports as the connector's environment. The same names and values as
   * the connector's (which enforces them; one ConfigMap): AUTOMATION_ENABLED false stops every execution whatever the
   * stored switch says.
   */
  @Transform(envBoolean)
  @IsBoolean()
  AUTOMATION_ENABLED: boolean = true;

  /** Budget increases per advertiser per local day, in the advertiser's currency, unless a per-advertiser limit is set. */
  @IsString()
  @Matches(/^\d{1,15}(\.\d{1,10})?$/, { message: 'must be a decimal amount such as 100 or 250.50' })
  AUTOMATION_MAX_DAILY_BUDGET_INCREASE: string = '100';
}
