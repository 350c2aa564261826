import { addDecimal, compareDecimal, divideDecimal, multiplyDecimal, subtractDecimal } from '@ams/ams';
import {
  type ActionEntityLevel,
  type ActionField,
  type ActionGuardsResolvedV1,
  type ActionGuardsV1,
  type ActionRuleCreateRequestV1,
  type ActionSpecV1,
  type ActionTriggerV1,
  type DaypartWindowV1,
  MAX_ACTION_PERCENT,
  WEEKDAYS,
  type Weekday,
} from './automation';

/**
 * The automation policy as pure functions, shared by the alerter (which proposes) and the connector (which judges the
 * guards again right before it sends): what a rule may be, what value an action asks for, and whether the guards let
 * it through. Money and bids are decimal strings; asked values are rounded half-up to cents.
 */

const BUDGET_ACTIONS = new Set(['set_budget', 'change_budget_pct', 'daypart_budget']);
const BID_ACTIONS = new Set(['set_bid', 'change_bid_pct', 'daypart_bid']);
const DAYPART_ACTIONS = new Set(['daypart_budget', 'daypart_bid']);
const CHANGE_CONDITIONS = new Set(['increase_pct', 'decrease_pct']);
const MIN_MULTIPLIER = '0.1';
const MAX_MULTIPLIER = '1.9';

export type ActionRuleDraft = Pick<
  ActionRuleCreateRequestV1,
  'entityLevel' | 'scopeType' | 'scopeId' | 'trigger' | 'action' | 'guards'
>;

/** The field an action type changes. */
export function actionField(action: Pick<ActionSpecV1, 'type'>): ActionField {
  if (BUDGET_ACTIONS.has(action.type)) return 'budget';
  if (BID_ACTIONS.has(action.type)) return 'bid';
  return 'state';
}

export function isDaypart(action: Pick<ActionSpecV1, 'type'>): boolean {
  return DAYPART_ACTIONS.has(action.type);
}

