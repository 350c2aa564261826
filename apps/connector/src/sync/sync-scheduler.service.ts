import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConnectorEnv } from '../config/connector.env';
import { AdsConnectionService } from '../connection/ads-connection.service';
import { describeFailure } from '../connection/ads-errors.logic';
import { connectorMetrics } from '../connector.metrics';
import { EntitySyncService } from '../entities/entity-sync.service';
import { ProfilesService } from '../profiles/profiles.service';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { SyncRunner } from './sync-runner.service';
import type { SyncKind } from './sync-state.repository';

/**
 * The schedules: profiles every ADS_PROFILE_SYNC_MINUTES, entities every ADS_ENTITY_SYNC_MINUTES, subscription
 * statuses every ADS_SUBSCRIPTION_POLL_MINUTES, and (ADS_SYNC_ON_START) profiles → subscriptions → entities once at
 * start, in the background. A tick is skipped when another replica holds that sync's lock or while the connection
 * needs the user's consent (the state is still published after it). Nothing is scheduled without credentials.
 */
@Injectable()
export class SyncSchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncSchedulerService.name);
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly env: ConnectorEnv,
    private readonly connection: AdsConnectionService,
    private readonly runner: SyncRunner,
    private readonly profiles: ProfilesService,
    private readonly entities: EntitySyncService,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.connection.configured) return;
    const every = (minutes: number, kind: SyncKind) => {
      const t = setInterval(() => void this.tick(kind), minutes * 60_000);
      t.unref();
      this.timers.push(t);
    };
    every(this.env.ADS_PROFILE_SYNC_MINUTES, 'profiles');
    every(this.env.ADS_SUBSCRIPTION_POLL_MINUTES, 'subscriptions');
    every(this.env.ADS_ENTITY_SYNC_MINUTES, 'entities');
    if (this.env.ADS_SYNC_ON_START)
      void (async () => {
        await this.tick('profiles');
        await this.tick('subscriptions');
        await this.tick('entities');
      })();
  }

  beforeApplicationShutdown(): void {
    for (const t of this.timers) clearInterval(t);
  }

  /** One scheduled run of a kind; never throws (a failure is logged, stored in ads_sync_state and counted). */
  async tick(kind: SyncKind): Promise<void> {
    if (this.runner.isStopping) return;
    try {
      if (!this.connection.usable) {
        connectorMetrics.syncSkipped.inc({ kind, reason: 'needs_reauthorization' });
      } else {
        const work = {
          profiles: () => this.profiles.syncAll(),
          subscriptions: () => this.subscriptions.poll(),
          entities: () => this.entities.syncAll(),
        }[kind] as () => Promise<unknown>;
        const out = await this.runner.scheduled(kind, work);
        if (out === null) this.logger.debug({ kind }, 'scheduled sync skipped: running elsewhere');
      }
      await this.connection.cycleEnded();
    } catch (err) {
      this.logger.warn({ kind, error: describeFailure(err) }, 'scheduled sync failed');
    }
  }
}
