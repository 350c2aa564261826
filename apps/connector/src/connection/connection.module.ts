import { Module } from '@nestjs/common';
import { SyncStateRepository } from '../sync/sync-state.repository';
import { AdsConnectionService } from './ads-connection.service';
import { ConnectionHttpController } from './connection.http.controller';

/** The Ads API client, the connection's state (`ads_connection`) and the sync-state rows every sync writes. */
@Module({
  controllers: [ConnectionHttpController],
  providers: [AdsConnectionService, SyncStateRepository],
  exports: [AdsConnectionService, SyncStateRepository],
})
export class ConnectionModule {}
