import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  type AdsConnectionStatusV1,
  type BudgetScopeV1,
  CONNECTION_ALERT_METRICS,
  FORECAST_ALERT_METRICS,
  PIPELINE_ALERT_METRICS,
  type QueueStatusV1,
  type StreamSubscriptionStatusItemV1,
  type TouchedHourV1,
} from '@ams/contracts';
import { BAND_METRICS, type BandMetric, windowBand } from '@ams/forecast';
import { alerterMetrics } from '../alerter.metrics';
import { AlerterEnv } from '../config/alerter.env';
import { notificationPayload } from '../delivery/notification-payload.logic';
import { OutboxSenderService } from '../delivery/outbox-sender.service';
import { OutboxRepository } from '../delivery/outbox.repository';
import { CHANGE_CONDITIONS, type AlertRule } from '../rules/rule.logic';
import { RulesRepository } from '../rules/rules.repository';
import {
  goneJudgement,
  judgeConnection,
  judgeStaleData,
  judgeSubscriptionStatus,
  REAUTHORIZATION_ACTION,
  staleDataJudged,
  subscriptionAction,
  type SubscriptionSnapshot,
} from './ads-health.logic';
import { AdsHealthRepository, type FiringSubscriptionAlert } from './ads-health.repository';
import { type Evaluated, identityKey, identityOf, planAlertChanges, type TransitionCounts } from './alert-plan.logic';
import { AlertStateRepository, type WrittenChange } from './alert-state.repository';
import {
  type ForecastBand,
  judgeBand,
  judgeBudget,
  judgePacing,
  judgeQueue,
  judgeWindow,
  type WindowParts,
} from './condition.logic';
import {
  MetricsRepository,
  nameKey,
  type EntityRef,
  type PerfLevel,
  type SumRow,
  type SumUnit,
} from './metrics.repository';
import { type CampaignPacing, PacingService } from './pacing.service';
import { bandFacts, pacingFacts } from './pacing.logic';
import { baselineBounds, type EvalWindow, windowsToJudge } from './window.logic';

/** Lock keys (campaigns, advertisers, budget scopes) per transaction: bounds the lock table and the transaction. */
const LOCKS_PER_TRANSACTION = 200;
const ZERO: WindowParts = { impressions: '0', clicks: '0', cost: '0', orders: '0', sales: '0' };

/** Subscription status rules judged from the connector's polls (the stale-data rule is judged from the tables). */
const STATUS_METRICS: ReadonlySet<AlertRule['metric']> = new Set([
  'subscription_failed_hours',
  'subscription_pending_hours',
]);

/** The subscriptions one `ads.stream-subscriptions.status.v1` reported for one profile it covered. */
export interface ProfileSubscriptions {
  items: StreamSubscriptionStatusItemV1[];
  /** the event's time: the statuses are as of then */
  asOf: string;
}

interface PerfUnit {
  key: string;
  lockKey: string;
  rule: AlertRule;
  advertiserId: string;
  campaignId: string | null;
  window: EvalWindow;
}

export interface EvaluationOutcome {
  transitions: TransitionCounts;
  notifications: number;
  judged: number;
}

/**
 * Judges the rules for what just changed, and only that: the windows holding the touched hours (and,
 * for rules with a settling delay, the latest settled window) of the touched campaigns, or the touched
 * budget scopes. Each chunk of work is one transaction: advisory locks on the touched units, the
 * metrics read under the lock, the state changes, their history and their outbox entries.
 */
@Injectable()
export class EvaluationService {
  private readonly logger = new Logger(EvaluationService.name);

  constructor(
    private readonly env: AlerterEnv,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly rules: RulesRepository,
    private readonly metrics: MetricsRepository,
    private readonly state: AlertStateRepository,
    private readonly outbox: OutboxRepository,
    private readonly sender: OutboxSenderService,
    private readonly ads: AdsHealthRepository,
    private readonly pacing: PacingService,
  ) {}

