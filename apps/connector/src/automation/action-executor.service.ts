import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AdsWriteInDoubtError, type EntityChange, type EntityChangeResult, type EntitySnapshot } from '@ams/ads-api';
import { ACTIONS_SETTLED, type GuardFacts, resolveGuards } from '@ams/contracts';
import { automationConnectionHealthy, EXECUTED_ACTION_STATES, readAutomationFacts, TRIGGER_DATASETS } from '@ams/db';
import { JetStreamService } from '@ams/platform';
import { ConnectorEnv } from '../config/connector.env';
import { AdsConnectionService } from '../connection/ads-connection.service';
import { describeFailure } from '../connection/ads-errors.logic';
import { connectorMetrics } from '../connector.metrics';
import { currentValue, type Plan, planAction, type PlannedRule } from './action-plan.logic';
import {
  type ActionOutcome,
  ActionsRepository,
  type ClaimedAction,
  FINAL_ACTION_STATES,
  type ProfileInfo,
  type StoredRule,
} from './actions.repository';
import { AutomationSettingsRepository } from './automation-settings.repository';
import { EntityWritersService } from './entity-writers.service';

/** Actions claimed per round. */
const CLAIM_LIMIT = 200;
/** How far back a starting executor re-announces settled actions, and how many ids go in one event. */
const REANNOUNCE_HOURS = 24;
const REANNOUNCE_CHUNK = 1000;

interface Sending {
  action: ClaimedAction;
  change: EntityChange;
  valueAsked: string;
  /** why it is sent as it is (re-judged, capped), kept as the state reason */
  reason: string | null;
}

export interface RoundSummary {
  claimed: number;
  sent: number;
  settled: string[];
}

/**
 * Executes queued automation actions at Amazon, exactly once in effect. Single-flight per process: a round runs at a
 * time, woken by automation.actions.queued.v1 (a kick) or every AUTOMATION_POLL_MS. A round expires overdue
 * approvals, claims queued actions (and `executing` ones whose lease ran out: in doubt), reads every entity back
 * from Amazon, judges each action right before sending (kill switch, connection, guards, changes made outside
 * ams-sentinel, Amazon budget rules), sends the survivors per profile and records Amazon's answer per item. A send
 * whose outcome is unknown is never repeated blindly: its actions stay `executing` and the next round reads them back.
 * Writes are absolute values (a budget of 24.00, not +20 %), so a resend after a read-back cannot compound.
 */
