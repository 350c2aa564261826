import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module';
import { EntitiesModule } from '../entities/entities.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { ConnectorCommandsController } from './connector.commands.controller';
import { SyncRunner } from './sync-runner.service';
import { SyncSchedulerService } from './sync-scheduler.service';

/** Who runs the syncs: the commands, the schedules, and the lock and drain around both. */
@Module({
  imports: [ConnectionModule, ProfilesModule, SubscriptionsModule, EntitiesModule],
  providers: [SyncRunner, SyncSchedulerService, ConnectorCommandsController],
})
export class SyncModule {}
