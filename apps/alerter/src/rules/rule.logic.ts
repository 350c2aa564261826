import { compareDecimal, toDecimalString } from '@ams/ams';
import {
  type AlertCondition,
  type AlertEntityLevel,
  type AlertMetric,
  type AlertScopeType,
  type AlertRuleV1,
  type AlertSeverity,
  ALERT_WINDOW_HOURS,
  CONNECTION_ALERT_METRICS,
  CONVERSION_ALERT_METRICS,
  FORECAST_ALERT_METRICS,
  FORECAST_BAND_METRICS,
  PIPELINE_ALERT_METRICS,
  SUBSCRIPTION_ALERT_METRICS,
} from '@ams/contracts';
import type { AlerterEnv } from '../config/alerter.env';

/** A rule as the evaluator uses it: the contract's rule without its timestamps. Decimals stay strings. */
export type AlertRule = Omit<AlertRuleV1, 'createdAt' | 'updatedAt'>;

export type RuleDraft = Omit<AlertRule, 'id' | 'customized'>;

export const CHANGE_CONDITIONS: ReadonlySet<AlertCondition> = new Set(['increase_pct', 'decrease_pct']);

/** Scopes a rule may narrow to, per entity level (a scope must contain the entities it judges). */
const SCOPES_BY_LEVEL: Record<AlertEntityLevel, readonly AlertScopeType[]> = {
  advertiser: ['all', 'advertiser'],
  campaign: ['all', 'advertiser', 'campaign'],
  ad_group: ['all', 'advertiser', 'campaign', 'ad_group'],
  keyword: ['all', 'advertiser', 'campaign', 'ad_group', 'keyword'],
  portfolio: ['all', 'advertiser', 'portfolio'],
  queue: ['all'],
  subscription: ['all', 'advertiser'],
  connection: ['all'],
};

/** The entity level each pipeline-health metric is judged at (the others are performance or budget metrics). */
export function healthLevel(metric: AlertMetric): 'queue' | 'subscription' | 'connection' | null {
  if (PIPELINE_ALERT_METRICS.includes(metric)) return 'queue';
  if (SUBSCRIPTION_ALERT_METRICS.includes(metric)) return 'subscription';
  if (CONNECTION_ALERT_METRICS.includes(metric)) return 'connection';
  return null;
}

const HEALTH_LEVELS: ReadonlySet<AlertEntityLevel> = new Set(['queue', 'subscription', 'connection']);
const HEALTH_SUBJECTS: Record<'queue' | 'subscription' | 'connection', string> = {
  queue: 'SQS queues',
  subscription: 'Marketing Stream subscriptions',
  connection: 'the Amazon Ads API connection',
};

function crossesThreshold(condition: 'above' | 'at_least', value: string, threshold: string): boolean {
  const c = compareDecimal(value, threshold);
  return condition === 'above' ? c > 0 : c >= 0;
}

/** Units of thresholds, for messages and validation. */
export function metricUnit(
  metric: AlertMetric,
): 'percent' | 'ratio' | 'money' | 'count' | 'seconds' | 'hours' | 'flag' | 'clock' {
  switch (metric) {
    case 'ctr':
    case 'cvr':
    case 'acos':
    case 'budget_usage':
      return 'percent';
    case 'roas':
      return 'ratio';
    case 'cpc':
    case 'spend':
    case 'sales':
      return 'money';
    case 'queue_oldest_age_seconds':
      return 'seconds';
    case 'subscription_failed_hours':
    case 'subscription_pending_hours':
    case 'dataset_stale_hours':
      return 'hours';
    case 'ads_reauthorization_needed':
      return 'flag';
    case 'projected_out_of_budget_before':
      return 'clock';
    default:
      return 'count';
  }
}

