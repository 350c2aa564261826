import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
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
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly env: AlerterEnv,
    private readonly evaluation: EvaluationService,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.env.ALERT_STALE_CHECK_SECONDS * 1000);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const outcome = await this.evaluation.onStaleCheck();
      if (outcome.judged) this.logger.debug({ judged: outcome.judged }, 'stale-data rule judged');
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'stale-data check failed');
    }
  }
}
