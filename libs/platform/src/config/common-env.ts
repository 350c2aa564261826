import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ExclusiveWith, IsReadableFile, RequiresWith } from './env-validators';

const POSTGRES_URL = /^postgres(ql)?:\/\/[^\s]+$/;
const NATS_URLS = /^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/;

/** Variables every app reads: where it listens, how it logs, its PostgreSQL and its NATS. */
export class CommonEnv {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT: number = 3000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @Matches(POSTGRES_URL, { message: 'must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/ams_sentinel';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE: number = 10;

  @Matches(NATS_URLS, { message: 'must be nats:// URL(s), comma-separated' })
  NATS_URL: string = 'nats://127.0.0.1:4222';

  /** Prefix for every subject and stream: lets several deployments (or test runs) share a NATS. */
  @IsOptional()
  @IsString()
  @Matches(/^([a-z0-9_-]{1,32})?$/, { message: 'must be 1-32 chars of a-z 0-9 _ -' })
  NATS_PREFIX: string = '';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5)
  NATS_STREAM_REPLICAS: number = 1;

  /** Retention of raw records in the JetStream AMS stream (the replay log). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 90)
  AMS_STREAM_MAX_AGE_HOURS: number = 168;

  /** Retention of domain events (consumers recompute from PostgreSQL, so this can be short). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  EVENTS_STREAM_MAX_AGE_HOURS: number = 72;

  /**
   * Serve /metrics on this port instead of PORT (which then answers 404 for it), so an ingress or a Service that
   * exposes PORT never exposes the metrics. Unset: /metrics on PORT, as before.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;

  /** How long a graceful shutdown may take before the process exits anyway. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS: number = 25_000;

  // ---- NATS credentials and TLS (issue 14 §1). None set: no authentication (a local, open NATS). At most one way
  // to authenticate: NATS_USER with NATS_PASSWORD, or NATS_CREDS_FILE (nkey/JWT .creds), or NATS_TOKEN. Secrets:
  // from the Secret or a mounted file, never the ConfigMap; never logged.

  /** The app's NATS user (with NATS_PASSWORD). */
  @IsOptional()
  @IsString()
  @RequiresWith('NATS_PASSWORD')
  @ExclusiveWith('NATS_CREDS_FILE', 'NATS_TOKEN')
  NATS_USER?: string;

  @IsOptional()
  @IsString()
  @RequiresWith('NATS_USER')
  NATS_PASSWORD?: string;

  /** A .creds file (user JWT and nkey seed) for a NATS with decentralised auth; read at every (re)connect. */
  @IsOptional()
  @IsString()
  @IsReadableFile()
  @ExclusiveWith('NATS_USER', 'NATS_TOKEN')
  NATS_CREDS_FILE?: string;

  @IsOptional()
  @IsString()
  @ExclusiveWith('NATS_USER', 'NATS_CREDS_FILE')
  NATS_TOKEN?: string;

  /** PEM CA bundle that signed the NATS server's certificate: TLS is required when set. */
  @IsOptional()
  @IsString()
  @IsReadableFile()
  NATS_TLS_CA?: string;

  /** Client certificate and key (PEM) for servers that verify clients; set both or neither. */
  @IsOptional()
  @IsString()
  @IsReadableFile()
  @RequiresWith('NATS_TLS_KEY')
  NATS_TLS_CERT?: string;

  @IsOptional()
  @IsString()
  @IsReadableFile()
  @RequiresWith('NATS_TLS_CERT')
  NATS_TLS_KEY?: string;
}
