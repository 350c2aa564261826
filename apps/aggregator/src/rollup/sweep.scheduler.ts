import { Injectable, Logger, Type } from '@nestjs/common';
import { Cron, Interval } from '@nestjs/schedule';
import { AggregatorEnv } from '../config/aggregator.env';
import { SweepKind } from './rollup.scope';
import { SweepService } from './sweep.service';

/**
 * The cron jobs of the sweeps. The expressions come from the validated env, so the class is made per app
 * instance (decorators need them at definition time). Jobs run in UTC, never overlap themselves
 * (waitForCompletion), and are registered but never started when AGGREGATOR_SWEEPS_ENABLED is false; the same
 * setting turns off the drain of rollup_pending on this replica.
 */
export function sweepSchedulerFor(env: AggregatorEnv): Type<unknown> {
  const disabled = !env.AGGREGATOR_SWEEPS_ENABLED;

  @Injectable()
  class SweepScheduler {
    private readonly logger = new Logger('SweepScheduler');

    constructor(private readonly sweeps: SweepService) {}

    @Cron(env.AGGREGATOR_TRAFFIC_SWEEP_CRON, {
      name: 'traffic-sweep',
      timeZone: 'UTC',
      waitForCompletion: true,
      disabled,
    })
    traffic(): Promise<void> {
      return this.run('traffic');
    }

    @Cron(env.AGGREGATOR_CONVERSION_SWEEP_CRON, {
      name: 'conversion-sweep',
      timeZone: 'UTC',
      waitForCompletion: true,
      disabled,
    })
    conversion(): Promise<void> {
      return this.run('conversion');
    }

    /** Lost events heal here within AGGREGATOR_PENDING_GRACE_SECONDS + this interval, on whichever replica drains. */
    @Interval('pending-drain', env.AGGREGATOR_PENDING_DRAIN_SECONDS * 1000)
    async drain(): Promise<void> {
      if (disabled || this.drainRunning) return;
      this.drainRunning = true;
      try {
        await this.sweeps.drainPending();
      } catch (err) {
        this.logger.error(`rollup_pending drain failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.drainRunning = false;
      }
    }
    private drainRunning = false;

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
