import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  ACTIONS_QUEUED,
  actionField,
  type ActionConditionV1,
  type ActionField,
  type ActionKind,
  type ActionTriggerV1,
  askedValue,
  budgetIncrease,
  type BudgetScopeV1,
  daypartWindowAt,
  describeChange,
  describeTrigger,
  localWeekHour,
  toCents,
  type TouchedHourV1,
  judgeGuards,
} from '@ams/contracts';
import { automationConnectionHealthy, readAutomationFacts, TRIGGER_DATASETS } from '@ams/db';
import { JetStreamService } from '@ams/platform';
import { compareDecimal } from '@ams/ams';
import { addDays, clockText, estimateCapCost, localClock, parseMoney } from '@ams/forecast';
import { AlerterEnv } from '../config/alerter.env';
import { OutboxSenderService } from '../delivery/outbox-sender.service';
import type { AutomationNotice } from '../delivery/notification.logic';
import { judgeWindow, type WindowParts } from '../evaluation/condition.logic';
import { cappedCampaigns } from '../evaluation/cap-digest.service';
import { MetricsRepository, type SumUnit } from '../evaluation/metrics.repository';
import { PacingService } from '../evaluation/pacing.service';
import { baselineBounds, HOUR_MS, latestSettledWindow, windowOf, type EvalWindow } from '../evaluation/window.logic';
import { type ActionRule, ActionRulesRepository } from './action-rules.repository';
import { type ActionCandidate, AutomationRepository } from './automation.repository';

/** The UTC offset (minutes) of an IANA zone at an instant. */
export function utcOffsetMinutes(timeZone: string, at: Date): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}

interface ConditionResult {
  metric: string;
  condition: string;
  threshold: string;
  window: string;
  value: string | null;
  baseline: string | null;
  status: 'breach' | 'ok' | 'insufficient';
  note: string | null;
  parts: WindowParts;
}

interface Proposal {
  kind: ActionKind;
  decisionKey: string;
  why: string;
  triggerData: Record<string, unknown>;
  /** dayparting: the multiplier on the base (or "1" to restore) */
  multiplier?: string;
  /** dayparting: the base value the multiplier applies to */
  base?: string;
}

export interface AutomationOutcome {
  proposed: number;
  queued: string[];
}

/**
 * How a caller other than the event handlers runs the judges (the backtest). Without it, each advertiser's decisions
 * are their own transaction under the advertiser's lock, and queued actions are announced.
 */
export interface JudgeContext {
  /** Judge inside this transaction, which the caller ends: nothing is announced (ACTIONS_QUEUED, the outbox kick). */
  em?: EntityManager;
  /** Judge the rule, not the pipeline's health then: the freshness and connection guards pass. */
  ignorePipelineGuards?: boolean;
  /**
   * `now` is a past instant being replayed, in a transaction the caller rolls back: budget usage as of `now` (from
   * `budget_usage_event`), proposals stamped at `now`, no advertiser lock (nothing of it is ever seen by others).
   */
  replay?: boolean;
  /** Only this rule (the others stay as they are). */
  ruleId?: string;
}

const ZERO: WindowParts = { impressions: '0', clicks: '0', cost: '0', orders: '0', sales: '0' };

/**
 * Judges action rules and writes their proposals. Each advertiser's decisions are one transaction under the
 * advertiser's advisory lock: the guards' counts (per entity, per day, the daily cap) see every proposal another
 * replica committed before, and the proposal, its Slack notice and its outbox state commit together. A decision
 * judged twice (a redelivered event, two replicas) has the same decision key and is written once.
 */
@Injectable()
export class AutomationService {
  private readonly logger = new Logger(AutomationService.name);

  constructor(
    private readonly env: AlerterEnv,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly rules: ActionRulesRepository,
    private readonly repo: AutomationRepository,
    private readonly metrics: MetricsRepository,
    private readonly messaging: JetStreamService,
    private readonly sender: OutboxSenderService,
    private readonly pacing: PacingService,
  ) {}

