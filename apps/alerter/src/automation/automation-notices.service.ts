import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { localWeekHour } from '@ams/contracts';
import { AlerterEnv } from '../config/alerter.env';
import type { AutomationNotice } from '../delivery/notification.logic';
import { OutboxSenderService } from '../delivery/outbox-sender.service';
import { AutomationRepository } from './automation.repository';

interface SettledRow {
  id: string;
  kind: string;
  state: string;
  mode: string;
  advertiser_id: string;
  ad_product: string;
  reason: string;
  state_reason: string | null;
  value_before: string;
  value_asked: string;
  value_after: string | null;
  field: string;
  decided_by: string | null;
  amazon_request_ids: string[];
  rule_id: string | null;
  rule_name: string | null;
  destination: string | null;
}

const TITLES: Record<string, string> = {
  done: '✅ Done',
  failed: '❌ Failed',
  blocked: '⛔ Blocked',
  superseded: '↪️ Re-judged, not sent',
  expired: '⌛ Expired without approval',
  rejected: '🚫 Rejected',
};

/**
 * Slack messages about automation after the connector settled actions (one per action, however often the event is
 * redelivered: the outbox's unique (action, kind) index), and the daily digest per advertiser: what automation did
 * and what it would have done in dry-run, posted once per local day at AUTOMATION_DIGEST_LOCAL_HOUR.
 */
@Injectable()
export class AutomationNoticesService {
  private readonly logger = new Logger(AutomationNoticesService.name);

  constructor(
    private readonly env: AlerterEnv,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: AutomationRepository,
    private readonly sender: OutboxSenderService,
  ) {}

  async onSettled(ids: string[], now = new Date()): Promise<number> {
    if (ids.length === 0) return 0;
    let written = 0;
    await this.ds.transaction(async (em) => {
      const rows = (await em.query(
        `SELECT a.id::text, a.kind, a.state, a.mode, a.advertiser_id, a.ad_product, a.reason, a.state_reason, a.value_before,
                a.value_asked, a.value_after, a.field, a.decided_by, a.amazon_request_ids, a.rule_id::text, r.name AS rule_name,
                r.destination
           FROM automation_action a LEFT JOIN action_rule r ON r.id = a.rule_id
          WHERE a.id = ANY($1::bigint[]) AND a.state IN ('done', 'failed', 'blocked', 'superseded', 'expired', 'rejected')`,
        [ids],
      )) as SettledRow[];
      for (const r of rows) {
        const title = `${TITLES[r.state] ?? r.state}: ${r.reason.split(' because ')[0]}`;
        const lines = [
          r.state === 'done'
            ? `Amazon now reports ${r.value_after ?? r.value_asked} (was ${r.value_before}).`
            : `Not changed at Amazon${r.state_reason ? `: ${r.state_reason}` : ''}.`,
          `Why: ${r.reason}.`,
          r.kind === 'revert'
            ? `A revert${r.decided_by ? ` asked by ${r.decided_by}` : ''}.`
            : `Rule “${r.rule_name ?? '?'}” (#${r.rule_id ?? '?'}), ${r.mode}${r.decided_by ? `, decided by ${r.decided_by}` : ''}.`,
          ...(r.amazon_request_ids.length ? [`Amazon request id: ${r.amazon_request_ids.join(', ')}`] : []),
          ...(r.state === 'done' ? [`Undo: POST /v1/actions/${r.id}/revert`] : []),
        ];
        const notice: AutomationNotice = {
          v: 1,
          kind: 'action_result',
          actionId: r.id,
          advertiserId: r.advertiser_id,
          title,
          lines,
          at: now.toISOString(),
        };
        if (await this.repo.enqueueNotice(em, r.id, 'action_result', r.destination ?? 'default', notice, now))
          written++;
      }
    });
    if (written) this.sender.kick();
    return written;
  }

  /** Yesterday's digest of each advertiser with actions, once its local hour has come. */
  async digests(now = new Date()): Promise<number> {
    const advertisers = (await this.ds.query(
      `SELECT DISTINCT a.advertiser_id, p.time_zone
         FROM automation_action a JOIN ads_profile p ON p.profile_id = a.profile_id
        WHERE a.created_at > now() - interval '3 days'`,
    )) as Array<{ advertiser_id: string; time_zone: string }>;
    let posted = 0;
    const seen = new Set<string>();
    for (const { advertiser_id: advertiserId, time_zone: timeZone } of advertisers) {
      if (seen.has(advertiserId)) continue;
      seen.add(advertiserId);
      const local = localWeekHour(now, timeZone);
      if (local.hour < this.env.AUTOMATION_DIGEST_LOCAL_HOUR) continue;
      const yesterday = localWeekHour(new Date(now.getTime() - 86_400_000), timeZone).date;
      await this.ds.transaction(async (em) => {
        const counts = (await em.query(
          `SELECT state, mode, count(*)::int AS n, coalesce(sum(budget_increase), 0)::text AS increase,
                  (array_agg(reason ORDER BY id))[1:5] AS examples
             FROM automation_action WHERE advertiser_id = $1 AND local_date = $2::date GROUP BY state, mode ORDER BY state, mode`,
          [advertiserId, yesterday],
        )) as Array<{ state: string; mode: string; n: number; increase: string; examples: string[] }>;
        if (counts.length === 0) return;
        if (!(await this.repo.claimDigest(em, advertiserId, yesterday))) return;
        const did = counts.filter((c) => c.state === 'done');
        const would = counts.filter((c) => c.state === 'dry_run');
        const other = counts.filter((c) => c.state !== 'done' && c.state !== 'dry_run');
        const sum = (cs: typeof counts) => cs.reduce((s, c) => s + c.n, 0);
        const lines = [
          `Executed at Amazon: ${sum(did)}${did.length ? ` (budget added ${did.map((c) => c.increase).join(' + ')})` : ''}.`,
          ...did.flatMap((c) => c.examples.map((e) => `• ${e}`)),
          `Would have done in dry-run: ${sum(would)}.`,
          ...would.flatMap((c) => c.examples.map((e) => `• ${e}`)),
          ...(other.length ? [`Other: ${other.map((c) => `${c.n} ${c.state}`).join(', ')}.`] : []),
          `Details: GET /v1/actions?advertiserId=${advertiserId}`,
        ];
        const notice: AutomationNotice = {
          v: 1,
          kind: 'digest',
          actionId: null,
          advertiserId,
          title: `📋 Automation on ${yesterday} (local) for advertiser ${advertiserId}`,
          lines,
          at: now.toISOString(),
        };
        await this.repo.enqueueNotice(em, null, 'digest', 'default', notice, now);
        posted++;
      });
    }
    if (posted) {
      this.logger.log({ posted }, 'automation digests queued');
      this.sender.kick();
    }
    return posted;
  }
}
