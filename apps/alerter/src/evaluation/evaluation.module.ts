import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { RulesModule } from '../rules/rules.module';
import { AlertStateRepository } from './alert-state.repository';
import { EvaluationEventsController } from './evaluation.events.controller';
import { EvaluationService } from './evaluation.service';
import { MetricsRepository } from './metrics.repository';

@Module({
  imports: [RulesModule, DeliveryModule],
  providers: [MetricsRepository, AlertStateRepository, EvaluationService, EvaluationEventsController],
  exports: [EvaluationService],
})
export class EvaluationModule {}