  /** Budget triggers: campaigns whose usage reached the rule's level (before its local hour). */
  async onBudgetUpdated(scopes: BudgetScopeV1[], now = new Date(), ctx: JudgeContext = {}): Promise<AutomationOutcome> {
    const campaigns = scopes.filter((s) => s.budgetScopeType === 'CAMPAIGN');
    if (campaigns.length === 0) return { proposed: 0, queued: [] };
    const rules = await this.enabled(['budget'], [...new Set(campaigns.map((s) => s.advertiserId))], ctx);
    if (rules.length === 0) return { proposed: 0, queued: [] };
    const byAdvertiser = groupBy(campaigns, (s) => s.advertiserId);
    return this.perAdvertiser([...byAdvertiser.keys()], ctx, async (em, advertiserId, out) => {
      const usage = await this.metrics.budgetUsage(em, byAdvertiser.get(advertiserId) ?? [], ctx.replay ? now : null);
      for (const rule of rules.filter((r) => r.advertiserId === advertiserId)) {
        const ids = usage.map((u) => u.budgetScopeId);
        const candidates = await this.repo.candidates(em, {
          advertiserId,
          level: 'campaign',
          adProducts: rule.adProducts,
          campaignId: rule.scopeType === 'campaign' ? rule.scopeId : null,
          entityIds: ids,
        });
        for (const c of candidates) {
          const u = usage.find((x) => x.budgetScopeId === c.entityId);
          if (!u) continue;
          const level = rule.trigger.usageAtLeast ?? '100';
          if (compareDecimal(u.usagePercentage, level) < 0) continue;
          const reached = localWeekHour(u.usageUpdatedAt, c.timeZone);
          // a past local day's usage is history: today's budget is not raised for yesterday's cap
          if (reached.date !== localWeekHour(now, c.timeZone).date) continue;
          if (rule.trigger.beforeLocalHour !== undefined && reached.hour >= rule.trigger.beforeLocalHour) continue;
          const also = await this.judgeAll(em, rule.trigger.also ?? [], c, now, ctx);
          if (also.some((a) => a.status !== 'breach')) continue;
          const at = `${reached.date} ${String(reached.hour).padStart(2, '0')}:${minuteOf(u.usageUpdatedAt, c.timeZone)}`;
          const alsoText = also.map((a) => `${a.metric} ${a.value ?? a.note} over ${a.window}`).join(', ');
          await this.propose(em, rule, c, now, out, ctx, {
            kind: 'rule',
            decisionKey: `r${rule.id}:campaign:${c.entityId}:${reached.date}:b${toCents(u.budget)}`,
            why: `${describeTrigger(rule.trigger)}: usage ${u.usagePercentage} % of ${toCents(u.budget)} at ${at} local${alsoText ? `, ${alsoText}` : ''}`,
            triggerData: {
              budgetUsage: {
                percentage: u.usagePercentage,
                budget: u.budget,
                at: u.usageUpdatedAt.toISOString(),
                local: at,
              },
              conditions: also,
            },
          });
        }
      }
    });
  }

