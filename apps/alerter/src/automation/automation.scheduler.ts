import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AlerterEnv } from '../config/alerter.env';
import { AutomationNoticesService } from './automation-notices.service';
import { AutomationService } from './automation.service';

/**
 * Every AUTOMATION_SCHEDULE_SECONDS: dayparting windows (no event says "an hour began") and the daily digests. Every
 * replica runs it; the advertiser locks and decision keys make a second replica find the work done.
 */
@Injectable()
export class AutomationScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AutomationScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly env: AlerterEnv,
    private readonly automation: AutomationService,
    private readonly notices: AutomationNoticesService,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(this.env.AUTOMATION_SCHEDULE_SECONDS * 1000);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(inMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule(this.env.AUTOMATION_SCHEDULE_SECONDS * 1000);
      });
    }, inMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.automation.onSchedule();
      await this.notices.digests();
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'automation schedule failed');
    }
  }
}