/** Every semantic problem of a rule, each starting with the field it names (the classes check the shapes). */
export function actionRuleProblems(r: ActionRuleDraft): string[] {
  const problems: string[] = [];
  const { trigger, action } = r;
  const field = actionField(action);
  const scopeType = r.scopeType ?? 'advertiser';
  if (field === 'budget' && r.entityLevel !== 'campaign') {
    problems.push(`action.type: ${action.type} changes a campaign's daily budget: entityLevel must be campaign`);
  }
  if (field === 'bid' && r.entityLevel !== 'keyword' && r.entityLevel !== 'target') {
    problems.push(`action.type: ${action.type} changes a keyword or target bid: entityLevel must be keyword or target`);
  }
  if (scopeType === 'advertiser' && r.scopeId) problems.push('scopeId: must be empty when scopeType is advertiser');
  if (scopeType !== 'advertiser' && !r.scopeId) problems.push(`scopeId: required when scopeType is ${scopeType}`);
  if (scopeType === 'ad_group' && r.entityLevel === 'campaign') {
    problems.push('scopeType: a campaign rule may be scoped to the advertiser or one campaign');
  }
  if (scopeType === 'campaign' && r.entityLevel === 'campaign' && trigger.type === 'schedule') {
    // fine: one campaign's dayparting
  }

  // the trigger
  if (trigger.type === 'metric' && !trigger.condition) problems.push('trigger.condition: required for metric triggers');
  if (trigger.type !== 'metric' && trigger.condition) {
    problems.push(`trigger.condition: only metric triggers take a condition (use trigger.also for ${trigger.type})`);
  }
  if (trigger.type === 'budget' && r.entityLevel !== 'campaign') {
    problems.push('trigger.type: budget triggers judge campaign budgets: entityLevel must be campaign');
  }
  if (trigger.type !== 'budget' && (trigger.usageAtLeast !== undefined || trigger.beforeLocalHour !== undefined)) {
    problems.push('trigger.usageAtLeast: usageAtLeast and beforeLocalHour belong to budget triggers');
  }
  if (trigger.usageAtLeast !== undefined) {
    if (compareDecimal(trigger.usageAtLeast, '0') <= 0 || compareDecimal(trigger.usageAtLeast, '100') > 0) {
      problems.push('trigger.usageAtLeast: a budget usage in percent, above 0 and at most 100');
    }
  }
  if (trigger.type === 'capped' && r.entityLevel !== 'campaign') {
    problems.push('trigger.type: capped triggers judge campaign budgets: entityLevel must be campaign');
  }
  if (trigger.type === 'capped' && trigger.minSalesLost === undefined) {
    problems.push('trigger.minSalesLost: required for capped triggers (the least estimated sales lost by capping)');
  }
  if (trigger.type !== 'capped' && trigger.minSalesLost !== undefined) {
    problems.push('trigger.minSalesLost: belongs to capped triggers');
  }
  if (trigger.minSalesLost !== undefined && compareDecimal(trigger.minSalesLost, '0') <= 0) {
    problems.push('trigger.minSalesLost: money above 0');
  }
  if (trigger.type === 'schedule' && !isDaypart(action)) {
    problems.push('trigger.type: schedule triggers drive dayparting actions (daypart_budget, daypart_bid)');
  }
  if (isDaypart(action) && trigger.type !== 'schedule') {
    problems.push(`action.type: ${action.type} runs on a schedule trigger`);
  }
  const conditions = [
    ...(trigger.condition ? [['trigger.condition', trigger.condition] as const] : []),
    ...(trigger.also ?? []).map((c, i) => [`trigger.also[${i}]`, c] as const),
  ];
  for (const [path, c] of conditions) {
    if (compareDecimal(c.threshold, '0') < 0) problems.push(`${path}.threshold: must not be negative`);
    const change = CHANGE_CONDITIONS.has(c.condition);
    if (change && !c.baseline) problems.push(`${path}.baseline: required for change conditions`);
    if (!change && c.baseline) problems.push(`${path}.baseline: only change conditions take a baseline`);
    if ((c.settlingHours ?? 0) > 0 && !['cvr', 'acos', 'roas'].includes(c.metric)) {
      problems.push(`${path}.settlingHours: only conversion metrics (cvr, acos, roas) wait for settling`);
    }
  }

  // the action
  const needs = (key: keyof ActionSpecV1, types: string[]) => {
    const given = action[key] !== undefined && action[key] !== null;
    if (types.includes(action.type) && !given) problems.push(`action.${key}: required for ${action.type}`);
    if (!types.includes(action.type) && given) problems.push(`action.${key}: not used by ${action.type}`);
  };
  needs('value', ['set_budget', 'set_bid']);
  needs('percent', ['change_budget_pct', 'change_bid_pct']);
  needs('state', ['set_state']);
  needs('windows', ['daypart_budget', 'daypart_bid']);
  if (action.value !== undefined && compareDecimal(action.value, '0') <= 0) {
    problems.push('action.value: must be above 0');
  }
  if (action.percent !== undefined) {
    const p = action.percent.startsWith('-') ? action.percent.slice(1) : action.percent;
    if (compareDecimal(p, MAX_ACTION_PERCENT) > 0) {
      problems.push(`action.percent: at most ±${MAX_ACTION_PERCENT} % per action (got ${action.percent})`);
    }
    if (compareDecimal(p, '0') === 0) problems.push('action.percent: must not be 0');
  }
  if (action.windows) {
    if (action.windows.length === 0) problems.push('action.windows: at least one window');
    action.windows.forEach((w, i) => {
      if (w.fromHour >= w.toHour) problems.push(`action.windows[${i}].toHour: must be after fromHour`);
      if (compareDecimal(w.multiplier, MIN_MULTIPLIER) < 0 || compareDecimal(w.multiplier, MAX_MULTIPLIER) > 0) {
        problems.push(`action.windows[${i}].multiplier: between ${MIN_MULTIPLIER} and ${MAX_MULTIPLIER} (±90 %)`);
      }
    });
    const taken = new Map<string, number>();
    action.windows.forEach((w, i) => {
      for (const d of w.days) {
        for (let h = w.fromHour; h < w.toHour; h++) {
          const prior = taken.get(`${d}${h}`);
          if (prior !== undefined && prior !== i) {
            problems.push(`action.windows[${i}]: overlaps windows[${prior}] on ${d} at ${h}:00`);
            return;
          }
          taken.set(`${d}${h}`, i);
        }
      }
    });
  }

  // the guards
  const g = r.guards ?? {};
  const pair = (lo: keyof ActionGuardsV1, hi: keyof ActionGuardsV1) => {
    const a = g[lo] as string | null | undefined;
    const b = g[hi] as string | null | undefined;
    if (a != null && b != null && compareDecimal(b, a) < 0) {
      problems.push(`guards.${hi}: ${b} is below guards.${lo} ${a}`);
    }
  };
  pair('minBudget', 'maxBudget');
  pair('minBid', 'maxBid');
  if (field === 'budget' && (g.minBid != null || g.maxBid != null)) {
    problems.push('guards.minBid: bid limits apply to bid actions; use minBudget/maxBudget');
  }
  if (field === 'bid' && (g.minBudget != null || g.maxBudget != null)) {
    problems.push('guards.minBudget: budget limits apply to budget actions; use minBid/maxBid');
  }
  if (action.type === 'set_budget' && action.value) {
    if (g.maxBudget != null && compareDecimal(action.value, g.maxBudget) > 0) {
      problems.push(`action.value: ${action.value} is above guards.maxBudget ${g.maxBudget}`);
    }
    if (g.minBudget != null && compareDecimal(action.value, g.minBudget) < 0) {
      problems.push(`action.value: ${action.value} is below guards.minBudget ${g.minBudget}`);
    }
  }
  if (action.type === 'set_bid' && action.value) {
    if (g.maxBid != null && compareDecimal(action.value, g.maxBid) > 0) {
      problems.push(`action.value: ${action.value} is above guards.maxBid ${g.maxBid}`);
    }
    if (g.minBid != null && compareDecimal(action.value, g.minBid) < 0) {
      problems.push(`action.value: ${action.value} is below guards.minBid ${g.minBid}`);
    }
  }
  return problems;
}

