import { DataSource, EntityManager } from 'typeorm';
import { addDecimal, divideDecimal, multiplyDecimal } from '@ams/ams';
import {
  actionRuleProblems,
  ActionRuleCreateRequestV1,
  type ActionState,
  type BudgetScopeV1,
  type TouchedHourV1,
  validatePayload,
} from '@ams/contracts';
import { advertiserProfileLateralSql, advertiserWindowMetricSql } from '@ams/db';
import { JetStreamService } from '@ams/platform';
import { AlerterEnv } from '../config/alerter.env';
import { Destinations } from '../delivery/destinations.logic';
import { OutboxSenderService } from '../delivery/outbox-sender.service';
import { OutboxRepository } from '../delivery/outbox.repository';
import { PacingService } from '../evaluation/pacing.service';
import { MetricsRepository } from '../evaluation/metrics.repository';
import { HOUR_MS } from '../evaluation/window.logic';
import { ActionRulesRepository } from '../automation/action-rules.repository';
import { actionRuleDraft } from '../automation/action-rules.service';
import { AutomationRepository } from '../automation/automation.repository';
import { AutomationService, type JudgeContext, utcOffsetMinutes } from '../automation/automation.service';

/** The longest history one backtest replays (hours). */
export const MAX_BACKTEST_HOURS = 24 * 92;

export interface BacktestOptions {
  rule: ActionRuleCreateRequestV1;
  /** an instant (ISO with a time) or a date (YYYY-MM-DD: the advertiser's local midnight) */
  from: string;
  /** exclusive, as `from` */
  to: string;
  /** judge the rule for this advertiser instead of the file's */
  advertiserId?: string;
  /** the spend and sales before and after each action, over this many hours (default 6) */
  windowHours?: number;
}

export interface WindowFigures {
  spend: string;
  sales: string;
  /** percent, 2 decimals; null without sales */
  acos: string | null;
}

export interface BacktestAction {
  id: string;
  kind: string;
  /** when the rule would have acted (UTC ISO) */
  at: string;
  /** the same in the advertiser's time zone, `YYYY-MM-DD HH:MM` */
  local: string;
  entityType: string;
  entityId: string;
  entityName: string | null;
  field: string;
  valueBefore: string;
  valueAsked: string;
  state: ActionState;
  /** the guard that blocked it */
  blockedBy: string | null;
  budgetIncrease: string;
  reason: string;
  /** the hour boundary nearest the action: `before` ends there, `after` starts there */
  pivot: string;
  before: WindowFigures;
  after: WindowFigures;
}

export interface BacktestReport {
  rule: { name: string; advertiserId: string; entityLevel: string; trigger: string; action: string };
  from: string;
  to: string;
  timeZone: string;
  hours: number;
  windowHours: number;
  /** judge calls made: hours (metric, schedule) or budget-usage instants (budget) */
  judged: number;
  actions: BacktestAction[];
  totals: {
    actions: number;
    wouldAct: number;
    blocked: number;
    /** guard name (the reason up to its first colon) → count */
    blockedBy: Record<string, number>;
    /** the budget the actions that were not blocked add (money) */
    budgetAdded: string;
  };
}

export class BacktestInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BacktestInputError';
  }
}

/** A rule file's JSON as an action rule create request, or the problems, each starting with the field it names. */
export function parseBacktestRule(
  json: unknown,
): { ok: true; rule: ActionRuleCreateRequestV1 } | { ok: false; problems: string } {
  const v = validatePayload(ActionRuleCreateRequestV1, json, { refuseUnknownFields: true, noun: 'action rule' });
  if (!v.ok) return { ok: false, problems: v.reason };
  const problems = actionRuleProblems({ ...actionRuleDraft(v.value), guards: v.value.guards });
  return problems.length ? { ok: false, problems: problems.join('; ') } : { ok: true, rule: v.value };
}

/**
 * Replays stored history hour by hour through the alerter's own judges (AutomationService) and reports what a rule
 * would have done. Everything happens in one transaction that is rolled back: the rule (forced to dry_run, so the
 * guards count its proposals as executed), its proposals, their notices and dayparting bases leave nothing behind.
 */