  async onPerfUpdated(touched: TouchedHourV1[], now = new Date()): Promise<EvaluationOutcome> {
    const end = alerterMetrics.evaluationDuration.startTimer({ kind: 'perf' });
    const rules = (await this.rules.enabled()).filter((r) => r.metric !== 'budget_usage' && r.windowHours);
    const units = new Map<string, PerfUnit>();
    for (const t of touched) {
      const hourMs = Date.parse(t.hourStart);
      for (const rule of rules) {
        if (!perfInScope(rule, t)) continue;
        const policy = {
          hours: rule.windowHours as number,
          settlingHours: rule.settlingHours,
          maxAgeHours: this.env.ALERT_MAX_WINDOW_AGE_HOURS,
        };
        for (const window of windowsToJudge(hourMs, t.utcOffsetMinutes, policy, now.getTime())) {
          const campaignId = rule.entityLevel === 'advertiser' ? null : t.campaignId;
          const lockKey = `perf\u0000${t.advertiserId}\u0000${campaignId ?? '*'}`;
          const key = `${rule.id}\u0000${lockKey}\u0000${window.key}`;
          if (!units.has(key)) units.set(key, { key, lockKey, rule, advertiserId: t.advertiserId, campaignId, window });
        }
      }
    }
    const outcome = await this.inChunks([...units.values()], (em, chunk) => this.evaluatePerf(em, chunk, now));
    end();
    return outcome;
  }

  /**
   * Judges the budget rules of the touched scopes on their latest usage. `forecastOnly` (new facts, no new usage):
   * only the pacing rules, and only scopes whose usage is of the campaign's local today (the others keep their state
   * until their next usage event).
   */
  async onBudgetUpdated(
    scopes: BudgetScopeV1[],
    now = new Date(),
    o: { forecastOnly?: boolean } = {},
  ): Promise<EvaluationOutcome> {
    const end = alerterMetrics.evaluationDuration.startTimer({ kind: o.forecastOnly ? 'pacing-facts' : 'budget' });
    const rules = (await this.rules.enabled()).filter(
      (r) => (r.metric === 'budget_usage' && !o.forecastOnly) || FORECAST_ALERT_METRICS.includes(r.metric),
    );
    const unique = new Map(scopes.map((s) => [budgetLockKey(s), s]));
    const work = [...unique.entries()]
      .filter(([, s]) => rules.some((r) => budgetInScope(r, s)))
      .map(([lockKey, scope]) => ({ lockKey, scope }));
    const outcome = await this.inChunks(work, async (em, chunk) => {
      const rows = await this.metrics.budgetUsage(
        em,
        chunk.map((c) => c.scope),
      );
      const items: Evaluated[] = [];
      for (const row of rows) {
        let pacing: CampaignPacing | null | undefined;
        for (const rule of rules) {
          if (!budgetInScope(rule, row)) continue;
          const forecast = FORECAST_ALERT_METRICS.includes(rule.metric);
          if (forecast && pacing === undefined) pacing = await this.pacing.project(em, row, now);
          if (o.forecastOnly && !pacing) continue;
          const details = {
            marketplaceId: row.marketplaceId,
            budget: row.budget,
            usageUpdatedAt: row.usageUpdatedAt.toISOString(),
          };
          items.push({
            rule,
            advertiserId: row.advertiserId,
            entityType: rule.entityLevel,
            entityId: row.budgetScopeId,
            campaignId: row.budgetScopeType === 'CAMPAIGN' ? row.budgetScopeId : null,
            window: null,
            judgement: forecast
              ? judgePacing(rule, pacing?.projection ?? null)
              : judgeBudget(rule, row.usagePercentage),
            details:
              forecast && pacing
                ? { ...details, usagePercentage: row.usagePercentage, pacing: pacingDetails(pacing) }
                : details,
            name: null,
            ...(forecast && pacing ? { facts: pacingFacts(pacing) } : {}),
          });
        }
      }
      return this.applyJudged(em, items, now);
    });
    end();
    return outcome;
  }