/** The guards with their defaults (dayparting: one action per window change, no cooldown). */
export function resolveGuards(
  g: ActionGuardsV1 | undefined,
  action: Pick<ActionSpecV1, 'type'>,
): ActionGuardsResolvedV1 {
  const daypart = isDaypart(action);
  return {
    minBudget: g?.minBudget ?? null,
    maxBudget: g?.maxBudget ?? null,
    minBid: g?.minBid ?? null,
    maxBid: g?.maxBid ?? null,
    maxActionsPerDay: g?.maxActionsPerDay ?? (daypart ? 48 : 2),
    cooldownMinutes: g?.cooldownMinutes ?? (daypart ? 0 : 60),
  };
}

/** Rounded half-up to cents. */
export function toCents(v: string): string {
  return divideDecimal(v, '1', 2) as string;
}

/**
 * The value an action asks for, from the value before (a budget or bid; a state for set_state). For dayparting,
 * `multiplier` is the window's (or "1" to restore) and `before` is the base value.
 */
export function askedValue(action: ActionSpecV1, before: string, multiplier?: string): string {
  switch (action.type) {
    case 'set_budget':
    case 'set_bid':
      return toCents(action.value as string);
    case 'change_budget_pct':
    case 'change_bid_pct':
      return toCents(
        multiplyDecimal(before, addDecimal('1', divideDecimal(action.percent as string, '100', 6) as string)),
      );
    case 'set_state':
      return action.state as string;
    case 'daypart_budget':
    case 'daypart_bid':
      return toCents(multiplyDecimal(before, multiplier ?? '1'));
  }
}

