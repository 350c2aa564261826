import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { MetricsRepository } from '../evaluation/metrics.repository';
import { PacingService } from '../evaluation/pacing.service';
import { ActionRulesRepository } from './action-rules.repository';
import { ActionRulesService } from './action-rules.service';
import { AutomationCommandsController } from './automation.commands.controller';
import { AutomationNoticesService } from './automation-notices.service';
import { AutomationRepository } from './automation.repository';
import { AutomationScheduler } from './automation.scheduler';
import { AutomationService } from './automation.service';

/** Action rules: their commands, the proposals from triggers and schedules, and the Slack messages about actions. */
@Module({
  imports: [DeliveryModule],
  providers: [
    MetricsRepository,
    PacingService,
    ActionRulesRepository,
    ActionRulesService,
    AutomationCommandsController,
    AutomationRepository,
    AutomationService,
    AutomationNoticesService,
    AutomationScheduler,
  ],
  exports: [AutomationService, AutomationNoticesService],
})
export class AutomationModule {}