  /**
   * New facts of campaigns (coalesced by PacingRefreshService): the pacing rules of those with a campaign budget
   * usage of the last two days are judged again, the projection as of the latest facts (see PacingService).
   */
  async onFactsUpdated(
    campaigns: Array<{ advertiserId: string; campaignId: string }>,
    now = new Date(),
  ): Promise<EvaluationOutcome> {
    const rules = (await this.rules.enabled()).filter((r) => FORECAST_ALERT_METRICS.includes(r.metric));
    if (rules.length === 0 || campaigns.length === 0)
      return {
        judged: 0,
        notifications: 0,
        transitions: { none: 0, fire: 0, refire: 0, resolve: 0, remind: 0, update: 0 },
      };
    const scopes = await this.metrics.campaignBudgetScopes(this.ds.manager, campaigns, now);
    return this.onBudgetUpdated(scopes, now, { forecastOnly: true });
  }

  /**
   * Judges the pipeline-health rules on the queues' latest status (the ingestor's `pipeline.queue.status.v1`):
   * one alert per rule and queue, advertiser '' (the pipeline belongs to no advertiser). A value that is not known
   * (attributes unreadable; a source queue's oldest age while it holds messages nobody received) is not judged,
   * so the alert keeps its state; an empty queue's age is 0.
   */
  async onQueueStatus(queues: QueueStatusV1[], now = new Date()): Promise<EvaluationOutcome> {
    const end = alerterMetrics.evaluationDuration.startTimer({ kind: 'pipeline' });
    const rules = (await this.rules.enabled()).filter((r) => PIPELINE_ALERT_METRICS.includes(r.metric));
    const latest = new Map(queues.map((q) => [q.queue, q]));
    const work = [...latest.values()].map((q) => ({ lockKey: `pipeline\u0000${q.queue}`, q }));
    const outcome = await this.inChunks(work, async (em, chunk) => {
      const items: Evaluated[] = [];
      for (const { q } of chunk) {
        for (const rule of rules) {
          const value = queueValue(rule.metric, q);
          if (value === null) continue;
          items.push({
            rule,
            advertiserId: '',
            entityType: 'queue',
            entityId: q.queue,
            campaignId: null,
            window: null,
            judgement: judgeQueue(rule, value),
            details: { queue: q.queue, deadLetterQueue: q.deadLetter?.queue ?? null, checkedAt: q.checkedAt },
            name: q.queue,
          });
        }
      }
      return this.applyJudged(em, items, now);
    });
    end();
    return outcome;
  }

  /**
   * Judges the connection rule on the connector's `ads.connection.status.v1`: one alert, entity `connection/default`, no
   * advertiser. Fires on `needs_reauthorization`, resolves on `authorized` (or `unconfigured`); other states keep it.
   */
  async onConnectionStatus(status: AdsConnectionStatusV1, now = new Date()): Promise<EvaluationOutcome> {
    const end = alerterMetrics.evaluationDuration.startTimer({ kind: 'ads-connection' });
    const rules = (await this.rules.enabled()).filter((r) => CONNECTION_ALERT_METRICS.includes(r.metric));
    const outcome = await this.inChunks([{ lockKey: 'ads\u0000connection' }], async (em) => {
      const items: Evaluated[] = [];
      for (const rule of rules) {
        const judgement = judgeConnection(rule, status.state, status.lastError);
        if (!judgement) continue;
        items.push({
          rule,
          advertiserId: '',
          entityType: 'connection',
          entityId: 'default',
          campaignId: null,
          window: null,
          judgement,
          details: { state: status.state, region: status.region, lastError: status.lastError, asOf: status.emittedAt },
          name: `Amazon Ads API (${status.region})`,
          facts: [
            { label: 'State', value: status.state },
            ...(status.lastError ? [{ label: 'Last error', value: status.lastError.slice(0, 300) }] : []),
          ],
          action: REAUTHORIZATION_ACTION,
        });
      }
      return this.applyJudged(em, items, now);
    });
    end();
    return outcome;
  }

