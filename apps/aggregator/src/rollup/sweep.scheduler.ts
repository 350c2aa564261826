import { Injectable, Logger, Type } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { AggregatorEnv } from '../config/aggregator.env';
import { SweepKind } from './rollup.scope';
import { SweepService } from './sweep.service';

/**
 * The cron jobs of the sweeps. The expressions come from the validated env, so the class is made per app
 * instance (decorators need them at definition time). Jobs run in UTC, never overlap themselves
 * (waitForCompletion), and are registered but never started when AGGREGATOR_SWEEPS_ENABLED is false.
 */
export function sweepSchedulerFor(env: AggregatorEnv): Type<unknown> {
  const disabled = !env.AGGREGATOR_SWEEPS_ENABLED;

  @Injectable()
  class SweepScheduler {
    private readonly logger = new Logger('SweepScheduler');

    constructor(private readonly sweeps: SweepService) {}

    @Cron(env.AGGREGATOR_TRAFFIC_SWEEP_CRON, { name: 'traffic-sweep', timeZone: 'UTC', waitForCompletion: true, disabled })
    traffic(): Promise<void> {
      return this.run('traffic');
    }

    @Cron(env.AGGREGATOR_CONVERSION_SWEEP_CRON, { name: 'conversion-sweep', timeZone: 'UTC', waitForCompletion: true, disabled })
    conversion(): Promise<void> {
      return this.run('conversion');
    }

    private async run(kind: SweepKind): Promise<void> {
      try {
        await this.sweeps.run(kind);
      } catch (err) {
        // already counted and logged by the sweep; the next run retries
        this.logger.debug(`${kind} sweep ended with an error: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return SweepScheduler;
}
