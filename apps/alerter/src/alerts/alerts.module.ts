import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { AlertsCommandsController } from './alerts.commands.controller';
import { AlertsRepository } from './alerts.repository';

@Module({
  imports: [DeliveryModule],
  providers: [AlertsRepository, AlertsCommandsController],
})
export class AlertsModule {}
