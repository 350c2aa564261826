import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscriptionConfirmationEntity } from '@ams/db';
import { PollingControlService } from '../control/polling-control.service';
import { SubscriptionService } from '../subscription/subscription.service';
import { MessageRouterService } from './message-router.service';
import { SqsPollerService } from './sqs-poller.service';

@Module({
  imports: [TypeOrmModule.forFeature([SubscriptionConfirmationEntity])],
  providers: [SqsPollerService, MessageRouterService, SubscriptionService, PollingControlService],
  exports: [SqsPollerService],
})
export class IngestModule {}
