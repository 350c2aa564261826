import { DynamicModule, Module } from '@nestjs/common';
import { AggregatorEnv } from '../config/aggregator.env';
import { PerfEventsConsumerService } from './perf-events-consumer.service';
import { RollupRepository } from './rollup.repository';
import { RollupService } from './rollup.service';
import { sweepSchedulerFor } from './sweep.scheduler';
import { SweepService } from './sweep.service';

/** Rollups of hourly_fact: event-driven recomputes, scheduled sweeps. Needs ScheduleModule.forRoot() in the app. */
@Module({})
export class RollupModule {
  static register(env: AggregatorEnv): DynamicModule {
    return {
      module: RollupModule,
      providers: [RollupRepository, RollupService, SweepService, PerfEventsConsumerService, sweepSchedulerFor(env)],
      exports: [RollupService, SweepService, PerfEventsConsumerService, RollupRepository],
    };
  }
}
