import { Module } from '@nestjs/common';
import { AutomationModule } from '../automation/automation.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { RulesModule } from '../rules/rules.module';
import { AdsHealthRepository } from './ads-health.repository';
import { AlertStateRepository } from './alert-state.repository';
import { CapDigestService } from './cap-digest.service';
import { EvaluationEventsController } from './evaluation.events.controller';
import { EvaluationService } from './evaluation.service';
import { MetricsRepository } from './metrics.repository';
import { PacingRefreshService } from './pacing-refresh.service';
import { PacingService } from './pacing.service';
import { StaleDataScheduler } from './stale-data.scheduler';

@Module({
  imports: [RulesModule, DeliveryModule, AutomationModule],
  providers: [
    MetricsRepository,
    PacingService,
    PacingRefreshService,
    CapDigestService,
    AlertStateRepository,
    AdsHealthRepository,
    EvaluationService,
    EvaluationEventsController,
    StaleDataScheduler,
  ],
  exports: [EvaluationService],
})
export class EvaluationModule {}
