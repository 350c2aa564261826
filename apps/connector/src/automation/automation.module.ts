import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module';
import { ActionExecutorService } from './action-executor.service';
import { ActionsEventsController } from './actions.events.controller';
import { ActionsRepository } from './actions.repository';
import { AutomationCommandsController } from './automation.commands.controller';
import { AutomationSettingsRepository } from './automation-settings.repository';
import { EntityWritersService } from './entity-writers.service';

/** Guarded automation at Amazon: the executor of queued actions, the operator's decisions and the kill switch. */
@Module({
  imports: [ConnectionModule],
  providers: [
    ActionsRepository,
    AutomationSettingsRepository,
    EntityWritersService,
    ActionExecutorService,
    ActionsEventsController,
    AutomationCommandsController,
  ],
  exports: [ActionExecutorService, AutomationSettingsRepository],
})
export class AutomationModule {}