  /**
   * Judges the subscription status rules (failed, pending confirmation too long) on the connector's latest poll of
   * each profile: one alert per rule and subscription. A firing alert of a covered profile whose subscription the poll
   * no longer lists (archived, deleted) resolves; subscriptions of profiles the poll did not cover are left alone.
   */
  async onSubscriptionsStatus(
    profiles: ReadonlyMap<string, ProfileSubscriptions>,
    now = new Date(),
  ): Promise<EvaluationOutcome> {
    const end = alerterMetrics.evaluationDuration.startTimer({ kind: 'ads-subscriptions' });
    const rules = (await this.rules.enabled()).filter((r) => STATUS_METRICS.has(r.metric));
    type Unit =
      | { lockKey: string; kind: 'present'; item: StreamSubscriptionStatusItemV1; asOfMs: number }
      | { lockKey: string; kind: 'gone'; alert: FiringSubscriptionAlert };
    const work: Unit[] = [];
    const present = new Set<string>();
    for (const { items, asOf } of profiles.values()) {
      const asOfMs = Math.min(Date.parse(asOf), now.getTime());
      for (const item of items) {
        work.push({ lockKey: subscriptionLockKey(item.subscriptionId), kind: 'present', item, asOfMs });
        for (const rule of rules) present.add(`${rule.id}\u0000${item.advertiserId ?? ''}\u0000${item.subscriptionId}`);
      }
    }
    const firing = await this.ads.firing(
      this.ds.manager,
      rules.map((r) => r.id),
      { profileIds: [...profiles.keys()] },
    );
    for (const alert of firing) {
      if (!present.has(`${alert.ruleId}\u0000${alert.advertiserId}\u0000${alert.subscriptionId}`)) {
        work.push({ lockKey: subscriptionLockKey(alert.subscriptionId), kind: 'gone', alert });
      }
    }
    const byId = new Map(rules.map((r) => [r.id, r]));
    const outcome = await this.inChunks(work, async (em, chunk) => {
      const items: Evaluated[] = [];
      for (const u of chunk) {
        if (u.kind === 'gone') {
          const rule = byId.get(u.alert.ruleId);
          if (rule) items.push(goneItem(rule, u.alert, 'no longer listed for its profile (archived or deleted)'));
          continue;
        }
        const s: SubscriptionSnapshot = { ...u.item, advertiserId: u.item.advertiserId ?? null };
        for (const rule of rules) {
          if (!subscriptionInScope(rule, s.advertiserId)) continue;
          items.push(
            subscriptionItem(rule, s, judgeSubscriptionStatus(rule, s, u.asOfMs), { asOf: new Date(u.asOfMs) }),
          );
        }
      }
      return this.applyJudged(em, items, now);
    });
    end();
    return outcome;
  }

  /**
   * Judges the stale-data rule (run every ALERT_STALE_CHECK_SECONDS by every replica): each ACTIVE subscription of an
   * active profile, of a dataset ams-sentinel ingests, against its advertiser's `dataset_freshness`; and each firing
   * stale-data alert whose subscription no longer qualifies, which resolves. The rows are read again under the
   * subscriptions' locks, so replicas judging together take turns and judge the newest data.
   */
  async onStaleCheck(now = new Date()): Promise<EvaluationOutcome> {
    const end = alerterMetrics.evaluationDuration.startTimer({ kind: 'ads-stale' });
    const rules = (await this.rules.enabled()).filter((r) => r.metric === 'dataset_stale_hours');
    const ruleIds = rules.map((r) => r.id);
    const byId = new Map(rules.map((r) => [r.id, r]));
    const ids = new Set(rules.length ? await this.ads.staleCandidates(this.ds.manager) : []);
    for (const a of await this.ads.firing(this.ds.manager, ruleIds, {})) ids.add(a.subscriptionId);
    const work = [...ids].map((id) => ({ lockKey: subscriptionLockKey(id), id }));
    const outcome = await this.inChunks(work, async (em, chunk) => {
      const chunkIds = chunk.map((c) => c.id);
      const subs = await this.ads.subscriptions(em, chunkIds);
      const items: Evaluated[] = [];
      for (const s of subs) {
        if (!staleDataJudged(s)) continue;
        for (const rule of rules) {
          if (!subscriptionInScope(rule, s.advertiserId)) continue;
          items.push(
            subscriptionItem(rule, s, judgeStaleData(rule, s, s.lastReceivedAt, now.getTime()), {
              lastReceivedAt: s.lastReceivedAt,
            }),
          );
        }
      }
      const judged = new Set(items.map((it) => identityKey(identityOf(it))));
      const known = new Map(subs.map((s) => [s.subscriptionId, s]));
      for (const alert of await this.ads.firing(em, ruleIds, { subscriptionIds: chunkIds })) {
        const rule = byId.get(alert.ruleId);
        if (!rule) continue;
        const gone = goneItem(rule, alert, '');
        if (judged.has(identityKey(identityOf(gone)))) continue;
        const s = known.get(alert.subscriptionId);
        gone.judgement.note = !s
          ? 'the subscription is no longer known'
          : s.status !== 'ACTIVE'
            ? `the subscription is now ${s.status}`
            : !s.profileActive
              ? 'the profile is no longer active'
              : 'no longer judged';
        items.push(gone);
      }
      return this.applyJudged(em, items, now);
    });
    end();
    return outcome;
  }