  /** Metric triggers: the current window of the touched campaigns' entities at the rule's level. */
  async onPerfUpdated(touched: TouchedHourV1[], now = new Date(), ctx: JudgeContext = {}): Promise<AutomationOutcome> {
    if (touched.length === 0) return { proposed: 0, queued: [] };
    const rules = await this.enabled(['metric'], [...new Set(touched.map((t) => t.advertiserId))], ctx);
    if (rules.length === 0) return { proposed: 0, queued: [] };
    const byAdvertiser = groupBy(touched, (t) => t.advertiserId);
    return this.perAdvertiser([...byAdvertiser.keys()], ctx, async (em, advertiserId, out) => {
      const campaigns = [...new Set((byAdvertiser.get(advertiserId) ?? []).map((t) => t.campaignId))];
      for (const rule of rules.filter((r) => r.advertiserId === advertiserId)) {
        const condition = rule.trigger.condition as ActionConditionV1;
        for (const campaignId of campaigns) {
          if (rule.scopeType === 'campaign' && rule.scopeId !== campaignId) continue;
          const candidates = await this.repo.candidates(em, {
            advertiserId,
            level: rule.entityLevel,
            adProducts: rule.adProducts,
            campaignId,
            adGroupId: rule.scopeType === 'ad_group' ? rule.scopeId : null,
          });
          for (const c of candidates) {
            const [main, ...also] = await this.judgeAll(em, [condition, ...(rule.trigger.also ?? [])], c, now, ctx);
            if (main.status !== 'breach' || also.some((a) => a.status !== 'breach')) continue;
            const alsoText = also.map((a) => `, ${a.metric} ${a.value ?? a.note} over ${a.window}`).join('');
            await this.propose(em, rule, c, now, out, ctx, {
              kind: 'rule',
              decisionKey: `r${rule.id}:${c.level}:${c.entityId}:${main.window}`,
              why: `${main.metric} is ${main.value ?? main.note} over ${main.window} (${condition.condition.replace('_', ' ')} ${condition.threshold})${alsoText}`,
              triggerData: { conditions: [main, ...also] },
            });
          }
        }
      }
    });
  }

  /** Dayparting: each entity's window in force at its local hour of the week; the base again when a window ends. */
  async onSchedule(now = new Date(), ctx: JudgeContext = {}): Promise<AutomationOutcome> {
    const rules = await this.enabled(['schedule'], undefined, ctx);
    const advertisers = [...new Set(rules.map((r) => r.advertiserId))];
    return this.perAdvertiser(advertisers, ctx, async (em, advertiserId, out) => {
      for (const rule of rules.filter((r) => r.advertiserId === advertiserId)) {
        const field = actionField(rule.action) as 'budget' | 'bid';
        const candidates = await this.repo.candidates(em, {
          advertiserId,
          level: rule.entityLevel,
          adProducts: rule.adProducts,
          campaignId: rule.scopeType === 'campaign' ? rule.scopeId : null,
          adGroupId: rule.scopeType === 'ad_group' ? rule.scopeId : null,
        });
        for (const c of candidates) {
          const current = valueOf(c, field);
          if (current === null) continue;
          const local = localWeekHour(now, c.timeZone);
          const w = daypartWindowAt(rule.action.windows ?? [], local.day, local.hour);
          const key = w ? `${local.date}:w${w.index}` : null;
          const row = await this.repo.daypart(em, rule.id, c);
          if (!row && !w) continue;
          if (row && row.windowKey === key) continue;
          // the base: what the entity had before the first window, or (outside any window) what it has now
          const base = row && row.windowKey !== null ? row.baseValue : current;
          const multiplier = w ? w.multiplier : '1';
          await this.repo.saveDaypart(em, rule.id, c, field, { baseValue: base, multiplier, windowKey: key });
          if (!w && !row) continue;
          const hour = `${local.day} ${String(local.hour).padStart(2, '0')}:00`;
          const window = w ? (rule.action.windows ?? [])[w.index] : null;
          await this.propose(em, rule, c, now, out, ctx, {
            kind: w ? 'rule' : 'daypart_restore',
            decisionKey: `r${rule.id}:${c.level}:${c.entityId}:${key ?? `base:${local.date}T${local.hour}`}`,
            why: w
              ? `the dayparting window ${window?.days.join(',')} ${window?.fromHour}:00–${window?.toHour}:00 local (× ${multiplier} of the base ${base}) began at ${hour}`
              : `the dayparting window ended at ${hour} local: back to the base ${base}`,
            triggerData: {
              schedule: { localDay: local.day, localHour: local.hour, window: w?.index ?? null, multiplier, base },
            },
            multiplier,
            base,
          });
        }
      }
    });
  }