export class Backtest {
  constructor(
    private readonly ds: DataSource,
    private readonly automation: AutomationService,
    private readonly rules: ActionRulesRepository,
  ) {}

  async run(opts: BacktestOptions): Promise<BacktestReport> {
    const windowHours = opts.windowHours ?? 6;
    const req: ActionRuleCreateRequestV1 = {
      ...opts.rule,
      advertiserId: opts.advertiserId ?? opts.rule.advertiserId,
      mode: 'dry_run',
      enabled: true,
    };
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      const em = qr.manager;
      const timeZone = await this.timeZone(em, req.advertiserId);
      const from = hourFloor(instant(opts.from, timeZone, '--from'));
      const to = hourFloor(instant(opts.to, timeZone, '--to'));
      const hours = (to - from) / HOUR_MS;
      if (hours < 1) throw new BacktestInputError('--to: must be at least an hour after --from');
      if (hours > MAX_BACKTEST_HOURS) {
        throw new BacktestInputError(`--to: at most ${MAX_BACKTEST_HOURS} hours after --from (got ${hours})`);
      }
      const rule = await this.rules.insert(actionRuleDraft(req), em);
      const ctx: JudgeContext = { em, ignorePipelineGuards: true, replay: true, ruleId: rule.id };
      let judged = 0;
      if (rule.trigger.type === 'metric') {
        const touched = await this.touchedHours(em, rule.advertiserId, from, to);
        for (let h = from; h < to; h += HOUR_MS) {
          const t = touched.get(h);
          if (!t) continue;
          // the hour's data is complete at its end, still inside the windows that hold the hour
          await this.automation.onPerfUpdated(t, new Date(h + HOUR_MS - 1000), ctx);
          judged++;
        }
      } else if (rule.trigger.type === 'budget') {
        for (const [at, scopes] of await this.budgetInstants(
          em,
          rule.advertiserId,
          from,
          to,
          rule.trigger.usageAtLeast,
        )) {
          await this.automation.onBudgetUpdated(scopes, new Date(at), ctx);
          judged++;
        }
      } else {
        for (let h = from; h < to; h += HOUR_MS) {
          await this.automation.onSchedule(new Date(h), ctx);
          judged++;
        }
      }
      const actions = await this.proposals(em, rule.id, timeZone, windowHours);
      return {
        rule: {
          name: rule.name,
          advertiserId: rule.advertiserId,
          entityLevel: rule.entityLevel,
          trigger: rule.trigger.type,
          action: rule.action.type,
        },
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        timeZone,
        hours,
        windowHours,
        judged,
        actions,
        totals: totalsOf(actions),
      };
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  }

  private async timeZone(em: EntityManager, advertiserId: string): Promise<string> {
    const [row] = (await em.query(`${advertiserProfileLateralSql('$1', ['time_zone'])}`, [advertiserId])) as Array<{
      time_zone: string;
    }>;
    if (!row) {
      throw new BacktestInputError(`advertiserId: no Ads API profile of advertiser ${advertiserId} (ads_profile)`);
    }
    return row.time_zone;
  }

  /** Per UTC hour, the campaigns of the advertiser with facts in it (what perf.hourly.updated would have named). */
  private async touchedHours(
    em: EntityManager,
    advertiserId: string,
    from: number,
    to: number,
  ): Promise<Map<number, TouchedHourV1[]>> {
    const rows = (await em.query(
      `SELECT DISTINCT hour_start, campaign_id, utc_offset_minutes FROM hourly_fact
        WHERE advertiser_id = $1 AND hour_start >= $2 AND hour_start < $3 ORDER BY hour_start, campaign_id`,
      [advertiserId, new Date(from), new Date(to)],
    )) as Array<{ hour_start: Date; campaign_id: string; utc_offset_minutes: number }>;
    const out = new Map<number, TouchedHourV1[]>();
    for (const r of rows) {
      const h = r.hour_start.getTime();
      const list = out.get(h) ?? [];
      list.push({
        advertiserId,
        campaignId: r.campaign_id,
        hourStart: r.hour_start.toISOString(),
        utcOffsetMinutes: r.utc_offset_minutes,
      });
      out.set(h, list);
    }
    return out;
  }