  /** Splits the work into transactions of at most LOCKS_PER_TRANSACTION lock keys; kicks the sender after commits. */
  private async inChunks<T extends { lockKey: string }>(
    work: T[],
    evaluate: (em: EntityManager, chunk: T[]) => Promise<EvaluationOutcome>,
  ): Promise<EvaluationOutcome> {
    const total: EvaluationOutcome = {
      judged: 0,
      notifications: 0,
      transitions: { none: 0, fire: 0, refire: 0, resolve: 0, remind: 0, update: 0 },
    };
    const byLock = new Map<string, T[]>();
    for (const w of work) {
      const list = byLock.get(w.lockKey);
      if (list) list.push(w);
      else byLock.set(w.lockKey, [w]);
    }
    const lockKeys = [...byLock.keys()];
    for (let i = 0; i < lockKeys.length; i += LOCKS_PER_TRANSACTION) {
      const keys = lockKeys.slice(i, i + LOCKS_PER_TRANSACTION);
      const chunk = keys.flatMap((k) => byLock.get(k) as T[]);
      const outcome = await this.ds.transaction(async (em) => {
        await this.state.lock(em, keys);
        return evaluate(em, chunk);
      });
      total.judged += outcome.judged;
      total.notifications += outcome.notifications;
      for (const [k, n] of Object.entries(outcome.transitions))
        total.transitions[k as keyof typeof total.transitions] += n;
      if (outcome.notifications > 0) this.sender.kick();
    }
    for (const [type, n] of Object.entries(total.transitions))
      if (n && type !== 'none') alerterMetrics.transitions.inc({ type }, n);
    if (total.notifications)
      this.logger.log({ ...total.transitions, notifications: total.notifications }, 'alerts changed');
    return total;
  }

