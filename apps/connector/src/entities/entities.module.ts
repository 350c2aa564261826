import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { EntitiesRepository } from './entities.repository';
import { EntitySyncService } from './entity-sync.service';

@Module({
  imports: [ConnectionModule, ProfilesModule],
  providers: [EntitySyncService, EntitiesRepository],
  exports: [EntitySyncService],
})
export class EntitiesModule {}
