import { compareDecimal, divideDecimal, multiplyDecimal } from '@ams/ams';
import {
  type ActionField,
  type ActionGuardsResolvedV1,
  type ActionSpecV1,
  askedValue,
  budgetIncrease,
  type GuardFacts,
  judgeGuards,
  toCents,
} from '@ams/contracts';
import type { EntitySnapshot } from '@ams/ads-api';

/** A claimed action as the executor judges it (the columns it needs). */
export interface PlannedAction {
  id: string;
  kind: 'rule' | 'daypart_restore' | 'revert';
  mode: 'dry_run' | 'approval' | 'auto';
  entityType: string;
  entityId: string;
  field: ActionField;
  valueBefore: string;
  valueAsked: string;
  attempts: number;
  triggerData: Record<string, unknown>;
  /** reclaimed from `executing` (its lease ran out, or its last send was in doubt): read back before anything */
  inDoubt: boolean;
}

/** The rule behind a `rule` or `daypart_restore` action, as stored (null for reverts or a rule that is gone). */
export interface PlannedRule {
  id: string;
  mode: 'dry_run' | 'approval' | 'auto';
  action: ActionSpecV1;
  guards: ActionGuardsResolvedV1;
  live: boolean;
  /** why it no longer acts ("deleted", "disabled") */
  whyNotLive: string | null;
}

export type Plan =
  | { to: 'done'; valueAfter: string; reason: string }
  | { to: 'failed'; reason: string; metric: string }
  | { to: 'blocked'; reason: string; metric: 'kill_switch' | 'guard' | 'budget_rule' }
  | { to: 'superseded'; reason: string }
  /** the entity changed outside: an approval rule asks the operator again, with the new values */
  | { to: 'pending_approval'; valueBefore: string; valueAsked: string; budgetIncrease: string; reason: string }
  /** not sent now (no read-back this round): back to `queued`, or kept `executing` for a read-back when in doubt */
  | { to: 'retry'; reason: string }
  | { to: 'send'; valueBefore: string; valueAsked: string; budgetIncrease: string; reason: string | null };

export interface PlanInput {
  action: PlannedAction;
  rule: PlannedRule | null;
  /** what Amazon reports now; undefined when it could not be read this round */
  snapshot: EntitySnapshot | undefined;
  /** the kill switch (AUTOMATION_ENABLED and automation_setting.enabled) */
  enabled: boolean;
  /** the guard inputs (rule actions: the full set; others: only the connection is judged) */
  facts: GuardFacts;
  maxAttempts: number;
  now: Date;
}

export const KILL_SWITCH_REASON = 'automation is disabled (kill switch)';
export const CONFIRMED_REASON = 'confirmed by read-back after an interrupted attempt';

const LEVEL: Record<string, string> = {
  campaign: 'campaign',
  ad_group: 'ad group',
  keyword: 'keyword',
  target: 'target',
};

/** Equal values of a field: states as words, money as decimals ("24" = "24.00"). */
export function sameValue(field: ActionField, a: string, b: string): boolean {
  return field === 'state' ? a === b : compareDecimal(a, b) === 0;
}

/** The field's current value in a snapshot (money in cents), or null when Amazon reports none. */
export function currentValue(field: ActionField, s: EntitySnapshot): string | null {
  if (field === 'state') return s.state;
  const v = field === 'budget' ? s.budget : s.bid;
  return v === null ? null : toCents(v);
}

const isPercent = (spec: ActionSpecV1 | undefined) =>
  spec?.type === 'change_budget_pct' || spec?.type === 'change_bid_pct';
const isDaypart = (spec: ActionSpecV1 | undefined) => spec?.type === 'daypart_budget' || spec?.type === 'daypart_bid';

/**
 * What to do with one claimed action right before it is sent, in this order: an in-doubt action Amazon already shows
 * is done; the kill switch; a healthy connection; the rule still live; what Amazon reports (gone, archived, an Amazon
 * budget rule in force); the attempts; then the guards on the value as it is now. When the value is no longer the
 * proposal's `value_before` (changed outside ams-sentinel) the action is re-judged, never applied blindly: percentage
 * and dayparting asks are recomputed from the current value, a `set_*` already satisfied is superseded, a revert of a
 * value that changed is superseded, and an approval rule asks again.
 */
