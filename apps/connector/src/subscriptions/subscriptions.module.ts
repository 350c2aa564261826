import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { SubscriptionsRepository } from './subscriptions.repository';
import { SubscriptionsService } from './subscriptions.service';

@Module({
  imports: [ConnectionModule, ProfilesModule],
  providers: [SubscriptionsService, SubscriptionsRepository],
  exports: [SubscriptionsService],
})
export class SubscriptionsModule {}
