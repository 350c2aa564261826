import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { RulesCommandsController } from './rules.commands.controller';
import { RulesRepository } from './rules.repository';
import { RulesService } from './rules.service';

@Module({
  imports: [DeliveryModule],
  providers: [RulesRepository, RulesService, RulesCommandsController],
  exports: [RulesRepository],
})
export class RulesModule {}