  /**
   * The instants campaign budget usage was reported at or above the rule's level, each with its campaigns (what
   * budget.usage.updated would have named then); lower usage can never fire the trigger.
   */
  private async budgetInstants(
    em: EntityManager,
    advertiserId: string,
    from: number,
    to: number,
    usageAtLeast: string | undefined,
  ): Promise<Map<number, BudgetScopeV1[]>> {
    const rows = (await em.query(
      `SELECT usage_updated_at, marketplace_id, budget_scope_id FROM budget_usage_event
        WHERE advertiser_id = $1 AND budget_scope_type = 'CAMPAIGN' AND usage_updated_at >= $2 AND usage_updated_at < $3
          AND usage_percentage >= $4::numeric
        ORDER BY usage_updated_at, budget_scope_id`,
      [advertiserId, new Date(from), new Date(to), usageAtLeast ?? '100'],
    )) as Array<{ usage_updated_at: Date; marketplace_id: string; budget_scope_id: string }>;
    const out = new Map<number, BudgetScopeV1[]>();
    for (const r of rows) {
      const at = r.usage_updated_at.getTime();
      const list = out.get(at) ?? [];
      list.push({
        advertiserId,
        marketplaceId: r.marketplace_id,
        budgetScopeType: 'CAMPAIGN',
        budgetScopeId: r.budget_scope_id,
      });
      out.set(at, list);
    }
    return out;
  }

  private async proposals(
    em: EntityManager,
    ruleId: string,
    timeZone: string,
    windowHours: number,
  ): Promise<BacktestAction[]> {
    const rows = (await em.query(
      `SELECT id::text, kind, created_at, entity_type, entity_id, entity_name, advertiser_id, campaign_id, ad_group_id,
              field, value_before, value_asked, state, state_reason, budget_increase::text AS budget_increase, reason
         FROM automation_action WHERE rule_id = $1 ORDER BY created_at, automation_action.id`,
      [ruleId],
    )) as Array<{
      id: string;
      kind: string;
      created_at: Date;
      entity_type: string;
      entity_id: string;
      entity_name: string | null;
      advertiser_id: string;
      campaign_id: string | null;
      ad_group_id: string | null;
      field: string;
      value_before: string;
      value_asked: string;
      state: ActionState;
      state_reason: string | null;
      budget_increase: string;
      reason: string;
    }>;
    const out: BacktestAction[] = [];
    for (const r of rows) {
      const pivot = Math.round(r.created_at.getTime() / HOUR_MS) * HOUR_MS;
      const [before, after] = await this.figures(em, r, pivot, windowHours);
      out.push({
        id: r.id,
        kind: r.kind,
        at: r.created_at.toISOString(),
        local: localMinute(r.created_at, timeZone),
        entityType: r.entity_type,
        entityId: r.entity_id,
        entityName: r.entity_name,
        field: r.field,
        valueBefore: r.value_before,
        valueAsked: r.value_asked,
        state: r.state,
        blockedBy: r.state === 'blocked' ? r.state_reason : null,
        budgetIncrease: r.budget_increase,
        reason: r.reason,
        pivot: new Date(pivot).toISOString(),
        before,
        after,
      });
    }
    return out;
  }

