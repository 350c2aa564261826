import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  ALERT_BASELINES,
  ALERT_CONDITIONS,
  ALERT_WINDOW_HOURS,
  type AlertBaseline,
  type AlertCondition,
} from './alerting';
import { IsBoundedDecimal, MAX_COUNT } from './validators';

/**
 * Guarded automation (Phase 2): action rules turn a trigger into a proposed change of a campaign's budget or state, an
 * ad group's state, or a keyword's or target's bid or state. The alerter judges the rules and writes each proposal
 * (`automation_action`) in the same transaction as its decision; the connector executes the queued ones at Amazon,
 * exactly once in effect. Money and bids are decimal strings in the advertiser's currency.
 *
 * Commands: `ACTION_RULE_*` (alerter), `ACTION_APPROVE|REJECT|REVERT` and `AUTOMATION_SET` (connector). Errors as
 * everywhere: `VALIDATION` (400, naming the field), `NOT_FOUND`, `CONFLICT` (409, e.g. a revert of a value that
 * changed since), `UNAVAILABLE`.
 */

/** `dry_run`: record and post "would change", send nothing. `approval`: wait for an operator. `auto`: execute. */
export const AUTOMATION_MODES = ['dry_run', 'approval', 'auto'] as const;
export type AutomationMode = (typeof AUTOMATION_MODES)[number];

/** What an action changes: a campaign (budget, state), an ad group (state), a keyword or product target (bid, state). */
export const ACTION_ENTITY_LEVELS = ['campaign', 'ad_group', 'keyword', 'target'] as const;
export type ActionEntityLevel = (typeof ACTION_ENTITY_LEVELS)[number];

export const AD_PRODUCT_CODES = ['SP', 'SB', 'SD'] as const;
export type AdProductCodeV1 = (typeof AD_PRODUCT_CODES)[number];

/**
 * `metric`: a performance condition over a window, as alert rules judge it (the entity's own figures).
 * `budget`: the campaign's budget usage reached `usageAtLeast` % (100 = out of budget), optionally only before the
 * local hour `beforeLocalHour`. `schedule`: the local hour of the week (dayparting; the action carries the table).
 * `capped`: the campaign ran out of budget on its previous local day and the estimated sales lost after the cap
 * (the cap digest's P50) reached `minSalesLost`; judged once per campaign and local day on the schedule tick.
 */
export const ACTION_TRIGGER_TYPES = ['metric', 'budget', 'schedule', 'capped'] as const;
export type ActionTriggerType = (typeof ACTION_TRIGGER_TYPES)[number];

export const ACTION_TYPES = [
  'set_budget',
  'change_budget_pct',
  'set_state',
  'set_bid',
  'change_bid_pct',
  'daypart_budget',
  'daypart_bid',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** The field an action changes at Amazon. */
export type ActionField = 'budget' | 'bid' | 'state';

/** Metrics a trigger condition may judge (performance only; pipeline health never triggers an action). */
export const ACTION_CONDITION_METRICS = [
  'ctr',
  'cpc',
  'cvr',
  'acos',
  'roas',
  'spend',
  'impressions',
  'clicks',
] as const;
export type ActionConditionMetric = (typeof ACTION_CONDITION_METRICS)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The largest raise or cut one action may ask for, in percent (±). */
export const MAX_ACTION_PERCENT = '90';

const ID = /^\d{1,20}$/;
/**
 * Advertiser ids are AMS's `advertiser_id` (= the profile's `accountInfo.id`), e.g. `ENTITY2LJ7PT1S0EHHP`: letters and
 * digits, as the api accepts them everywhere else (`ID_PATTERN`), not Amazon's numeric entity ids.
 */
const ADVERTISER_ID = /^[A-Za-z0-9._-]{1,64}$/;
const DESTINATION = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** One performance condition, judged like an alert rule's over the entity's window (thresholds as in alert rules). */
export class ActionConditionV1 {
  @IsIn(ACTION_CONDITION_METRICS) metric!: ActionConditionMetric;
  @IsIn(ALERT_CONDITIONS) condition!: AlertCondition;
  @IsBoundedDecimal() threshold!: string;
  @IsIn(ALERT_WINDOW_HOURS) windowHours!: number;
  @IsOptional() @IsIn(ALERT_BASELINES) baseline?: AlertBaseline | null;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_COUNT) minImpressions?: number;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_COUNT) minClicks?: number;
  @IsOptional() @IsBoundedDecimal() minSpend?: string;
  @IsOptional() @IsInt() @Min(0) @Max(24 * 30) settlingHours?: number;
}