@Injectable()
export class ActionExecutorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ActionExecutor');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopping = false;

  constructor(
    private readonly env: ConnectorEnv,
    private readonly repo: ActionsRepository,
    private readonly settings: AutomationSettingsRepository,
    private readonly connection: AdsConnectionService,
    private readonly writers: EntityWritersService,
    private readonly messaging: JetStreamService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.env.AUTOMATION_POLL_MS);
    this.timer.unref();
    void this.announceSettled();
    this.kick();
  }

  /**
   * A round announces what it settled when it ends: a connector killed mid-round (waiting on a slow PUT, say) has
   * recorded outcomes nobody was told of, and the alerter would never post them to Slack. So a starting executor
   * announces again every action settled in the last REANNOUNCE_HOURS; the alerter writes one notice per action
   * however often it hears of it, so the repeats cost a query, not a message.
   */
  async announceSettled(): Promise<number> {
    try {
      const ids = await this.repo.settledSince(REANNOUNCE_HOURS);
      for (let i = 0; i < ids.length; i += REANNOUNCE_CHUNK) {
        await this.messaging.publish(ACTIONS_SETTLED, {
          actionIds: ids.slice(i, i + REANNOUNCE_CHUNK),
          emittedAt: new Date().toISOString(),
        });
      }
      if (ids.length) this.logger.log({ actions: ids.length }, 'settled actions announced again at start');
      return ids.length;
    } catch (err) {
      this.logger.warn({ error: describeFailure(err) }, 'settled actions not announced again at start');
      return 0;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Look now: starts a round, or asks the running one for another when it ends. */
  kick(): void {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.round();
        } catch (err) {
          this.logger.error({ error: describeFailure(err) }, 'automation round failed; the next one retries');
        }
      } while (this.again && !this.stopping);
    })().finally(() => (this.running = undefined));
  }

  /** One round (exposed for the specs' deterministic steps; the kick/poll loop calls it). */
  async round(): Promise<RoundSummary> {
    const settled = await this.repo.expirePending();
    const claimed = await this.repo.claim(
      CLAIM_LIMIT,
      this.env.AUTOMATION_LEASE_SECONDS,
      // an in-doubt action waits for a usable connection: it is read back before anything else happens to it
      this.connection.usable,
    );
    let sent = 0;
    if (claimed.length) {
      const state = await this.settings.read();
      const rules = await this.repo.rules([...new Set(claimed.map((a) => a.ruleId).filter((x): x is string => !!x))]);
      const profiles = await this.repo.profiles([...new Set(claimed.map((a) => a.profileId))]);
      const snapshots = await this.readBack(
        state.enabled ? claimed : claimed.filter((a) => a.claimedFrom === 'executing'),
        profiles,
      );
      const sending = await this.judge(claimed, rules, snapshots, state.enabled, settled);
      sent = sending.length;
      await this.send(sending, profiles, settled);
    }
    if (settled.length) {
      await this.messaging
        .publish(ACTIONS_SETTLED, { actionIds: settled, emittedAt: new Date().toISOString() })
        .catch((err: unknown) => this.logger.warn({ error: describeFailure(err) }, 'ACTIONS_SETTLED not published'));
    }
    if (claimed.length || settled.length) {
      this.logger.log({ claimed: claimed.length, sent, settled: settled.length }, 'automation round');
    }
    return { claimed: claimed.length, sent, settled };
  }

  /** Reads the entities back, grouped per profile, product and type; a group that cannot be read is left out. */
  private async readBack(
    actions: ClaimedAction[],
    profiles: Map<string, ProfileInfo>,
  ): Promise<Map<string, EntitySnapshot>> {
    const out = new Map<string, EntitySnapshot>();
    if (!this.connection.usable) return out;
    const groups = new Map<string, ClaimedAction[]>();
    for (const a of actions) {
      const k = `${a.profileId}|${a.adProduct}|${a.entityType}`;
      groups.set(k, [...(groups.get(k) ?? []), a]);
    }
    for (const group of groups.values()) {
      const { profileId, adProduct, entityType } = group[0];
      const profile = profiles.get(profileId);
      if (!profile) continue;
      try {
        const ids = [...new Set(group.map((a) => a.entityId))];
        const snaps = await this.writers.forRegion(profile.region).read(profileId, adProduct, entityType, ids);
        for (const s of snaps) out.set(entityKey(profileId, adProduct, entityType, s.entityId), s);
        this.connection.noteSuccess();
      } catch (err) {
        this.connection.noteFailure(err);
        this.logger.warn(
          { profileId, adProduct, entityType, error: describeFailure(err) },
          'automation read-back failed; these actions wait for the next round',
        );
      }
    }
    return out;
  }

  /**
   * Judges each claimed action in id order and records every outcome but `send` at once. The guard facts count what
   * executed or is executing, without this round's actions not yet judged; one action per entity is sent per round
   * (a second waits, queued, and is judged next round against the value the first one set).
   */
  private async judge(
    claimed: ClaimedAction[],
    rules: Map<string, StoredRule>,
    snapshots: Map<string, EntitySnapshot>,
    enabled: boolean,
    settled: string[],
  ): Promise<Sending[]> {
    const unjudged = new Set(claimed.map((a) => a.id));
    const sendingEntities = new Set<string>();
    const sending: Sending[] = [];
    const now = new Date();
    for (const a of claimed) {
      unjudged.delete(a.id);
      const key = entityKey(a.profileId, a.adProduct, a.entityType, a.entityId);
      if (sendingEntities.has(key)) {
        // one change per entity per round; an in-doubt one keeps its read-back for the next round
        if (a.claimedFrom === 'queued') await this.repo.requeue(a.id, null, true);
        else await this.repo.markInDoubt([a.id], 'in doubt: read back next round (another action on it was sent)', []);
        continue;
      }
      const stored = a.ruleId ? rules.get(a.ruleId) : undefined;
      const rule = stored ? plannedRule(stored) : null;
      const facts = await this.facts(a, stored, now, [...unjudged]);
      const plan = planAction({
        action: { ...a, inDoubt: a.claimedFrom === 'executing' },
        rule,
        snapshot: snapshots.get(key),
        enabled,
        facts,
        maxAttempts: this.env.AUTOMATION_MAX_ATTEMPTS,
        now,
      });
      if (plan.to === 'send') {
        await this.repo.recordSending(a.id, plan);
        sendingEntities.add(key);
        sending.push({
          action: a,
          change: changeOf(a, plan.valueAsked),
          valueAsked: plan.valueAsked,
          reason: plan.reason,
        });
        continue;
      }
      await this.apply(a, plan, settled);
    }
    return sending;
  }

  /** Records a plan other than `send`. */
  private async apply(a: ClaimedAction, plan: Exclude<Plan, { to: 'send' }>, settled: string[]): Promise<void> {
    switch (plan.to) {
      case 'done':
        await this.settle(a, { state: 'done', stateReason: plan.reason, valueAfter: plan.valueAfter }, settled);
        connectorMetrics.actionsExecuted.inc({ field: a.field });
        return;
      case 'failed':
        await this.settle(a, { state: 'failed', stateReason: plan.reason }, settled);
        connectorMetrics.actionsFailed.inc({ reason: plan.metric });
        return;
      case 'blocked':
        await this.settle(a, { state: 'blocked', stateReason: plan.reason }, settled);
        connectorMetrics.actionsBlocked.inc({ reason: plan.metric });
        return;
      case 'superseded':
        await this.settle(a, { state: 'superseded', stateReason: plan.reason }, settled);
        return;
      case 'pending_approval':
        await this.repo.backToApproval(a.id, plan);
        return;
      case 'retry':
        if (a.claimedFrom === 'executing') await this.repo.markInDoubt([a.id], `in doubt: ${plan.reason}`, []);
        else await this.requeueOrFail(a, plan.reason, settled);
        return;
    }
  }

  private async facts(
    a: ClaimedAction,
    rule: StoredRule | undefined,
    now: Date,
    unjudged: string[],
  ): Promise<GuardFacts> {
    const datasets = rule ? TRIGGER_DATASETS[rule.trigger.type] : null;
    const row = await readAutomationFacts(this.repo.manager, {
      advertiserId: a.advertiserId,
      ruleId: a.ruleId,
      entityType: a.entityType,
      entityId: a.entityId,
      localDate: a.localDate,
      excludeActionId: a.id,
      excludeActionIds: unjudged,
      countStates: EXECUTED_ACTION_STATES,
      dryRun: false,
      datasets,
      defaultMaxDailyBudgetIncrease: this.env.AUTOMATION_MAX_DAILY_BUDGET_INCREASE,
    });
    return {
      ruleActionsToday: row.ruleActionsToday,
      lastActionAt: row.lastActionAt ? new Date(row.lastActionAt) : null,
      budgetIncreaseToday: row.budgetIncreaseToday,
      maxDailyBudgetIncrease: row.maxDailyBudgetIncrease,
      // a schedule depends on no dataset: its data is not judged
      dataReceivedAt: datasets === null ? now : row.dataReceivedAt ? new Date(row.dataReceivedAt) : null,
      freshnessHours: this.env.AUTOMATION_FRESHNESS_HOURS,
      connectionHealthy: automationConnectionHealthy(row.connectionState),
      connectionState: row.connectionState,
    };
  }

  /** Sends per profile (the writer chunks per product) and records each item's answer. */
  private async send(sending: Sending[], profiles: Map<string, ProfileInfo>, settled: string[]): Promise<void> {
    const perProfile = new Map<string, Sending[]>();
    for (const s of sending) perProfile.set(s.action.profileId, [...(perProfile.get(s.action.profileId) ?? []), s]);
    for (const [profileId, group] of perProfile) {
      const profile = profiles.get(profileId);
      const started = process.hrtime.bigint();
      let outcome = 'ok';
      try {
        if (!profile) throw new Error(`profile ${profileId} is not in ads_profile (run a profiles sync)`);
        const results = await this.writers.forRegion(profile.region).apply(
          profileId,
          group.map((s) => s.change),
        );
        this.connection.noteSuccess();
        for (const [i, r] of results.entries()) await this.recordResult(group[i], r, settled);
      } catch (err) {
        outcome = err instanceof AdsWriteInDoubtError ? 'in_doubt' : 'error';
        await this.sendFailed(group, err, settled);
      } finally {
        connectorMetrics.actionExecutionDuration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    }
  }

  private async recordResult(s: Sending, r: EntityChangeResult, settled: string[]): Promise<void> {
    const a = s.action;
    const requestIds = r.requestId ? [r.requestId] : [];
    if (r.ok) {
      const after = r.after ? currentValue(a.field, r.after) : null;
      await this.settle(
        a,
        {
          state: 'done',
          stateReason: s.reason,
          valueAfter: after ?? s.valueAsked,
          resultCode: r.code,
          resultRaw: r.raw,
          requestIds,
          executed: true,
        },
        settled,
      );
      connectorMetrics.actionsExecuted.inc({ field: a.field });
      return;
    }
    const amazon = `Amazon refused: ${r.code}${r.message ? `: ${r.message}` : ''}`;
    if (r.retryable && a.attempts < this.env.AUTOMATION_MAX_ATTEMPTS) {
      await this.repo.requeue(a.id, `${amazon} (attempt ${a.attempts} of ${this.env.AUTOMATION_MAX_ATTEMPTS})`, false);
      return;
    }
    const why = r.retryable ? `${amazon} (gave up after ${a.attempts} attempts)` : amazon;
    await this.settle(
      a,
      { state: 'failed', stateReason: why, resultCode: r.code, resultRaw: r.raw, requestIds, executed: true },
      settled,
    );
    connectorMetrics.actionsFailed.inc({ reason: r.retryable ? 'throttled' : 'amazon' });
  }

  /**
   * A whole send failed. In doubt (timeout, 5xx, lost connection): the chunks answered are recorded, the chunk in
   * doubt stays `executing` for a read-back, the chunks never sent go back to `queued`. Any other error (Amazon
   * refused the request itself, no connection): back to `queued` while attempts remain, else `failed`.
   */
  private async sendFailed(group: Sending[], err: unknown, settled: string[]): Promise<void> {
    this.connection.noteFailure(err);
    const message = describeFailure(err, 1000);
    if (err instanceof AdsWriteInDoubtError) {
      const answered = new Map<string, EntityChangeResult>();
      for (const r of err.settled as readonly EntityChangeResult[]) answered.set(changeKey(r.change), r);
      const notSent = new Set(err.notSent);
      const doubt: string[] = [];
      for (const s of group) {
        const r = answered.get(changeKey(s.change));
        if (r) await this.recordResult(s, r, settled);
        else if (notSent.has(s.change.entityId) && !err.itemIds.includes(s.change.entityId)) {
          await this.repo.requeue(s.action.id, 'not sent: an earlier chunk of the same write was in doubt', false);
        } else doubt.push(s.action.id);
      }
      this.logger.warn({ actions: doubt, error: message }, 'automation write in doubt: read back next round');
      await this.repo.markInDoubt(doubt, `in doubt: ${message}; read back before anything is sent again`, [
        ...(err.requestId ? [err.requestId] : []),
      ]);
      return;
    }
    this.logger.warn({ actions: group.map((s) => s.action.id), error: message }, 'automation write failed');
    for (const s of group) await this.requeueOrFail(s.action, message, settled);
  }

  private async requeueOrFail(a: ClaimedAction, reason: string, settled: string[]): Promise<void> {
    if (a.attempts < this.env.AUTOMATION_MAX_ATTEMPTS) {
      await this.repo.requeue(a.id, `${reason} (attempt ${a.attempts} of ${this.env.AUTOMATION_MAX_ATTEMPTS})`, false);
      return;
    }
    await this.settle(a, { state: 'failed', stateReason: `${reason} (gave up after ${a.attempts} attempts)` }, settled);
    connectorMetrics.actionsFailed.inc({ reason: 'attempts' });
  }

  private async settle(a: ClaimedAction, o: ActionOutcome, settled: string[]): Promise<void> {
    const recorded = await this.repo.record(a.id, o);
    if (recorded && (FINAL_ACTION_STATES as readonly string[]).includes(o.state)) settled.push(a.id);
  }
}

function entityKey(profileId: string, adProduct: string, entityType: string, entityId: string): string {
  return `${profileId}|${adProduct}|${entityType}|${entityId}`;
}

function changeKey(c: EntityChange): string {
  return `${c.adProduct}|${c.entityType}|${c.entityId}`;
}

function changeOf(a: ClaimedAction, value: string): EntityChange {
  const base: EntityChange = {
    adProduct: a.adProduct,
    entityType: a.entityType,
    entityId: a.entityId,
    ...(a.campaignId ? { campaignId: a.campaignId } : {}),
    ...(a.adGroupId ? { adGroupId: a.adGroupId } : {}),
  };
  if (a.field === 'state') return { ...base, state: value as 'ENABLED' | 'PAUSED' };
  return a.field === 'budget' ? { ...base, budget: value } : { ...base, bid: value };
}

function plannedRule(r: StoredRule): PlannedRule {
  return {
    id: r.id,
    mode: r.mode,
    action: r.action,
    guards: resolveGuards(r.guards, r.action),
    live: r.enabled && !r.deleted,
    whyNotLive: r.deleted ? 'deleted' : r.enabled ? null : 'disabled',
  };
}
