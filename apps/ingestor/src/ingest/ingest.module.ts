import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscriptionConfirmationEntity } from '@ams/db';
import { PollingControlService } from '../control/polling-control.service';
import { SubscriptionService } from '../subscription/subscription.service';
import { HandOffService } from '../handoff/hand-off.service';
import { DeadLetterRedriveService } from '../queues/dead-letter-redrive.service';
import { QueueCommandsService } from '../queues/queue-commands.service';
import { QueueStatusService } from '../queues/queue-status.service';
import { SqsClientProvider } from '../queues/sqs-client.provider';
import { MessageRouterService } from './message-router.service';
import { SqsPollerService } from './sqs-poller.service';

@Module({
  imports: [TypeOrmModule.forFeature([SubscriptionConfirmationEntity])],
  providers: [
    SqsClientProvider,
    HandOffService,
    QueueStatusService,
    SqsPollerService,
    MessageRouterService,
    SubscriptionService,
    PollingControlService,
    DeadLetterRedriveService,
    QueueCommandsService,
  ],
  exports: [SqsPollerService],
})
export class IngestModule {}