  private async evaluatePerf(em: EntityManager, units: PerfUnit[], now: Date): Promise<EvaluationOutcome> {
    // 1. the windows' sums per entity, one statement per rule level
    const byLevel = new Map<PerfLevel, SumUnit[]>();
    units.forEach((u, idx) => {
      const level = u.rule.entityLevel as PerfLevel;
      const list = byLevel.get(level) ?? [];
      list.push({
        idx,
        advertiserId: u.advertiserId,
        campaignId: u.campaignId,
        localStartMs: u.window.localStartMs,
        localEndMs: u.window.localEndMs,
        adGroupId: u.rule.scopeType === 'ad_group' ? u.rule.scopeId : null,
        keywordId: u.rule.scopeType === 'keyword' ? u.rule.scopeId : null,
      });
      byLevel.set(level, list);
    });
    const current: SumRow[] = [];
    for (const [level, list] of byLevel) current.push(...(await this.metrics.sumWindows(em, level, list)));

    // 2. baselines of change conditions: the same entity over the same hours of the baseline window
    const baselineUnits: SumUnit[] = [];
    current.forEach((row, i) => {
      const u = units[row.idx];
      if (!CHANGE_CONDITIONS.has(u.rule.condition) || !u.rule.baseline) return;
      const b = baselineBounds(u.window, u.rule.baseline, row.lastLocalMs);
      baselineUnits.push({
        idx: i,
        advertiserId: u.advertiserId,
        campaignId: u.campaignId,
        localStartMs: b.localStartMs,
        localEndMs: b.localEndMs,
        adGroupId: row.adGroupId ?? (u.rule.scopeType === 'ad_group' ? u.rule.scopeId : null),
        keywordId: row.keywordId ?? (u.rule.scopeType === 'keyword' ? u.rule.scopeId : null),
      });
    });
    const baselines = new Map(
      (await this.metrics.sumWindows(em, 'pinned', baselineUnits)).map((r) => [r.idx, r.parts]),
    );

    // 3. forecast bands of outside_forecast rules (the campaign's forecast for the window's hours with data)
    const bands = new Map<number, ForecastBand | null>();
    for (const [i, row] of current.entries()) {
      const u = units[row.idx];
      if (u.rule.condition === 'outside_forecast' && u.campaignId)
        bands.set(i, await this.band(em, u.advertiserId, u.campaignId, u.rule.metric, u.window, row));
    }

    // 4. judge
    const items: Evaluated[] = current.map((row, i) => {
      const u = units[row.idx];
      const isChange = CHANGE_CONDITIONS.has(u.rule.condition);
      const baselineParts = isChange ? (baselines.get(i) ?? ZERO) : undefined;
      const entity = entityOf(u, row);
      if (u.rule.condition === 'outside_forecast') {
        const band = bands.get(i) ?? null;
        const judgement = judgeBand(u.rule, row.parts, band);
        return {
          rule: u.rule,
          advertiserId: u.advertiserId,
          ...entity,
          window: u.window,
          judgement,
          details: { parts: row.parts, band },
          ...(band ? { facts: bandFacts(u.rule.metric, judgement.value, band) } : {}),
        };
      }
      return {
        rule: u.rule,
        advertiserId: u.advertiserId,
        ...entity,
        window: u.window,
        judgement: judgeWindow(u.rule, row.parts, baselineParts),
        details: { parts: row.parts, ...(baselineParts ? { baselineParts } : {}) },
      };
    });
    return this.applyJudged(em, items, now);
  }

  /**
   * The forecast band of a campaign's window: the fit for the window's local date, the day's hours before the window
   * (the prediction as it stood when the window began), the window's hours up to the latest with data (a window still
   * filling is compared with the hours it has). null when there is nothing to compare.
   */
  private async band(
    em: EntityManager,
    advertiserId: string,
    campaignId: string,
    metric: AlertRule['metric'],
    window: EvalWindow,
    row: SumRow,
  ): Promise<ForecastBand | null> {
    if (!BAND_METRICS.includes(metric as BandMetric)) return null;
    const date = new Date(window.localStartMs).toISOString().slice(0, 10);
    const dayStart = Date.parse(`${date}T00:00:00Z`);
    const fromHour = Math.round((window.localStartMs - dayStart) / 3_600_000);
    const toHour = Math.min(
      Math.round((window.localEndMs - dayStart) / 3_600_000),
      Math.round((row.lastLocalMs - dayStart) / 3_600_000) + 1,
    );
    if (toHour <= fromHour || toHour > 24) return null;
    const { model, hourSums } = await this.pacing.fit(em, advertiserId, campaignId, date);
    const series = await this.pacing.daySeries(em, advertiserId, campaignId, date, fromHour);
    return windowBand(model, series, {
      metric: metric as BandMetric,
      fromHour,
      toHour,
      hourSums,
      impressions: Number(row.parts.impressions),
      clicks: Number(row.parts.clicks),
    });
  }