  /**
   * `capped` triggers: campaigns that ran out of budget on their previous local day, when the sales the rest of that
   * day would have brought (`estimateCapCost` on the campaign's fit for the day, P50, as in the cap digest) reached
   * the rule's `minSalesLost`. Once per campaign and local day (the decision key holds the capped day).
   */
  async onCapped(now = new Date(), ctx: JudgeContext = {}): Promise<AutomationOutcome> {
    const rules = await this.enabled(['capped'], undefined, ctx);
    if (rules.length === 0) return { proposed: 0, queued: [] };
    const advertisers = [...new Set(rules.map((r) => r.advertiserId))];
    return this.perAdvertiser(advertisers, ctx, async (em, advertiserId, out) => {
      const capped = await cappedCampaigns(em, now, [advertiserId]);
      if (capped.length === 0) return;
      for (const rule of rules.filter((r) => r.advertiserId === advertiserId)) {
        const candidates = await this.repo.candidates(em, {
          advertiserId,
          level: 'campaign',
          adProducts: rule.adProducts,
          campaignId: rule.scopeType === 'campaign' ? rule.scopeId : null,
          entityIds: [...new Set(capped.map((x) => x.budget_scope_id))],
        });
        for (const c of candidates) {
          const yesterday = addDays(localWeekHour(now, c.timeZone).date, -1);
          const cap = capped.find(
            (x) => x.budget_scope_id === c.entityId && localWeekHour(x.capped_at, c.timeZone).date === yesterday,
          );
          if (!cap) continue;
          const decisionKey = `r${rule.id}:campaign:${c.entityId}:capped:${yesterday}`;
          if (await this.repo.decided(em, decisionKey)) continue;
          const at = localClock(cap.capped_at.getTime(), utcOffsetMinutes(c.timeZone, cap.capped_at)).hour;
          const { model } = await this.pacing.fit(em, advertiserId, c.entityId, yesterday);
          const cost = estimateCapCost(model, { date: yesterday, cappedAt: at, spentAtCap: parseMoney(cap.budget) });
          if (compareDecimal(cost.sales.p50, rule.trigger.minSalesLost ?? '0') < 0) continue;
          const also = await this.judgeAll(em, rule.trigger.also ?? [], c, now, ctx);
          if (also.some((a) => a.status !== 'breach')) continue;
          const alsoText = also.map((a) => `, ${a.metric} ${a.value ?? a.note} over ${a.window}`).join('');
          await this.propose(em, rule, c, now, out, ctx, {
            kind: 'rule',
            decisionKey,
            why:
              `it ran out of its budget of ${toCents(cap.budget)} at ${clockText(at)} local on ${yesterday}: ` +
              `estimated sales lost ${cost.sales.p50} (P10–P90 ${cost.sales.p10}–${cost.sales.p90}), ` +
              `at least ${rule.trigger.minSalesLost}${alsoText}`,
            triggerData: {
              capped: {
                localDate: yesterday,
                at: cap.capped_at.toISOString(),
                local: clockText(at),
                budget: cap.budget,
                salesLost: cost.sales,
                spendNotMade: cost.spend,
                minSalesLost: rule.trigger.minSalesLost,
              },
              conditions: also,
            },
          });
        }
      }
    });
  }

  private async enabled(
    types: readonly ActionTriggerV1['type'][],
    advertiserIds: readonly string[] | undefined,
    ctx: JudgeContext,
  ): Promise<ActionRule[]> {
    const rules = await this.rules.enabled(types, advertiserIds, ctx.em);
    return ctx.ruleId === undefined ? rules : rules.filter((r) => r.id === ctx.ruleId);
  }

  private async perAdvertiser(
    advertisers: string[],
    ctx: JudgeContext,
    work: (em: EntityManager, advertiserId: string, out: AutomationOutcome) => Promise<void>,
  ): Promise<AutomationOutcome> {
    const total: AutomationOutcome = { proposed: 0, queued: [] };
    for (const advertiserId of advertisers) {
      const out: AutomationOutcome = { proposed: 0, queued: [] };
      let notices = false;
      const decide = async (em: EntityManager) => {
        if (!ctx.replay) await this.repo.lockAdvertiser(em, advertiserId);
        await work(em, advertiserId, out);
        notices = out.proposed > out.queued.length;
      };
      if (ctx.em) await decide(ctx.em);
      else await this.ds.transaction(decide);
      total.proposed += out.proposed;
      total.queued.push(...out.queued);
      if (notices && !ctx.em) this.sender.kick();
    }
    if (total.queued.length && !ctx.em) {
      await this.messaging.publish(ACTIONS_QUEUED, { actionIds: total.queued, emittedAt: new Date().toISOString() });
    }
    return total;
  }

