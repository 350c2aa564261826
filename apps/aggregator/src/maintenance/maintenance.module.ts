import { DynamicModule, Injectable, Logger, Module, Type } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { AggregatorEnv } from '../config/aggregator.env';
import { MaintenanceRepository } from './maintenance.repository';
import { MaintenanceService } from './maintenance.service';

/** The maintenance job's schedule (the expression comes from the validated env, so the class is made per app). */
function maintenanceSchedulerFor(env: AggregatorEnv): Type<unknown> {
  @Injectable()
  class MaintenanceScheduler {
    private readonly logger = new Logger('MaintenanceScheduler');

    constructor(private readonly maintenance: MaintenanceService) {}

    @Cron(env.AGGREGATOR_MAINTENANCE_CRON, {
      name: 'maintenance',
      timeZone: 'UTC',
      waitForCompletion: true,
      disabled: !env.AGGREGATOR_MAINTENANCE_ENABLED,
    })
    async run(): Promise<void> {
      try {
        await this.maintenance.run();
      } catch (err) {
        // logged and counted by the service; the next run retries
        this.logger.debug(`maintenance ended with an error: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return MaintenanceScheduler;
}

/** Partitions ahead and retention (docs/scaling.md). Needs ScheduleModule.forRoot() in the app. */
@Module({})
export class MaintenanceModule {
  /** `rollups`: the app's own RollupModule registration (the same object, so its providers exist once). */
  static register(env: AggregatorEnv, rollups: DynamicModule): DynamicModule {
    return {
      module: MaintenanceModule,
      imports: [rollups],
      providers: [MaintenanceRepository, MaintenanceService, maintenanceSchedulerFor(env)],
      exports: [MaintenanceService],
    };
  }
}