/** Every semantic problem of a rule (the contract classes check shapes; this checks combinations). */
export function ruleProblems(r: RuleDraft, knownDestinations: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const isBudget = r.metric === 'budget_usage';
  const health = healthLevel(r.metric);
  const isChange = CHANGE_CONDITIONS.has(r.condition);
  if (compareDecimal(r.threshold, '0') < 0) problems.push('threshold: must not be negative');
  if (health) {
    const what = HEALTH_SUBJECTS[health];
    if (r.entityLevel !== health) problems.push(`entityLevel: ${r.metric} rules judge ${what} (${health})`);
    if (isChange) problems.push(`condition: ${r.metric} rules compare with a threshold, not a baseline`);
    if (r.windowHours !== null)
      problems.push(`windowHours: ${r.metric} rules judge the latest status and take no window`);
    if (health !== 'queue' && r.condition !== 'above' && r.condition !== 'at_least') {
      problems.push(`condition: ${r.metric} rules fire when the value reaches the threshold (above or at_least)`);
    }
    if (metricUnit(r.metric) === 'flag' && (r.condition === 'above' || r.condition === 'at_least')) {
      if (!crossesThreshold(r.condition, '1', r.threshold) || crossesThreshold(r.condition, '0', r.threshold)) {
        problems.push(`threshold: ${r.metric} is 1 or 0: the rule must fire on 1 and not on 0 (e.g. above 0)`);
      }
    }
  } else if (HEALTH_LEVELS.has(r.entityLevel)) {
    const metrics = [...PIPELINE_ALERT_METRICS, ...SUBSCRIPTION_ALERT_METRICS, ...CONNECTION_ALERT_METRICS];
    const own = metrics.filter((m) => healthLevel(m) === r.entityLevel).join(', ');
    problems.push(`entityLevel: ${r.entityLevel} is for pipeline-health metrics only (${own})`);
  } else if (FORECAST_ALERT_METRICS.includes(r.metric)) {
    if (r.entityLevel !== 'campaign') problems.push(`entityLevel: ${r.metric} rules judge campaign budgets`);
    if (r.condition !== 'below') problems.push(`condition: ${r.metric} rules fire before a local hour (below)`);
    if (r.windowHours !== null)
      problems.push(`windowHours: ${r.metric} rules judge the latest usage's projection and take no window`);
    if (compareDecimal(r.threshold, '1') < 0 || compareDecimal(r.threshold, '24') > 0)
      problems.push(`threshold: ${r.metric} takes a local hour from 1 to 24`);
  } else if (isBudget) {
    if (r.entityLevel !== 'campaign' && r.entityLevel !== 'portfolio') {
      problems.push('entityLevel: budget_usage rules judge campaign or portfolio budgets');
    }
    if (isChange) problems.push('condition: budget_usage rules compare with a threshold, not a baseline');
    if (r.windowHours !== null)
      problems.push('windowHours: budget_usage rules judge the latest usage and take no window');
  } else {
    if (r.entityLevel === 'portfolio') problems.push('entityLevel: portfolio is for budget_usage rules only');
    if (r.windowHours === null) problems.push('windowHours: required for this metric');
    else if (!(ALERT_WINDOW_HOURS as readonly number[]).includes(r.windowHours)) {
      problems.push(`windowHours: must be one of ${ALERT_WINDOW_HOURS.join(', ')}`);
    }
  }
  if (r.condition === 'outside_forecast') {
    if (!FORECAST_BAND_METRICS.includes(r.metric))
      problems.push(`metric: outside_forecast judges ${FORECAST_BAND_METRICS.join(', ')}`);
    else {
      if (r.entityLevel !== 'campaign')
        problems.push('entityLevel: outside_forecast judges campaigns (their forecasts)');
      if (r.windowHours !== null && r.windowHours > 24)
        problems.push('windowHours: outside_forecast judges windows of the local day (1–24 h)');
    }
    if (compareDecimal(r.threshold, '1000') > 0)
      problems.push('threshold: outside_forecast takes the % the band is widened by, 0 to 1000');
  }
  if (isChange && !r.baseline) problems.push('baseline: required for change conditions (previous or week_ago)');
  if (!isChange && r.baseline)
    problems.push('baseline: only change conditions (increase_pct, decrease_pct) take a baseline');
  if (r.settlingHours > 0 && !CONVERSION_ALERT_METRICS.includes(r.metric)) {
    problems.push('settlingHours: only conversion metrics (cvr, acos, roas, sales) wait for settling');
  }
  if (!SCOPES_BY_LEVEL[r.entityLevel].includes(r.scopeType)) {
    problems.push(`scopeType: a ${r.entityLevel} rule may be scoped to ${SCOPES_BY_LEVEL[r.entityLevel].join(', ')}`);
  }
  if (r.scopeType === 'all' && r.scopeId) problems.push('scopeId: must be empty when scopeType is all');
  if (r.scopeType !== 'all' && !r.scopeId) problems.push(`scopeId: required when scopeType is ${r.scopeType}`);
  if (!knownDestinations.has(r.destination)) {
    problems.push(
      `destination: "${r.destination}" is not a configured destination (${[...knownDestinations].join(', ')})`,
    );
  }
  return problems;
}