  /** Spend and sales of the action's entity in the `hours` hours before and after the pivot (hourly_fact). */
  private async figures(
    em: EntityManager,
    a: {
      advertiser_id: string;
      entity_type: string;
      entity_id: string;
      campaign_id: string | null;
      ad_group_id: string | null;
    },
    pivot: number,
    hours: number,
  ): Promise<[WindowFigures, WindowFigures]> {
    const campaignId = a.entity_type === 'campaign' ? a.entity_id : a.campaign_id;
    const adGroupId = a.entity_type === 'ad_group' ? a.entity_id : a.entity_type === 'campaign' ? null : a.ad_group_id;
    const keywordId = a.entity_type === 'keyword' || a.entity_type === 'target' ? a.entity_id : null;
    const sales = advertiserWindowMetricSql('h', 'st', 'pt.account_type', 'sales');
    const [row] = (await em.query(
      `SELECT coalesce(sum(h.cost) FILTER (WHERE h.hour_start < $5), 0)::text AS spend_before,
              coalesce(sum(${sales}) FILTER (WHERE h.hour_start < $5), 0)::text AS sales_before,
              coalesce(sum(h.cost) FILTER (WHERE h.hour_start >= $5), 0)::text AS spend_after,
              coalesce(sum(${sales}) FILTER (WHERE h.hour_start >= $5), 0)::text AS sales_after
         FROM hourly_fact h
         LEFT JOIN advertiser_setting st ON st.advertiser_id = h.advertiser_id
         LEFT JOIN LATERAL (${advertiserProfileLateralSql('h.advertiser_id', ['account_type'])}) pt ON true
        WHERE h.advertiser_id = $1 AND h.campaign_id = $2 AND ($3::text IS NULL OR h.ad_group_id = $3)
          AND ($4::text IS NULL OR h.keyword_id = $4)
          AND h.hour_start >= $6 AND h.hour_start < $7`,
      [
        a.advertiser_id,
        campaignId,
        adGroupId,
        keywordId,
        new Date(pivot),
        new Date(pivot - hours * HOUR_MS),
        new Date(pivot + hours * HOUR_MS),
      ],
    )) as Array<{ spend_before: string; sales_before: string; spend_after: string; sales_after: string }>;
    return [withAcos(row.spend_before, row.sales_before), withAcos(row.spend_after, row.sales_after)];
  }
}

/** The backtest with the alerter's own repositories and judge, on this DataSource (nothing is started). */
export function createBacktest(env: AlerterEnv, ds: DataSource): Backtest {
  const rules = new ActionRulesRepository(ds);
  // never used by a judge given a transaction (it neither announces queued actions nor kicks the outbox sender);
  // constructed unconnected and never bootstrapped
  const messaging = new JetStreamService({
    url: env.NATS_URL,
    prefix: env.NATS_PREFIX,
    connectionName: 'alerter-backtest',
  });
  const sender = new OutboxSenderService(
    env,
    new OutboxRepository(ds),
    new Destinations(env.SLACK_WEBHOOK_URL, env.SLACK_WEBHOOKS),
  );
  const automation = new AutomationService(
    env,
    ds,
    rules,
    new AutomationRepository(),
    new MetricsRepository(),
    messaging,
    sender,
    new PacingService(env),
  );
  return new Backtest(ds, automation, rules);
}

function withAcos(spend: string, sales: string): WindowFigures {
  const ratio = divideDecimal(spend, sales, 6);
  return {
    spend: cents(spend),
    sales: cents(sales),
    acos: ratio === null ? null : cents(multiplyDecimal(ratio, '100')),
  };
}

function cents(v: string): string {
  return divideDecimal(v, '1', 2) as string;
}

function totalsOf(actions: BacktestAction[]): BacktestReport['totals'] {
  const blockedBy: Record<string, number> = {};
  let budgetAdded = '0';
  for (const a of actions) {
    if (a.blockedBy !== null) {
      const guard = a.blockedBy.split(':')[0];
      blockedBy[guard] = (blockedBy[guard] ?? 0) + 1;
    } else budgetAdded = addDecimal(budgetAdded, a.budgetIncrease);
  }
  const blocked = actions.filter((a) => a.blockedBy !== null).length;
  return {
    actions: actions.length,
    wouldAct: actions.length - blocked,
    blocked,
    blockedBy,
    budgetAdded: cents(budgetAdded),
  };
}

function hourFloor(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** An ISO instant with a time (UTC without an offset), or a date: the advertiser's local midnight of that day. */
function instant(text: string, timeZone: string, option: string): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const utcMidnight = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    const guess = utcMidnight - utcOffsetMinutes(timeZone, new Date(utcMidnight)) * 60_000;
    return utcMidnight - utcOffsetMinutes(timeZone, new Date(guess)) * 60_000;
  }
  // without an offset: UTC (never the machine's zone)
  const iso = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw new BacktestInputError(`${option}: "${text}" is neither YYYY-MM-DD nor an ISO instant`);
  return ms;
}

function localMinute(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
