import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PeriodicTask } from '@ams/platform';
import { AlerterEnv } from '../config/alerter.env';
import { EvaluationService } from './evaluation.service';

/**
 * Judges the stale-data rule every ALERT_STALE_CHECK_SECONDS (no event says "nothing arrived"). Every replica runs
 * it; the per-subscription advisory locks of the evaluation make replicas judging together take turns, and the
 * second finds the state already changed (no second notification). A failed run is logged and tried at the next tick.
 */
@Injectable()
export class StaleDataScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StaleDataScheduler.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly env: AlerterEnv,
    private readonly evaluation: EvaluationService,
  ) {
    this.task = new PeriodicTask(
      env.ALERT_STALE_CHECK_SECONDS * 1000,
      () => this.tick(),
      (err) => this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'stale-data check failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  private async tick(): Promise<void> {
    const outcome = await this.evaluation.onStaleCheck();
    if (outcome.judged) this.logger.debug({ judged: outcome.judged }, 'stale-data rule judged');
  }
}