  /** Judges conditions over the entity's current window (or its latest settled one), at the entity's level. */
  private async judgeAll(
    em: EntityManager,
    conditions: readonly ActionConditionV1[],
    c: ActionCandidate,
    now: Date,
    ctx: JudgeContext,
  ): Promise<ConditionResult[]> {
    const out: ConditionResult[] = [];
    const offset = utcOffsetMinutes(c.timeZone, now);
    const hourStart = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    for (const cond of conditions) {
      const settling = cond.settlingHours ?? 0;
      const window: EvalWindow =
        settling > 0
          ? latestSettledWindow(now.getTime(), offset, cond.windowHours, settling)
          : windowOf(hourStart, offset, cond.windowHours);
      // a replay sees the hours begun by `now`, never the rest of the window that the history already holds
      const seenEndMs = Math.ceil((now.getTime() + offset * 60_000) / HOUR_MS) * HOUR_MS;
      const endMs = ctx.replay ? Math.min(window.localEndMs, seenEndMs) : window.localEndMs;
      const current = await this.sum(em, c, window.localStartMs, endMs);
      let base: WindowParts | undefined;
      if (cond.baseline) {
        const b = baselineBounds(window, cond.baseline, current.lastLocalMs ?? window.localEndMs - HOUR_MS);
        base = (await this.sum(em, c, b.localStartMs, b.localEndMs)).parts;
      }
      const j = judgeWindow(
        {
          metric: cond.metric,
          condition: cond.condition,
          threshold: cond.threshold,
          minImpressions: cond.minImpressions ?? 0,
          minClicks: cond.minClicks ?? 0,
          minSpend: cond.minSpend ?? '0',
        },
        current.parts,
        base,
      );
      out.push({
        metric: cond.metric,
        condition: cond.condition,
        threshold: cond.threshold,
        window: window.key,
        value: j.value,
        baseline: j.baseline,
        status: j.status,
        note: j.note,
        parts: current.parts,
      });
    }
    return out;
  }

  private async sum(
    em: EntityManager,
    c: ActionCandidate,
    localStartMs: number,
    localEndMs: number,
  ): Promise<{ parts: WindowParts; lastLocalMs: number | null }> {
    const keyword = c.level === 'keyword' || c.level === 'target';
    const unit: SumUnit = {
      idx: 0,
      advertiserId: c.advertiserId,
      campaignId: c.campaignId,
      localStartMs,
      localEndMs,
      adGroupId: c.level === 'ad_group' ? c.entityId : keyword ? c.adGroupId : null,
      keywordId: keyword ? c.entityId : null,
    };
    const [row] = await this.metrics.sumWindows(em, 'pinned', [unit]);
    return { parts: row?.parts ?? ZERO, lastLocalMs: row ? row.lastLocalMs : null };
  }