export function planAction(p: PlanInput): Plan {
  const { action: a, rule, snapshot: s, facts } = p;
  const current = s?.found ? currentValue(a.field, s) : null;

  if (a.inDoubt) {
    if (!s) return { to: 'retry', reason: 'in doubt: Amazon could not be read back this round' };
    if (current !== null && sameValue(a.field, current, a.valueAsked)) {
      return { to: 'done', valueAfter: current, reason: CONFIRMED_REASON };
    }
  }
  if (!p.enabled) return { to: 'blocked', reason: KILL_SWITCH_REASON, metric: 'kill_switch' };
  if (!facts.connectionHealthy) {
    return { to: 'blocked', reason: `the Ads API connection is ${facts.connectionState}`, metric: 'guard' };
  }
  if (a.kind !== 'revert') {
    if (!rule) return { to: 'failed', reason: 'the rule behind this action is gone', metric: 'rule_gone' };
    if (!rule.live) return { to: 'superseded', reason: `rule #${rule.id} was ${rule.whyNotLive} since the proposal` };
  }
  if (!s) return { to: 'retry', reason: 'Amazon could not be read back this round' };
  const what = `the ${LEVEL[a.entityType] ?? a.entityType}`;
  if (!s.found) return { to: 'failed', reason: `${what} no longer exists at Amazon`, metric: 'gone' };
  if (s.state === 'ARCHIVED') return { to: 'failed', reason: `${what} is archived at Amazon`, metric: 'archived' };
  if (a.field === 'state' && s.state === 'OTHER') {
    return { to: 'failed', reason: `${what} is in a state ams-sentinel does not change`, metric: 'state' };
  }
  if (current === null) return { to: 'failed', reason: `Amazon reports no ${a.field} for ${what}`, metric: 'no_value' };
  if (a.field === 'budget' && s.effectiveBudget !== null && s.budget !== null) {
    if (compareDecimal(s.effectiveBudget, s.budget) !== 0) {
      return {
        to: 'blocked',
        reason: `an Amazon budget rule is in force (effective budget ${toCents(s.effectiveBudget)})`,
        metric: 'budget_rule',
      };
    }
  }
  if (a.attempts > p.maxAttempts) {
    return {
      to: 'failed',
      reason: `gave up after ${p.maxAttempts} attempts (the ${a.field} is ${current}, ${a.valueAsked} was asked)`,
      metric: 'attempts',
    };
  }

  // the value as Amazon reports it now, against the proposal's
  const changed = !sameValue(a.field, current, a.valueBefore);
  let before = a.valueBefore;
  let asked = a.valueAsked;
  const notes: string[] = [];
  if (changed) {
    if (a.kind === 'revert') {
      return {
        to: 'superseded',
        reason: `the ${a.field} is now ${current}, not the ${a.valueBefore} the reverted action set: it changed since; not reverted`,
      };
    }
    const spec = rule?.action;
    before = current;
    if (a.kind === 'daypart_restore' || isDaypart(spec)) {
      // the window's multiplier (a rule's) or the ratio the proposal asked (a restore), applied to the value now
      const m = a.triggerData['multiplier'];
      const multiplier =
        a.kind === 'rule' && typeof m === 'string' ? m : (divideDecimal(a.valueAsked, a.valueBefore, 6) as string);
      asked = toCents(multiplyDecimal(current, multiplier));
    } else if (isPercent(spec) && spec) {
      asked = askedValue(spec, current);
    } else if (sameValue(a.field, current, a.valueAsked)) {
      return { to: 'superseded', reason: `already ${current}` };
    }
    notes.push(
      `re-judged: ${a.field} changed outside ams-sentinel from ${a.valueBefore} to ${current} since the proposal`,
    );
  }
  if (a.kind === 'rule' && rule) {
    const verdict = judgeGuards(a.field, before, asked, rule.guards, facts, p.now);
    if (verdict.blockedBy !== null || verdict.value === null) {
      return { to: 'blocked', reason: [...notes, verdict.blockedBy ?? 'blocked'].join('; '), metric: 'guard' };
    }
    notes.push(...verdict.notes);
    asked = verdict.value;
  } else if (sameValue(a.field, before, asked)) {
    return { to: 'superseded', reason: `already ${before}` };
  }
  const mode = rule?.mode ?? a.mode;
  const increase = budgetIncrease(a.field, before, asked);
  if (changed && mode === 'approval') {
    return {
      to: 'pending_approval',
      valueBefore: before,
      valueAsked: asked,
      budgetIncrease: increase,
      reason: notes.join('; '),
    };
  }
  if (changed && mode === 'dry_run') {
    return { to: 'superseded', reason: [...notes, 'the rule is now dry_run: nothing sent'].join('; ') };
  }
  return {
    to: 'send',
    valueBefore: before,
    valueAsked: asked,
    budgetIncrease: increase,
    reason: notes.length ? notes.join('; ') : null,
  };
}