/** What the guards need to know, read from the tables at proposal and again right before execution. */
export interface GuardFacts {
  /** actions of this rule on this entity on the advertiser's local day (not counting this one) */
  ruleActionsToday: number;
  /** the last action on this entity (any rule), if any */
  lastActionAt: Date | null;
  /** budget increases of the advertiser's local day already asked (not counting this one) */
  budgetIncreaseToday: string;
  maxDailyBudgetIncrease: string;
  /** when the data behind the trigger was last received (the advertiser's freshest dataset); null = never */
  dataReceivedAt: Date | null;
  freshnessHours: number;
  connectionHealthy: boolean;
  connectionState: string;
}

export interface GuardVerdict {
  /** null when a guard blocks the action */
  value: string | null;
  /** the ask after the ceilings, floors and the daily cap (may differ from the rule's wish) */
  notes: string[];
  blockedBy: string | null;
}

/**
 * Judges the guards of one numeric or state change. Ceilings, floors and the daily cap clamp the asked value (and
 * block when nothing is left to change); the count per day, the cooldown, stale data and an unhealthy connection block.
 */
export function judgeGuards(
  field: ActionField,
  before: string,
  asked: string,
  guards: ActionGuardsResolvedV1,
  facts: GuardFacts,
  now: Date,
  opts: { countsTowardCaps: boolean } = { countsTowardCaps: true },
): GuardVerdict {
  const notes: string[] = [];
  const block = (why: string): GuardVerdict => ({ value: null, notes, blockedBy: why });
  if (!facts.connectionHealthy) return block(`the Ads API connection is ${facts.connectionState}`);
  if (!facts.dataReceivedAt) return block('no data has been received for this advertiser');
  const ageMs = now.getTime() - facts.dataReceivedAt.getTime();
  if (ageMs > facts.freshnessHours * 3_600_000) {
    const hours = (ageMs / 3_600_000).toFixed(1);
    return block(`stale data: the last record arrived ${hours} h ago (limit ${facts.freshnessHours} h)`);
  }
  if (opts.countsTowardCaps && facts.ruleActionsToday >= guards.maxActionsPerDay) {
    return block(`maxActionsPerDay: ${facts.ruleActionsToday} of ${guards.maxActionsPerDay} actions today`);
  }
  if (opts.countsTowardCaps && facts.lastActionAt && guards.cooldownMinutes > 0) {
    const since = (now.getTime() - facts.lastActionAt.getTime()) / 60_000;
    if (since < guards.cooldownMinutes) {
      return block(
        `cooldown: the last action on this entity was ${Math.floor(since)} min ago (${guards.cooldownMinutes} min)`,
      );
    }
  }
  if (field === 'state') {
    if (asked === before) return block(`already ${before}`);
    return { value: asked, notes, blockedBy: null };
  }
  let value = asked;
  const [lo, hi] = field === 'budget' ? [guards.minBudget, guards.maxBudget] : [guards.minBid, guards.maxBid];
  // a limit only holds a change back in its own direction: a raise is never turned into a cut by the ceiling, nor a
  // cut into a raise by the floor
  const raising = compareDecimal(asked, before) > 0;
  if (raising && hi !== null && compareDecimal(value, hi) > 0) {
    if (compareDecimal(before, hi) >= 0) return block(`already at or above the ceiling ${toCents(hi)} (now ${before})`);
    notes.push(`capped at the ceiling ${toCents(hi)} (asked ${value})`);
    value = toCents(hi);
  }
  if (!raising && lo !== null && compareDecimal(value, lo) < 0) {
    if (compareDecimal(before, lo) <= 0) return block(`already at or below the floor ${toCents(lo)} (now ${before})`);
    notes.push(`held at the floor ${toCents(lo)} (asked ${value})`);
    value = toCents(lo);
  }
  if (field === 'budget' && opts.countsTowardCaps && compareDecimal(value, before) > 0) {
    const room = subtractDecimal(facts.maxDailyBudgetIncrease, facts.budgetIncreaseToday);
    if (compareDecimal(room, '0') <= 0) {
      return block(
        `maxDailyBudgetIncrease: ${toCents(facts.budgetIncreaseToday)} of ${toCents(facts.maxDailyBudgetIncrease)} already raised today`,
      );
    }
    if (compareDecimal(subtractDecimal(value, before), room) > 0) {
      const capped = toCents(addDecimal(before, room));
      notes.push(`limited by maxDailyBudgetIncrease to ${capped} (asked ${value})`);
      value = capped;
    }
  }
  if (compareDecimal(value, before) === 0) return block(`nothing to change: the ${field} is already ${before}`);
  return { value, notes, blockedBy: null };
}