  /**
   * Applies judgements in the chunk's transaction: the plan (pure), names for what will be announced, the
   * alerts and their history, then the outbox entries of the announced changes.
   */
  private async applyJudged(em: EntityManager, items: Evaluated[], now: Date): Promise<EvaluationOutcome> {
    for (const it of items) alerterMetrics.judged.inc({ outcome: it.judgement.status });
    const plan = planAlertChanges(items, await this.state.existing(em, items), now);
    const announced = plan.changes.filter((c) => c.notify);
    if (plan.changes.length === 0) return { transitions: plan.transitions, notifications: 0, judged: items.length };
    await this.fillNames(
      em,
      announced.map((c) => c.item),
    );
    const written = await this.state.write(em, plan.changes, now);
    await this.outbox.enqueue(
      em,
      announced.map((c) => {
        const w = written.get(c) as WrittenChange;
        return {
          alertId: w.alertId,
          alertEventId: w.alertEventId,
          destination: c.item.rule.destination,
          payload: notificationPayload(c.item, c.transition, { id: w.alertId, firedAt: c.firedAt }, now),
        };
      }),
      now,
    );
    return { transitions: plan.transitions, notifications: announced.length, judged: items.length };
  }

  /** Names from ams_entity for the entities about to be announced (ids are shown when unknown). */
  private async fillNames(em: EntityManager, items: Evaluated[]): Promise<void> {
    const refs: EntityRef[] = [];
    for (const it of items) {
      const type = AMS_ENTITY_TYPE[it.entityType];
      if (type) refs.push({ advertiserId: it.advertiserId, entityType: type, entityId: it.entityId });
      if (it.campaignId && it.entityType !== 'campaign')
        refs.push({ advertiserId: it.advertiserId, entityType: 'campaign', entityId: it.campaignId });
    }
    const names = await this.metrics.entityNames(em, refs);
    for (const it of items) {
      const type = AMS_ENTITY_TYPE[it.entityType];
      if (type) it.name = names.get(nameKey(it.advertiserId, type, it.entityId)) ?? it.name;
      if (it.campaignId) it.campaignName = names.get(nameKey(it.advertiserId, 'campaign', it.campaignId)) ?? null;
    }
  }
}

/** Our entity types → ams_entity.entity_type (keywords and targets are `target` there). */
const AMS_ENTITY_TYPE: Record<string, string | undefined> = {
  campaign: 'campaign',
  ad_group: 'ad_group',
  keyword: 'target',
};

function entityOf(u: PerfUnit, row: SumRow): Pick<Evaluated, 'entityType' | 'entityId' | 'campaignId' | 'name'> {
  switch (u.rule.entityLevel) {
    case 'advertiser':
      return { entityType: 'advertiser', entityId: u.advertiserId, campaignId: null, name: null };
    case 'ad_group':
      return { entityType: 'ad_group', entityId: row.adGroupId as string, campaignId: u.campaignId, name: null };
    case 'keyword':
      return {
        entityType: 'keyword',
        entityId: row.keywordId as string,
        campaignId: u.campaignId,
        name: row.keywordText,
      };
    default:
      return { entityType: 'campaign', entityId: u.campaignId as string, campaignId: u.campaignId, name: null };
  }
}

function perfInScope(rule: AlertRule, t: Pick<TouchedHourV1, 'advertiserId' | 'campaignId'>): boolean {
  switch (rule.scopeType) {
    case 'advertiser':
      return t.advertiserId === rule.scopeId;
    case 'campaign':
      return t.campaignId === rule.scopeId;
    default:
      return true; // all; ad group and keyword scopes filter in SQL
  }
}

function budgetInScope(
  rule: AlertRule,
  s: Pick<BudgetScopeV1, 'advertiserId' | 'budgetScopeType' | 'budgetScopeId'>,
): boolean {
  if ((s.budgetScopeType === 'CAMPAIGN') !== (rule.entityLevel === 'campaign')) return false;
  switch (rule.scopeType) {
    case 'all':
      return true;
    case 'advertiser':
      return s.advertiserId === rule.scopeId;
    case 'campaign':
    case 'portfolio':
      return s.budgetScopeId === rule.scopeId;
    default:
      return false;
  }
}

