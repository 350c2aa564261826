import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdsApiClient, AdsLogFields, AdsLogger, AdsNeedsReauthorizationError, ADS_REGIONS } from '@ams/ads-api';
import {
  ADS_CONNECTION_STATES,
  ADS_CONNECTION_STATUS,
  type AdsConnectionState,
  type AdsConnectionStatusV1,
  type AdsRegionCode,
  CommandError,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { adsCredentials, ConnectorEnv } from '../config/connector.env';
import { connectorMetrics } from '../connector.metrics';
import { describeFailure, isConnectionFailure, REAUTHORIZE_MESSAGE, UNCONFIGURED_MESSAGE } from './ads-errors.logic';

/** Where profiles are listed: a regional host (covers its region) or ADS_API_ENDPOINT (covers every region). */
export interface ProfileSource {
  /** the region named in `ads_sync_state` (ADS_API_REGION for an endpoint override) */
  region: AdsRegionCode;
  /** the regions whose profiles this source lists (a profile of these regions it no longer lists is inactive) */
  covers: readonly AdsRegionCode[];
  client: AdsApiClient;
  /** the host is an override: a profile's region comes from its country */
  override: boolean;
}

export interface ConnectionSnapshot {
  configured: boolean;
  region: AdsRegionCode;
  state: AdsConnectionState;
  lastTokenRefreshAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

/**
 * The one Amazon Ads API client of this process and the connection's state. Without credentials there is no client:
 * the state is `unconfigured` and every use answers UNAVAILABLE. With them, the state follows the client
 * (`unauthorized` → `authorized`, `needs_reauthorization` after `invalid_grant`, when the client refuses every call),
 * or `error` after a failure of the connection itself until a call succeeds again. Every change is written to
 * `ads_connection` (one row, never a secret) and published as `ads.connection.status.v1`; so is the state after
 * every sync cycle.
 */
@Injectable()
export class AdsConnectionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AdsConnection');
  private readonly adsLogger = new Logger('AdsApi');
  private readonly client?: AdsApiClient;
  private readonly regional = new Map<AdsRegionCode, AdsApiClient>();
  private failure?: { message: string; at: Date };
  private lastRow?: string;
  private lastEvent?: string;
  private writes: Promise<void> = Promise.resolve();
  private unsubscribe?: () => void;

  constructor(
    private readonly env: ConnectorEnv,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly messaging: JetStreamService,
  ) {
    const credentials = adsCredentials(env);
    if (!credentials) return;
    this.client = new AdsApiClient({
      ...credentials,
      region: env.ADS_API_REGION,
      apiEndpoint: env.ADS_API_ENDPOINT,
      lwaEndpoint: env.ADS_LWA_ENDPOINT,
      logger: this.bridgeLogger(),
      requestTimeoutMs: env.ADS_REQUEST_TIMEOUT_MS,
      retry: {
        maxAttempts: env.ADS_RETRY_MAX_ATTEMPTS,
        baseDelayMs: env.ADS_RETRY_BASE_DELAY_MS,
        totalTimeoutMs: env.ADS_RETRY_TOTAL_TIMEOUT_MS,
      },
      pageSizes: env.ADS_ENTITY_PAGE_SIZE
        ? {
            sp: env.ADS_ENTITY_PAGE_SIZE,
            sb: Math.min(env.ADS_ENTITY_PAGE_SIZE, 100),
            sbV3: Math.min(env.ADS_ENTITY_PAGE_SIZE, 5000),
            sd: Math.min(env.ADS_ENTITY_PAGE_SIZE, 100),
          }
        : undefined,
    });
    this.regional.set(env.ADS_API_REGION, this.client);
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  get region(): AdsRegionCode {
    return this.env.ADS_API_REGION;
  }

  /** The state as the connector sees it now. */
  get state(): AdsConnectionState {
    if (!this.client) return 'unconfigured';
    const clientState = this.client.connectionState;
    if (clientState === 'needs_reauthorization') return clientState;
    return this.failure ? 'error' : clientState;
  }

  snapshot(): ConnectionSnapshot {
    const status = this.client?.connectionStatus();
    const reauth = this.state === 'needs_reauthorization';
    return {
      configured: this.configured,
      region: this.region,
      state: this.state,
      lastTokenRefreshAt: status?.lastRefreshAt?.toISOString() ?? null,
      lastError: reauth ? describeFailure(status?.lastError ?? REAUTHORIZE_MESSAGE) : (this.failure?.message ?? null),
      lastErrorAt: this.failure?.at.toISOString() ?? null,
    };
  }

  async onModuleInit(): Promise<void> {
    if (this.client) {
      this.unsubscribe = this.client.onConnectionStateChange((state, error) => {
        if (state === 'needs_reauthorization') {
          this.failure = { message: describeFailure(error ?? REAUTHORIZE_MESSAGE), at: new Date() };
          this.logger.error({ state }, REAUTHORIZE_MESSAGE);
        } else this.logger.log({ state }, 'Amazon Ads connection state changed');
        void this.changed();
      });
    } else {
      this.logger.warn(UNCONFIGURED_MESSAGE);
    }
    await this.changed().catch(() => undefined);
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /**
   * The client, or the reason a command cannot use it: UNAVAILABLE without credentials or while the user must
   * consent again (the client would refuse anyway, without a request).
   */
  requireClient(): AdsApiClient {
    if (!this.client) throw new CommandError('UNAVAILABLE', UNCONFIGURED_MESSAGE);
    if (this.client.connectionState === 'needs_reauthorization')
      throw new CommandError('UNAVAILABLE', REAUTHORIZE_MESSAGE);
    return this.client;
  }

  /** Whether a scheduled cycle should call Amazon at all. */
  get usable(): boolean {
    return this.client !== undefined && this.client.connectionState !== 'needs_reauthorization';
  }

  /** The client for a profile's region (the override host serves every region). */
  clientFor(region: AdsRegionCode): AdsApiClient {
    const base = this.requireClient();
    if (this.env.ADS_API_ENDPOINT) return base;
    let c = this.regional.get(region);
    if (!c) {
      c = base.forRegion(region);
      this.regional.set(region, c);
    }
    return c;
  }

  /** Where to list profiles: ADS_API_ENDPOINT alone, or the three regional hosts sharing one token. */
  profileSources(): ProfileSource[] {
    const base = this.requireClient();
    if (this.env.ADS_API_ENDPOINT) return [{ region: this.region, covers: ADS_REGIONS, client: base, override: true }];
    return ADS_REGIONS.map((region) => ({ region, covers: [region], client: this.clientFor(region), override: false }));
  }

  /** A call to Amazon succeeded: a connection failure is over. */
  noteSuccess(): void {
    if (this.failure && this.client?.connectionState !== 'needs_reauthorization') {
      this.failure = undefined;
      void this.changed();
    } else void this.changed();
  }

  /** A call to Amazon failed: a failure of the connection itself turns the state to `error`. */
  noteFailure(err: unknown): void {
    if (err instanceof AdsNeedsReauthorizationError) return void this.changed();
    if (!isConnectionFailure(err)) return;
    this.failure = { message: describeFailure(err), at: new Date() };
    void this.changed();
  }

  /** After a sync cycle: publish the state even when it did not change (a consumer that missed one converges). */
  cycleEnded(): Promise<void> {
    return this.changed(true);
  }

  /**
   * Writes the row when something in it changed (state, error, last token refresh) and publishes the state when the
   * state or the error changed, or always with `force`. Serialised, so the row never goes back to an older state.
   */
  private changed(force = false): Promise<void> {
    const next = this.writes.then(async () => {
      const s = this.snapshot();
      const row = JSON.stringify([s.state, s.region, s.lastError, s.lastTokenRefreshAt]);
      const event = JSON.stringify([s.state, s.region, s.lastError]);
      if (row !== this.lastRow) {
        await this.ds.query(
          `INSERT INTO ads_connection (id, region, state, last_token_refresh_at, last_error, last_error_at, updated_at)
           VALUES ('default', $1, $2, $3, $4, $5, now())
           ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, state = EXCLUDED.state,
             last_token_refresh_at = COALESCE(EXCLUDED.last_token_refresh_at, ads_connection.last_token_refresh_at),
             last_error = EXCLUDED.last_error,
             last_error_at = COALESCE(EXCLUDED.last_error_at, ads_connection.last_error_at),
             updated_at = now()`,
          [s.region, s.state, s.lastTokenRefreshAt, s.lastError, s.lastErrorAt],
        );
        this.lastRow = row;
        for (const state of ADS_CONNECTION_STATES)
          connectorMetrics.connectionState.set({ state }, state === s.state ? 1 : 0);
      }
      if (force || event !== this.lastEvent) {
        await this.publish(s);
        this.lastEvent = event;
      }
    });
    this.writes = next.catch((err: unknown) =>
      this.logger.warn({ error: describeFailure(err) }, 'connection state not written or published'),
    );
    return this.writes;
  }

  private async publish(s: ConnectionSnapshot): Promise<void> {
    const payload: AdsConnectionStatusV1 = {
      version: 1,
      state: s.state,
      region: s.region,
      lastError: s.lastError,
      emittedAt: new Date().toISOString(),
    };
    await this.messaging.publish(ADS_CONNECTION_STATUS, payload);
  }

  /** The client's log lines into the app's JSON logger (the client never puts a secret in them). */
  private bridgeLogger(): AdsLogger {
    const l = this.adsLogger;
    const out = (fields?: AdsLogFields) => ({ ...(fields ?? {}) });
    return {
      debug: (message, fields) => l.debug(out(fields), message),
      info: (message, fields) => l.log(out(fields), message),
      warn: (message, fields) => l.warn(out(fields), message),
      error: (message, fields) => l.error(out(fields), message),
    };
  }
}
