import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { TouchedHourV1 } from '@ams/contracts';
import { AlerterEnv } from '../config/alerter.env';
import { EvaluationService, type EvaluationOutcome } from './evaluation.service';

/**
 * Pacing on every fact update, off the hot paths: the perf consumer hands over the campaigns its batch touched (after
 * its own evaluation, so the processor and the KPI rules never wait for a projection) and this re-judges the pacing
 * rules of those with a campaign budget usage today, at most once every ALERT_PACING_REFRESH_MS: campaigns touched
 * meanwhile are merged into the next run (a burst of 1,000 events on one campaign is one projection). A run that
 * fails keeps its campaigns for the next one. The work is derived and idempotent: a restart loses at most one
 * interval's pending campaigns, which the next fact or usage event of each brings back.
 */
@Injectable()
export class PacingRefreshService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PacingRefreshService.name);
  private readonly pending = new Map<string, { advertiserId: string; campaignId: string }>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastRunAt = 0;
  private stopped = false;
  /** runs done (for tests and the debug log) */
  runs = 0;

  constructor(
    private readonly env: AlerterEnv,
    private readonly evaluation: EvaluationService,
  ) {}

  touched(hours: ReadonlyArray<Pick<TouchedHourV1, 'advertiserId' | 'campaignId'>>): void {
    if (this.stopped) return;
    for (const t of hours)
      this.pending.set(`${t.advertiserId}\u0000${t.campaignId}`, {
        advertiserId: t.advertiserId,
        campaignId: t.campaignId,
      });
    this.schedule();
  }

  get pendingCampaigns(): number {
    return this.pending.size;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped || this.timer || this.running || this.pending.size === 0) return;
    const wait = Math.max(0, this.lastRunAt + this.env.ALERT_PACING_REFRESH_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.run().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, wait);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    const campaigns = [...this.pending.values()];
    this.pending.clear();
    this.lastRunAt = Date.now();
    try {
      const outcome: EvaluationOutcome = await this.evaluation.onFactsUpdated(campaigns);
      this.runs++;
      this.logger.debug({ campaigns: campaigns.length, judged: outcome.judged }, 'pacing re-judged on new facts');
    } catch (err) {
      for (const c of campaigns) this.pending.set(`${c.advertiserId}\u0000${c.campaignId}`, c);
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'pacing refresh failed');
    }
  }
}