/** The value a pipeline rule judges for one queue; null when it is not known (not judged). */
function queueValue(metric: AlertRule['metric'], q: QueueStatusV1): number | null {
  if (metric === 'dead_letter_messages') {
    const d = q.deadLetter;
    return d ? d.visible + d.notVisible + d.delayed : q.depth ? 0 : null;
  }
  if (!q.depth) return null;
  if (q.depth.oldestAgeSeconds !== null) return q.depth.oldestAgeSeconds;
  return q.depth.visible + q.depth.notVisible + q.depth.delayed === 0 ? 0 : null;
}

function subscriptionLockKey(subscriptionId: string): string {
  return `ads\u0000subscription\u0000${subscriptionId}`;
}

function subscriptionInScope(rule: AlertRule, advertiserId: string | null): boolean {
  return rule.scopeType === 'all' || (rule.scopeType === 'advertiser' && advertiserId === rule.scopeId);
}

/** A queue ARN's last part (the queue name) for people; the whole ARN stays in the details. */
function queueName(arn: string | null): string {
  return arn ? (arn.split(':').pop() ?? arn) : 'unknown';
}

/** One subscription judged by one rule, with what its message says (profile, dataset, destination, since when). */
function subscriptionItem(
  rule: AlertRule,
  s: SubscriptionSnapshot,
  judgement: ReturnType<typeof judgeSubscriptionStatus>,
  extra: { asOf?: Date; lastReceivedAt?: Date | null },
): Evaluated {
  const stale = rule.metric === 'dataset_stale_hours';
  return {
    rule,
    advertiserId: s.advertiserId ?? '',
    entityType: 'subscription',
    entityId: s.subscriptionId,
    campaignId: null,
    window: null,
    judgement,
    details: {
      profileId: s.profileId,
      advertiserId: s.advertiserId,
      dataSetId: s.dataSetId,
      destinationArn: s.destinationArn,
      status: s.status,
      statusSince: s.statusSince,
      profileActive: s.profileActive,
      ...(extra.asOf ? { asOf: extra.asOf.toISOString() } : {}),
      ...(stale ? { lastReceivedAt: extra.lastReceivedAt?.toISOString() ?? null } : {}),
    },
    name: `${s.dataSetId} of profile ${s.profileId}`,
    facts: [
      { label: 'Profile', value: s.profileId },
      { label: 'Dataset', value: s.dataSetId },
      { label: 'Destination', value: queueName(s.destinationArn) },
      stale
        ? { label: 'Last record', value: extra.lastReceivedAt ? extra.lastReceivedAt.toISOString() : 'none yet' }
        : { label: 'Status', value: `${s.status} since ${s.statusSince}` },
    ],
    action: subscriptionAction(rule.metric, s.status) || null,
  };
}

/** A firing subscription alert whose subscription no longer qualifies: judged ok, so it resolves. */
function goneItem(rule: AlertRule, alert: FiringSubscriptionAlert, note: string): Evaluated {
  const d = alert.details;
  const text = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  return {
    rule,
    advertiserId: alert.advertiserId,
    entityType: 'subscription',
    entityId: alert.subscriptionId,
    campaignId: null,
    window: null,
    judgement: goneJudgement(note),
    details: { ...d, status: 'absent' },
    name: text('dataSetId') && text('profileId') ? `${text('dataSetId')} of profile ${text('profileId')}` : null,
    facts: [
      ...(text('profileId') ? [{ label: 'Profile', value: text('profileId') as string }] : []),
      ...(text('dataSetId') ? [{ label: 'Dataset', value: text('dataSetId') as string }] : []),
      { label: 'Destination', value: queueName(text('destinationArn')) },
    ],
    action: null,
  };
}

function pacingDetails(p: CampaignPacing): Record<string, unknown> {
  return {
    localDate: p.localDate,
    utcOffsetMinutes: p.utcOffsetMinutes,
    asOfHour: Number(p.asOfHour.toFixed(4)),
    label: p.projection.label,
    spentSoFar: p.projection.spentSoFar,
    exhaustion: p.projection.exhaustion,
    daySpend: p.projection.daySpend,
  };
}

function budgetLockKey(s: BudgetScopeV1): string {
  return `budget\u0000${s.advertiserId}\u0000${s.marketplaceId}\u0000${s.budgetScopeType}\u0000${s.budgetScopeId}`;
}