export class ActionTriggerV1 {
  @IsIn(ACTION_TRIGGER_TYPES) type!: ActionTriggerType;
  /** `metric` triggers: the condition that fires the action. */
  @IsOptional() @ValidateNested() @Type(() => ActionConditionV1) condition?: ActionConditionV1;
  /** `budget` triggers: budget usage in percent (default 100: out of budget). */
  @IsOptional() @IsBoundedDecimal() usageAtLeast?: string;
  /** `budget` triggers: only when the usage is reached before this local hour (1–24; 18 = before 18:00). */
  @IsOptional() @IsInt() @Min(1) @Max(24) beforeLocalHour?: number;
  /** `capped` triggers (required): the least estimated sales lost by capping yesterday, money above 0, e.g. "200". */
  @IsOptional() @IsBoundedDecimal() minSalesLost?: string;
  /** Further conditions that must all hold too (e.g. ROAS ≥ 3 over the local day). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  @Type(() => ActionConditionV1)
  also?: ActionConditionV1[];
}

/** A dayparting window: on these local weekdays, from `fromHour` to `toHour` (exclusive), the base value × multiplier. */
export class DaypartWindowV1 {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(7) @IsIn(WEEKDAYS, { each: true }) days!: Weekday[];
  @IsInt() @Min(0) @Max(23) fromHour!: number;
  @IsInt() @Min(1) @Max(24) toHour!: number;
  /** e.g. "1.25" (+25 %) or "0.5"; between 0.1 and 1.9 (a change of at most ±90 %). */
  @IsBoundedDecimal() multiplier!: string;
}

export class ActionSpecV1 {
  @IsIn(ACTION_TYPES) type!: ActionType;
  /** `set_budget`, `set_bid`: the new value. */
  @IsOptional() @IsBoundedDecimal() value?: string;
  /** `change_budget_pct`, `change_bid_pct`: signed percent, e.g. "20" or "-15" (at most ±90). */
  @IsOptional() @IsString() @Matches(/^-?\d{1,3}(\.\d{1,4})?$/) percent?: string;
  /** `set_state` */
  @IsOptional() @IsIn(['ENABLED', 'PAUSED']) state?: 'ENABLED' | 'PAUSED';
  /** `daypart_*`: the hour-of-week windows; outside them the base value is restored. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @ValidateNested({ each: true })
  @Type(() => DaypartWindowV1)
  windows?: DaypartWindowV1[];
}

/** Per-rule limits, checked at proposal and again right before execution. */
export class ActionGuardsV1 {
  @IsOptional() @IsBoundedDecimal() minBudget?: string | null;
  @IsOptional() @IsBoundedDecimal() maxBudget?: string | null;
  @IsOptional() @IsBoundedDecimal() minBid?: string | null;
  @IsOptional() @IsBoundedDecimal() maxBid?: string | null;
  /** Actions of this rule per entity per local day (default 2; dayparting rules count windows, default 48). */
  @IsOptional() @IsInt() @Min(1) @Max(96) maxActionsPerDay?: number;
  /** Minutes between two actions on the same entity, whichever rule (default 60; dayparting: 0). */
  @IsOptional() @IsInt() @Min(0) @Max(7 * 24 * 60) cooldownMinutes?: number;
}

/** `cmd.alerter.action-rule-create.v1` */
export class ActionRuleCreateRequestV1 {
  @IsString() @MinLength(1) @MaxLength(120) name!: string;
  @IsString() @Matches(ADVERTISER_ID) advertiserId!: string;
  @IsIn(ACTION_ENTITY_LEVELS) entityLevel!: ActionEntityLevel;
  /** Which entities: all of the advertiser's at the level, or those under one campaign or ad group. */
  @IsOptional() @IsIn(['advertiser', 'campaign', 'ad_group']) scopeType?: 'advertiser' | 'campaign' | 'ad_group';
  @IsOptional() @IsString() @Matches(ID) scopeId?: string | null;
  /** Ad products the rule acts on (default all three). */
  @IsOptional() @IsArray() @ArrayMinSize(1) @IsIn(AD_PRODUCT_CODES, { each: true }) adProducts?: AdProductCodeV1[];
  /** Default `dry_run`. */
  @IsOptional() @IsIn(AUTOMATION_MODES) mode?: AutomationMode;
  @ValidateNested() @Type(() => ActionTriggerV1) trigger!: ActionTriggerV1;
  @ValidateNested() @Type(() => ActionSpecV1) action!: ActionSpecV1;
  @IsOptional() @ValidateNested() @Type(() => ActionGuardsV1) guards?: ActionGuardsV1;
  @IsOptional() @Matches(DESTINATION) destination?: string;
  @IsOptional() @IsBoolean() enabled?: boolean;
}

/** `cmd.alerter.action-rule-update.v1`: only the fields given change (a changed mode applies to later proposals). */
export class ActionRuleUpdateRequestV1 {
  @IsString() @Matches(/^\d{1,18}$/) id!: string;
  @IsOptional() @IsString() @MinLength(1) @MaxLength(120) name?: string;
  @IsOptional() @IsIn(['advertiser', 'campaign', 'ad_group']) scopeType?: 'advertiser' | 'campaign' | 'ad_group';
  @IsOptional() @IsString() @Matches(ID) scopeId?: string | null;
  @IsOptional() @IsArray() @ArrayMinSize(1) @IsIn(AD_PRODUCT_CODES, { each: true }) adProducts?: AdProductCodeV1[];
  @IsOptional() @IsIn(AUTOMATION_MODES) mode?: AutomationMode;
  @IsOptional() @ValidateNested() @Type(() => ActionTriggerV1) trigger?: ActionTriggerV1;
  @IsOptional() @ValidateNested() @Type(() => ActionSpecV1) action?: ActionSpecV1;
  @IsOptional() @ValidateNested() @Type(() => ActionGuardsV1) guards?: ActionGuardsV1;
  @IsOptional() @Matches(DESTINATION) destination?: string;
  @IsOptional() @IsBoolean() enabled?: boolean;
}

/** `cmd.alerter.action-rule-delete.v1`: the rule stops; its actions and their audit are kept. */
export class ActionRuleDeleteRequestV1 {
  @IsString() @Matches(/^\d{1,18}$/) id!: string;
}

export interface ActionRuleDeleteReplyV1 {
  id: string;
  deleted: true;
}

/** `cmd.alerter.action-rule-list.v1` */
export class ActionRuleListRequestV1 {
  @IsOptional() @IsString() @Matches(ADVERTISER_ID) advertiserId?: string;
}

export interface ActionGuardsResolvedV1 {
  minBudget: string | null;
  maxBudget: string | null;
  minBid: string | null;
  maxBid: string | null;
  maxActionsPerDay: number;
  cooldownMinutes: number;
}

/** A rule as the alerter stores it. */
export interface ActionRuleV1 {
  id: string;
  name: string;
  advertiserId: string;
  entityLevel: ActionEntityLevel;
  scopeType: 'advertiser' | 'campaign' | 'ad_group';
  scopeId: string | null;
  adProducts: AdProductCodeV1[];
  mode: AutomationMode;
  trigger: ActionTriggerV1;
  action: ActionSpecV1;
  guards: ActionGuardsResolvedV1;
  destination: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ActionRuleListReplyV1 {
  rules: ActionRuleV1[];
}

/**
 * An action's life. `dry_run` (recorded, nothing sent) and `rejected`, `expired`, `blocked` (a guard or the kill
 * switch stopped it, with the reason), `superseded` (re-judged: the entity changed outside ams-sentinel, or the
 * change is no longer needed), `done` and `failed` are final. `pending_approval` → `queued` (approved) → `executing`
 * → final. An `executing` action whose executor died is read back from Amazon before anything is sent again.
 */
export const ACTION_STATES = [
  'dry_run',
  'pending_approval',
  'queued',
  'executing',
  'done',
  'failed',
  'rejected',
  'expired',
  'blocked',
  'superseded',
] as const;
export type ActionState = (typeof ACTION_STATES)[number];

/** Why the action exists: a rule fired, a dayparting window ended (restore the base), or a user reverted one. */
export type ActionKind = 'rule' | 'daypart_restore' | 'revert';

/** An action with its audit trail (GET /v1/actions, replies of approve, reject and revert). */
export interface ActionV1 {
  id: string;
  kind: ActionKind;
  ruleId: string | null;
  ruleName: string | null;
  mode: AutomationMode;
  state: ActionState;
  advertiserId: string;
  profileId: string;
  adProduct: AdProductCodeV1;
  entityType: ActionEntityLevel;
  entityId: string;
  entityName: string | null;
  campaignId: string | null;
  adGroupId: string | null;
  field: ActionField;
  valueBefore: string;
  valueAsked: string;
  /** what Amazon reported after the change (or the read-back) */
  valueAfter: string | null;
  /** "raise budget of Campaign X from 100.00 to 120.00 because …" */
  reason: string;
  /** the figures that triggered it (window, metrics, budget usage) */
  trigger: Record<string, unknown>;
  /** why a guard stopped or re-judged it, or Amazon's error */
  stateReason: string | null;
  localDate: string;
  createdAt: string;
  expiresAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  executedAt: string | null;
  attempts: number;
  amazonRequestIds: string[];
  resultCode: string | null;
  revertsActionId: string | null;
  revertedByActionId: string | null;
}

/** `cmd.connector.action-approve.v1`: a `pending_approval` action is queued (guards are judged again at execution). */
export class ActionDecisionRequestV1 {
  @IsString() @Matches(/^\d{1,18}$/) id!: string;
  /** who decided (the api key's name) */
  @IsString() @MinLength(1) @MaxLength(120) by!: string;
  @IsOptional() @IsString() @MaxLength(500) note?: string;
}

/** `cmd.connector.automation-set.v1`: the kill switch and the per-advertiser daily cap on budget increases. */
export class AdvertiserAutomationLimitV1 {
  @IsString() @Matches(ADVERTISER_ID) advertiserId!: string;
  /** money per local day; null returns to AUTOMATION_MAX_DAILY_BUDGET_INCREASE */
  @IsOptional() @IsBoundedDecimal() maxDailyBudgetIncrease!: string | null;
}

export class AutomationSetRequestV1 {
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => AdvertiserAutomationLimitV1)
  advertiserLimits?: AdvertiserAutomationLimitV1[];
  @IsString() @MinLength(1) @MaxLength(120) by!: string;
}

export interface AutomationStateV1 {
  /** what executes now: the stored switch and AUTOMATION_ENABLED both on */
  enabled: boolean;
  /** the stored switch (PUT /v1/automation) */
  switchEnabled: boolean;
  /** AUTOMATION_ENABLED of the connector's environment */
  envEnabled: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
  defaultMaxDailyBudgetIncrease: string;
  advertiserLimits: { advertiserId: string; maxDailyBudgetIncrease: string }[];
}

/** `automation.actions.queued.v1` (alerter, connector): actions were queued; the executor looks now, not at its next poll. */
export class ActionsQueuedV1 {
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Matches(/^\d{1,18}$/, { each: true })
  actionIds!: string[];
  @IsString() emittedAt!: string;
}

/** `automation.actions.settled.v1` (connector): actions reached a final state (Slack, digests). */
export class ActionsSettledV1 {
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Matches(/^\d{1,18}$/, { each: true })
  actionIds!: string[];
  @IsString() emittedAt!: string;
}
