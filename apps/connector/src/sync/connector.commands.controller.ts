import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  CONNECTOR_ENTITIES_SYNC,
  CONNECTOR_PROFILES_SYNC,
  CONNECTOR_SUBSCRIPTION_ARCHIVE,
  CONNECTOR_SUBSCRIPTION_CREATE,
  CONNECTOR_SUBSCRIPTIONS_POLL,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { AdsConnectionService } from '../connection/ads-connection.service';
import { commandErrorOf } from '../connection/ads-errors.logic';
import { EntitySyncService } from '../entities/entity-sync.service';
import { ProfilesService } from '../profiles/profiles.service';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { SyncRunner } from './sync-runner.service';

/**
 * The connector's commands over NATS request/reply (requests arrive validated). Without credentials, or while the
 * user must consent again, each answers UNAVAILABLE before any work; Amazon's failures come back UPSTREAM.
 * Syncs run under their kind's advisory lock (a running one is waited for, bounded, then CONFLICT).
 */
@Injectable()
export class ConnectorCommandsController implements OnModuleInit {
  constructor(
    private readonly messaging: JetStreamService,
    private readonly connection: AdsConnectionService,
    private readonly runner: SyncRunner,
    private readonly profiles: ProfilesService,
    private readonly entities: EntitySyncService,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  onModuleInit(): void {
    this.messaging.reply(CONNECTOR_PROFILES_SYNC, (req) =>
      this.guard(async () => {
        const reply = await this.runner.command('profiles', () => this.profiles.syncAll());
        if (req.entities) await this.runner.command('entities', () => this.entities.syncAll());
        await this.connection.cycleEnded();
        return reply;
      }),
    );
    this.messaging.reply(CONNECTOR_ENTITIES_SYNC, (req) =>
      this.guard(async () => {
        const reply = await this.runner.command('entities', () => this.entities.syncAll(req.profileId));
        await this.connection.cycleEnded();
        return reply;
      }),
    );
    this.messaging.reply(CONNECTOR_SUBSCRIPTIONS_POLL, (req) =>
      this.guard(async () => {
        const reply = await this.runner.command('subscriptions', () => this.subscriptions.poll(req.profileId));
        await this.connection.cycleEnded();
        return reply;
      }),
    );
    this.messaging.reply(CONNECTOR_SUBSCRIPTION_CREATE, (req) =>
      this.guard(() => this.runner.tracked(() => this.subscriptions.create(req))),
    );
    this.messaging.reply(CONNECTOR_SUBSCRIPTION_ARCHIVE, (req) =>
      this.guard(() => this.runner.tracked(() => this.subscriptions.archive(req))),
    );
  }

  /** UNAVAILABLE before any work when there is no usable connection; Amazon's errors as UNAVAILABLE/UPSTREAM. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    this.connection.requireClient();
    try {
      return await work();
    } catch (err) {
      throw commandErrorOf(err);
    }
  }
}
