import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PeriodicTask } from '@ams/platform';
import { AlerterEnv } from '../config/alerter.env';
import { AutomationNoticesService } from './automation-notices.service';
import { AutomationService } from './automation.service';

/**
 * Every AUTOMATION_SCHEDULE_SECONDS: dayparting windows (no event says "an hour began"), `capped` triggers (what
 * capping cost yesterday) and the daily digests. Every
 * replica runs it; the advertiser locks and decision keys make a second replica find the work done.
 */
@Injectable()
export class AutomationScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AutomationScheduler.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly env: AlerterEnv,
    private readonly automation: AutomationService,
    private readonly notices: AutomationNoticesService,
  ) {
    this.task = new PeriodicTask(
      env.AUTOMATION_SCHEDULE_SECONDS * 1000,
      () => this.tick(),
      (err) =>
        this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'automation schedule failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  private async tick(): Promise<void> {
    await this.automation.onSchedule();
    await this.automation.onCapped();
    await this.notices.digests();
  }
}