  /** One proposal: the asked value, the guards, the row, and its notice, in the advertiser's transaction. */
  private async propose(
    em: EntityManager,
    rule: ActionRule,
    c: ActionCandidate,
    now: Date,
    out: AutomationOutcome,
    ctx: JudgeContext,
    p: Proposal,
  ): Promise<void> {
    // judged before (a redelivered event, another replica): that decision stands
    if (await this.repo.decided(em, p.decisionKey)) return;
    const field = actionField(rule.action);
    const before = valueOf(c, field);
    if (before === null) {
      this.logger.warn(
        { rule: rule.id, entity: c.entityId, field },
        'automation: the entity has no known value: skipped',
      );
      return;
    }
    const asked =
      p.base !== undefined ? askedValue(rule.action, p.base, p.multiplier) : askedValue(rule.action, before);
    const local = localWeekHour(now, c.timeZone);
    const datasets = TRIGGER_DATASETS[rule.trigger.type];
    const facts = await readAutomationFacts(em, {
      advertiserId: c.advertiserId,
      ruleId: rule.id,
      entityType: c.level,
      entityId: c.entityId,
      localDate: local.date,
      dryRun: rule.mode === 'dry_run',
      datasets,
      defaultMaxDailyBudgetIncrease: this.env.AUTOMATION_MAX_DAILY_BUDGET_INCREASE,
    });
    const verdict = judgeGuards(
      field,
      before,
      asked,
      rule.guards,
      {
        ...facts,
        dataReceivedAt: datasets === null || ctx.ignorePipelineGuards ? now : facts.dataReceivedAt,
        freshnessHours: this.env.AUTOMATION_FRESHNESS_HOURS,
        connectionHealthy: ctx.ignorePipelineGuards || automationConnectionHealthy(facts.connectionState),
      },
      now,
      { countsTowardCaps: p.kind === 'rule' },
    );
    const value = verdict.value ?? asked;
    const state = verdict.blockedBy
      ? 'blocked'
      : rule.mode === 'dry_run'
        ? 'dry_run'
        : rule.mode === 'approval'
          ? 'pending_approval'
          : 'queued';
    const change = describeChange(c.level, c.name, c.entityId, field, before, value);
    const notes = verdict.notes.length ? ` (${verdict.notes.join('; ')})` : '';
    const reason = `${change} because ${p.why}${notes}`;
    const id = await this.repo.insertAction(em, {
      kind: p.kind,
      ruleId: rule.id,
      decisionKey: verdict.blockedBy ? `${p.decisionKey}:blocked` : p.decisionKey,
      mode: rule.mode,
      state,
      candidate: c,
      field,
      valueBefore: before,
      valueAsked: value,
      budgetIncrease: verdict.blockedBy ? '0' : budgetIncrease(field, before, value),
      reason,
      triggerData: { rule: rule.name, trigger: describeTrigger(rule.trigger), ...p.triggerData },
      stateReason: verdict.blockedBy,
      localDate: local.date,
      createdAt: ctx.replay ? now : null,
      expiresAt:
        state === 'pending_approval'
          ? new Date(now.getTime() + this.env.AUTOMATION_PROPOSAL_TTL_MINUTES * 60_000)
          : null,
    });
    if (!id) return;
    out.proposed++;
    if (state === 'queued') out.queued.push(id);
    if (state === 'dry_run' || state === 'pending_approval') {
      const notice: AutomationNotice = {
        v: 1,
        kind: 'action',
        actionId: id,
        advertiserId: c.advertiserId,
        title: state === 'dry_run' ? `🧪 Dry run: would ${change}` : `✋ Waiting for approval: ${change}`,
        lines: [
          `Because ${p.why}${notes}.`,
          `Rule “${rule.name}” (#${rule.id}), ${c.adProduct}, profile ${c.profileId}.`,
          ...(state === 'pending_approval'
            ? [
                `Approve: POST /v1/actions/${id}/approve (operator key) — expires in ${this.env.AUTOMATION_PROPOSAL_TTL_MINUTES} min.`,
              ]
            : ['Nothing was sent to Amazon: the rule is in dry_run mode.']),
        ],
        at: now.toISOString(),
      };
      await this.repo.enqueueNotice(em, id, 'action', rule.destination, notice, now);
    }
    this.logger.log(
      { action: id, rule: rule.id, state, entity: c.entityId, field, before, asked: value },
      'automation: proposal',
    );
  }
}

function valueOf(c: ActionCandidate, field: ActionField): string | null {
  if (field === 'budget') return c.budget === null ? null : toCents(c.budget);
  if (field === 'bid') return c.bid === null ? null : toCents(c.bid);
  if (c.state === 'ENABLED' || c.state === 'PAUSED') return c.state;
  return null;
}

function minuteOf(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone, minute: '2-digit' }).format(at).padStart(2, '0');
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const g = m.get(k);
    if (g) g.push(it);
    else m.set(k, [it]);
  }
  return m;
}
