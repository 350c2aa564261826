import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { CAMPAIGN_OFFSET_SQL, CURRENT_RECOMMENDATIONS_SQL, type CurrentRecommendationRow } from '@ams/db';
import { addDays, clockText, estimateCapCost, localClock, parseMoney } from '@ams/forecast';
import { PeriodicTask } from '@ams/platform';
import { AlerterEnv } from '../config/alerter.env';
import type { AutomationNotice } from '../delivery/notification.logic';
import { OutboxRepository } from '../delivery/outbox.repository';
import { OutboxSenderService } from '../delivery/outbox-sender.service';
import { MetricsRepository, nameKey } from './metrics.repository';
import { PacingService } from './pacing.service';

/**
 * Campaigns whose budget usage reached 100 % in the 50 hours before `now` (of these advertisers, or all): per campaign
 * and UTC day, the first time and the budget (for the cap digest and the automation's `capped` trigger).
 */
export async function cappedCampaigns(
  em: EntityManager,
  now: Date,
  advertiserIds: readonly string[] | null = null,
): Promise<Array<{ advertiser_id: string; budget_scope_id: string; capped_at: Date; budget: string }>> {
  return (await em.query(
    `SELECT advertiser_id, budget_scope_id, min(usage_updated_at) AS capped_at, max(budget)::text AS budget
       FROM budget_usage_event
      WHERE budget_scope_type = 'CAMPAIGN' AND usage_percentage >= 100
        AND usage_updated_at > $1::timestamptz - interval '50 hours' AND usage_updated_at <= $1::timestamptz
        AND ($2::text[] IS NULL OR advertiser_id = ANY($2::text[]))
      GROUP BY 1, 2, date_trunc('day', usage_updated_at) ORDER BY 1, 2, 3`,
    [now, advertiserIds],
  )) as Array<{ advertiser_id: string; budget_scope_id: string; capped_at: Date; budget: string }>;
}

interface Capped {
  advertiserId: string;
  campaignId: string;
  budget: string;
  cappedAt: Date;
}

/**
 * The daily digest of capped campaigns (issue 19): per advertiser, once its local hour AUTOMATION_DIGEST_LOCAL_HOUR
 * has come, the campaigns whose budget usage reached 100 % on its previous local day, when, and the sales the rest of
 * the day would have brought (`estimateCapCost` on the campaign's fit for that day: P50 with P10–P90), the total
 * first; beside it, when Amazon sent one that applies to the day (sp-budget-recommendations, the api's
 * CURRENT_RECOMMENDATIONS_SQL), Amazon's missed-sales range over its 7-day window and its suggested budget. Queued in the outbox as a notice (`kind` digest) under a per-advertiser advisory lock, once per advertiser
 * and day whatever the replicas. Judged every AUTOMATION_SCHEDULE_SECONDS with the automation digests.
 */
@Injectable()
export class CapDigestService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CapDigestService.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly env: AlerterEnv,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly pacing: PacingService,
    private readonly metrics: MetricsRepository,
    private readonly outbox: OutboxRepository,
    private readonly sender: OutboxSenderService,
  ) {
    this.task = new PeriodicTask(
      env.AUTOMATION_SCHEDULE_SECONDS * 1000,
      () => this.digests(),
      (err) => this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cap digest failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Queues the digests due now; returns how many were queued. */
  async digests(now = new Date()): Promise<number> {
    const rows = await cappedCampaigns(this.ds.manager, now);
    const byAdvertiser = new Map<string, { date: string; offset: number; capped: Capped[] }>();
    for (const r of rows) {
      const off = (await this.ds.query(CAMPAIGN_OFFSET_SQL, [r.advertiser_id, r.budget_scope_id])) as Array<{
        utc_offset_minutes: number;
      }>;
      if (off.length === 0) continue;
      const offset = Number(off[0].utc_offset_minutes);
      const local = localClock(now.getTime(), offset);
      if (local.hour < this.env.AUTOMATION_DIGEST_LOCAL_HOUR) continue;
      const yesterday = addDays(local.date, -1);
      if (localClock(r.capped_at.getTime(), offset).date !== yesterday) continue;
      const entry = byAdvertiser.get(r.advertiser_id) ?? { date: yesterday, offset, capped: [] };
      if (entry.date !== yesterday) continue;
      if (!entry.capped.some((c) => c.campaignId === r.budget_scope_id))
        entry.capped.push({
          advertiserId: r.advertiser_id,
          campaignId: r.budget_scope_id,
          budget: r.budget,
          cappedAt: r.capped_at,
        });
      byAdvertiser.set(r.advertiser_id, entry);
    }
    let posted = 0;
    for (const [advertiserId, { date, offset, capped }] of byAdvertiser) {
      const added = await this.ds.transaction(async (em) => {
        await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`cap-digest/${advertiserId}/${date}`]);
        const names = await this.metrics.entityNames(
          em,
          capped.map((c) => ({ advertiserId, entityType: 'campaign', entityId: c.campaignId })),
        );
        const recommendations = new Map(
          (
            (await em.query(CURRENT_RECOMMENDATIONS_SQL, [
              advertiserId,
              capped.map((c) => c.campaignId),
              date,
            ])) as CurrentRecommendationRow[]
          ).map((r) => [r.campaign_id, r]),
        );
        let total = 0;
        const lines: string[] = [];
        for (const c of capped) {
          const at = localClock(c.cappedAt.getTime(), offset).hour;
          const { model } = await this.pacing.fit(em, advertiserId, c.campaignId, date);
          const cost = estimateCapCost(model, { date, cappedAt: at, spentAtCap: parseMoney(c.budget) });
          total += parseMoney(cost.sales.p50);
          const name = names.get(nameKey(advertiserId, 'campaign', c.campaignId)) ?? c.campaignId;
          lines.push(
            `• ${name} ran out at ${clockText(at)}: sales lost about ${cost.sales.p50} ` +
              `(P10–P90 ${cost.sales.p10}–${cost.sales.p90}), spend not made ${cost.spend.p50}, budget ${c.budget}` +
              amazonText(recommendations.get(c.campaignId)),
          );
        }
        const notice: AutomationNotice = {
          v: 1,
          kind: 'digest',
          actionId: null,
          advertiserId,
          title: `📉 ${capped.length} campaign${capped.length === 1 ? '' : 's'} ran out of budget on ${date} (local) for advertiser ${advertiserId}`,
          lines: [
            `Estimated sales lost after the caps: about ${total.toFixed(2)} (our forecast of the rest of each day).`,
            ...lines,
            `Details: GET /v1/forecasts/budgets?advertiserId=${advertiserId}`,
          ],
          at: now.toISOString(),
        };
        return this.outbox.enqueueDigestOnce(em, notice, 'default', now);
      });
      if (added) posted++;
    }
    if (posted) {
      this.logger.log({ posted }, 'capped-campaign digests queued');
      this.sender.kick();
    }
    return posted;
  }
}

/**
 * Amazon's estimate beside ours on a digest line ('' when it sent none that applies): its missed-sales range over its
 * 7-day window (not one day, like ours: the window is named) and its suggested budget, numbers as Amazon sent them.
 */
export function amazonText(r: CurrentRecommendationRow | undefined): string {
  if (!r) return '';
  const range =
    r.missed_sales_lower !== null && r.missed_sales_upper !== null
      ? `${r.missed_sales_lower}–${r.missed_sales_upper}`
      : (r.missed_sales_lower ?? r.missed_sales_upper ?? 'not estimated');
  return `; Amazon's estimate: missed sales ${range} over ${r.start_date}…${r.end_date}, suggested budget ${r.suggested_budget}`;
}