/**
 * The default rules of the original design, thresholds from the environment: CTR drop, spend
 * spike, ACOS above, ROAS below (campaign level, the advertiser's local day), and budget usage at
 * the warning and out-of-budget levels for campaign and portfolio budgets.
 */
export function defaultRules(env: AlerterEnv): RuleDraft[] {
  const common = {
    scopeType: 'all' as const,
    scopeId: null,
    destination: 'default',
    repeatIntervalMinutes: env.ALERT_REPEAT_INTERVAL_MINUTES,
    enabled: true,
    minImpressions: 0,
    minClicks: 0,
    minSpend: '0',
    settlingHours: 0,
    baseline: null,
  };
  const perf = { ...common, entityLevel: 'campaign' as const, windowHours: env.ALERT_WINDOW_HOURS };
  const budget = (
    level: 'campaign' | 'portfolio',
    key: string,
    name: string,
    threshold: string,
    severity: AlertSeverity,
  ): RuleDraft => ({
    ...common,
    defaultKey: key,
    name,
    metric: 'budget_usage',
    condition: 'at_least',
    threshold: toDecimalString(threshold),
    windowHours: null,
    entityLevel: level,
    severity,
  });
  return [
    {
      ...perf,
      defaultKey: 'ctr-drop',
      name: 'CTR drop',
      metric: 'ctr',
      condition: 'decrease_pct',
      threshold: toDecimalString(env.ALERT_CTR_DROP_PCT),
      baseline: 'previous',
      minImpressions: env.ALERT_MIN_IMPRESSIONS,
      severity: 'warning',
    },
    {
      ...perf,
      defaultKey: 'spend-spike',
      name: 'Spend spike',
      metric: 'spend',
      condition: 'increase_pct',
      threshold: toDecimalString(env.ALERT_SPEND_SPIKE_PCT),
      baseline: 'previous',
      minSpend: toDecimalString(env.ALERT_MIN_SPEND),
      severity: 'warning',
    },
    {
      ...perf,
      defaultKey: 'acos-high',
      name: 'ACOS above target',
      metric: 'acos',
      condition: 'above',
      threshold: toDecimalString(env.ALERT_ACOS_MAX_PCT),
      minClicks: env.ALERT_MIN_CLICKS,
      settlingHours: env.ALERT_SETTLING_HOURS,
      severity: 'warning',
    },
    {
      ...perf,
      defaultKey: 'roas-low',
      name: 'ROAS below target',
      metric: 'roas',
      condition: 'below',
      threshold: toDecimalString(env.ALERT_ROAS_MIN),
      minClicks: env.ALERT_MIN_CLICKS,
      settlingHours: env.ALERT_SETTLING_HOURS,
      severity: 'warning',
    },
    budget('campaign', 'budget-warning-campaign', 'budget nearly spent', env.ALERT_BUDGET_WARN_PCT, 'warning'),
    budget('campaign', 'budget-out-campaign', 'out of budget', env.ALERT_BUDGET_OUT_PCT, 'critical'),
    budget('portfolio', 'budget-warning-portfolio', 'budget nearly spent', env.ALERT_BUDGET_WARN_PCT, 'warning'),
    budget('portfolio', 'budget-out-portfolio', 'out of budget', env.ALERT_BUDGET_OUT_PCT, 'critical'),
    // budget pacing from the campaign's forecast: projected to run out more than N hours before its local day ends
    {
      ...common,
      defaultKey: 'budget-pacing-campaign',
      name: `projected out of budget more than ${env.ALERT_PACING_HOURS_BEFORE_END} h before the day ends`,
      metric: 'projected_out_of_budget_before',
      condition: 'below',
      threshold: String(24 - env.ALERT_PACING_HOURS_BEFORE_END),
      windowHours: null,
      entityLevel: 'campaign',
      minSpend: toDecimalString(env.ALERT_MIN_SPEND),
      severity: 'warning',
    },
    // pipeline health, per SQS queue from the ingestor's queue status: records waiting in a dead-letter queue are
    // missing from every number until they are redriven; an old message means ingestion is falling behind
    {
      ...common,
      defaultKey: 'pipeline-dead-letters',
      name: 'dead-letter queue holds messages',
      metric: 'dead_letter_messages',
      condition: 'above',
      threshold: '0',
      windowHours: null,
      entityLevel: 'queue',
      severity: 'critical',
    },
    {
      ...common,
      defaultKey: 'pipeline-queue-age',
      name: 'queue falling behind',
      metric: 'queue_oldest_age_seconds',
      condition: 'above',
      threshold: String(env.ALERT_QUEUE_MAX_AGE_SECONDS),
      windowHours: null,
      entityLevel: 'queue',
      severity: 'warning',
    },
    // pipeline health of the Amazon Ads connection, per Marketing Stream subscription (from the connector's polls and
    // the processor's dataset_freshness) and for the connection itself: without them AMS silently stops delivering
    {
      ...common,
      defaultKey: 'ads-subscription-failed',
      name: 'Marketing Stream subscription failed',
      metric: 'subscription_failed_hours',
      condition: 'at_least',
      threshold: '0',
      windowHours: null,
      entityLevel: 'subscription',
      severity: 'critical',
    },
    {
      ...common,
      defaultKey: 'ads-subscription-pending',
      name: 'Marketing Stream subscription not confirmed',
      metric: 'subscription_pending_hours',
      condition: 'above',
      threshold: String(env.ADS_PENDING_ALERT_HOURS),
      windowHours: null,
      entityLevel: 'subscription',
      severity: 'warning',
    },
    {
      ...common,
      defaultKey: 'ads-stale-data',
      name: 'no data from a subscribed dataset',
      metric: 'dataset_stale_hours',
      condition: 'above',
      threshold: String(env.ALERT_STALE_DATA_HOURS),
      windowHours: null,
      entityLevel: 'subscription',
      severity: 'warning',
    },
    {
      ...common,
      defaultKey: 'ads-reauthorization',
      name: 'Amazon Ads API needs re-authorisation',
      metric: 'ads_reauthorization_needed',
      condition: 'above',
      threshold: '0',
      windowHours: null,
      entityLevel: 'connection',
      severity: 'critical',
    },
  ];
}