/** The budget increase an action asks (0 for a decrease or another field). */
export function budgetIncrease(field: ActionField, before: string, asked: string): string {
  if (field !== 'budget') return '0';
  const d = subtractDecimal(asked, before);
  return compareDecimal(d, '0') > 0 ? d : '0';
}

/** The weekday and hour of an instant in an IANA time zone. */
export function localWeekHour(at: Date, timeZone: string): { day: Weekday; hour: number; date: string } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = get('weekday').toLowerCase().slice(0, 3) as Weekday;
  return { day, hour: Number(get('hour')), date: `${get('year')}-${get('month')}-${get('day')}` };
}

/** The dayparting window in force at a local weekday and hour (its index and multiplier), or null (the base value). */
export function daypartWindowAt(
  windows: readonly DaypartWindowV1[],
  day: Weekday,
  hour: number,
): { index: number; multiplier: string } | null {
  if (!WEEKDAYS.includes(day)) return null;
  const index = windows.findIndex((w) => w.days.includes(day) && hour >= w.fromHour && hour < w.toHour);
  return index < 0 ? null : { index, multiplier: windows[index].multiplier };
}

const LEVEL_WORDS: Record<ActionEntityLevel, string> = {
  campaign: 'campaign',
  ad_group: 'ad group',
  keyword: 'keyword',
  target: 'target',
};

/** "raise the daily budget of campaign "Brand – Exact" from 100.00 to 120.00 (+20.00 %)" */
export function describeChange(
  level: ActionEntityLevel,
  name: string | null,
  entityId: string,
  field: ActionField,
  before: string,
  asked: string,
): string {
  const what = `${LEVEL_WORDS[level]} "${name ?? entityId}"`;
  if (field === 'state') return `${asked === 'PAUSED' ? 'pause' : 'enable'} ${what} (now ${before})`;
  const c = compareDecimal(asked, before);
  const verb = c > 0 ? 'raise' : 'lower';
  const noun = field === 'budget' ? 'the daily budget' : 'the bid';
  const pct = compareDecimal(before, '0') === 0 ? null : divideDecimal(subtractDecimal(asked, before), before, 4);
  const pctText = pct === null ? '' : ` (${c > 0 ? '+' : ''}${divideDecimal(multiplyDecimal(pct, '100'), '1', 2)} %)`;
  return `${verb} ${noun} of ${what} from ${before} to ${asked}${pctText}`;
}

/** A trigger's description for reasons: "out of budget (100 %) at 14:05 local, before 18:00". */
export function describeTrigger(trigger: ActionTriggerV1): string {
  if (trigger.type === 'schedule') return 'the dayparting schedule';
  if (trigger.type === 'capped')
    return `ran out of budget yesterday, estimated sales lost at least ${trigger.minSalesLost}`;
  if (trigger.type === 'budget') {
    const usage = trigger.usageAtLeast ?? '100';
    const head = compareDecimal(usage, '100') >= 0 ? 'out of budget' : `budget usage at least ${usage} %`;
    return trigger.beforeLocalHour
      ? `${head} before ${String(trigger.beforeLocalHour).padStart(2, '0')}:00 local`
      : head;
  }
  const c = trigger.condition;
  return c
    ? `${c.metric} ${c.condition.replace('_', ' ')} ${c.threshold} over ${c.windowHours} h`
    : 'a metric condition';
}
