import { Module } from '@nestjs/common';
import { AlerterEnv } from '../config/alerter.env';
import { Destinations } from './destinations.logic';
import { OutboxSenderService } from './outbox-sender.service';
import { OutboxRepository } from './outbox.repository';

@Module({
  providers: [
    {
      provide: Destinations,
      useFactory: (env: AlerterEnv) => new Destinations(env.SLACK_WEBHOOK_URL, env.SLACK_WEBHOOKS),
      inject: [AlerterEnv],
    },
    OutboxRepository,
    OutboxSenderService,
  ],
  exports: [Destinations, OutboxRepository, OutboxSenderService],
})
export class DeliveryModule {}