/** A short statement of the rule's condition, e.g. `ACOS > 30 %`, `CTR down > 20 % vs previous window`. */
export function describeCondition(r: Pick<AlertRule, 'metric' | 'condition' | 'threshold' | 'baseline'>): string {
  const label = METRIC_LABELS[r.metric];
  const unit = metricUnit(r.metric);
  const t = formatValue(r.threshold, unit);
  const vs = r.baseline === 'week_ago' ? 'same hours a week earlier' : 'previous window';
  switch (r.condition) {
    case 'above':
      return `${label} > ${t}`;
    case 'at_least':
      return `${label} ≥ ${t}`;
    case 'below':
      return `${label} < ${t}`;
    case 'at_most':
      return `${label} ≤ ${t}`;
    case 'increase_pct':
      return `${label} up > ${r.threshold} % vs ${vs}`;
    case 'decrease_pct':
      return `${label} down > ${r.threshold} % vs ${vs}`;
    case 'outside_forecast':
      return compareDecimal(r.threshold, '0') > 0
        ? `${label} outside its forecast's P10–P90 band widened by ${r.threshold} %`
        : `${label} outside its forecast's P10–P90 band`;
  }
}

export const METRIC_LABELS: Record<AlertMetric, string> = {
  ctr: 'CTR',
  cpc: 'CPC',
  cvr: 'CVR',
  acos: 'ACOS',
  roas: 'ROAS',
  spend: 'Spend',
  impressions: 'Impressions',
  clicks: 'Clicks',
  budget_usage: 'Budget usage',
  projected_out_of_budget_before: 'Projected out of budget at',
  dead_letter_messages: 'Dead-letter messages',
  queue_oldest_age_seconds: 'Oldest message age',
  subscription_failed_hours: 'Hours failed',
  subscription_pending_hours: 'Hours pending confirmation',
  dataset_stale_hours: 'Hours without data',
  ads_reauthorization_needed: 'Re-authorisation needed',
  sales: 'Sales',
};

/** A value in its metric's unit for people: `31.25 %`, `1.8`, `52.10`, `1200`. */
export function formatValue(value: string | null, unit: ReturnType<typeof metricUnit>): string {
  if (value === null) return 'n/a';
  const n = Number(value);
  switch (unit) {
    case 'percent':
      return `${trim(n, 2)} %`;
    case 'ratio':
      return trim(n, 2);
    case 'money':
      return n.toFixed(2);
    case 'seconds':
      return `${value} s`;
    case 'hours':
      return `${trim(n, 1)} h`;
    case 'flag':
      return n > 0 ? 'yes' : 'no';
    case 'clock': {
      const minutes = Math.round(n * 60);
      return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    }
    default:
      return value;
  }
}

function trim(n: number, places: number): string {
  return String(Number(n.toFixed(places)));
}
