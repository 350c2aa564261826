import {
  compareDecimal,
  computeRatios,
  divideDecimal,
  isZeroDecimal,
  multiplyDecimal,
  subtractDecimal,
  toDecimalString,
} from '@ams/ams';
import type { AlertMetric } from '@ams/contracts';
import type { PacingProjection } from '@ams/forecast';
import { type AlertRule, CHANGE_CONDITIONS } from '../rules/rule.logic';

/** Summed parts of one entity over one window (decimal strings; orders/sales in the default attribution window). */
export interface WindowParts {
  impressions: string;
  clicks: string;
  cost: string;
  orders: string;
  sales: string;
}

export type JudgedStatus = 'breach' | 'ok' | 'insufficient';

export interface Judgement {
  status: JudgedStatus;
  /** the window's value in the rule's unit (percent for ctr/cvr/acos/budget, ratio for roas, money, count) */
  value: string | null;
  baseline: string | null;
  changePct: string | null;
  /** why it is not judged, or a note on the value (e.g. "no sales") */
  note: string | null;
}

/**
 * A metric's value from summed parts, in the rule's unit. Ratios come from summed numerators and
 * denominators (computeRatios), never from averaged hourly ratios; null when the denominator is 0.
 */
export function metricValue(metric: AlertMetric, p: WindowParts): string | null {
  switch (metric) {
    case 'impressions':
      return toDecimalString(p.impressions);
    case 'clicks':
      return toDecimalString(p.clicks);
    case 'spend':
      return toDecimalString(p.cost);
    case 'sales':
      return toDecimalString(p.sales);
    case 'budget_usage':
      throw new Error('budget_usage is read from budget_usage_latest, not summed');
    case 'projected_out_of_budget_before':
      throw new Error(`${metric} is projected from the campaign's forecast, not summed`);
    case 'dead_letter_messages':
    case 'queue_oldest_age_seconds':
      throw new Error(`${metric} is read from the ingestor's queue status, not summed`);
    case 'subscription_failed_hours':
    case 'subscription_pending_hours':
    case 'dataset_stale_hours':
    case 'ads_reauthorization_needed':
      throw new Error(`${metric} is judged from the Ads API connection's status, not summed`);
    default:
      break;
  }
  const r = computeRatios(p);
  switch (metric) {
    case 'cpc':
      return r.cpc;
    case 'roas':
      return r.roas === null ? null : toDecimalString(r.roas);
    default: {
      const ratio = r[metric];
      return ratio === null ? null : multiplyDecimal(toDecimalString(ratio), '100');
    }
  }
}

/** The rule's minimum volume: impressions, clicks and spend at or above the rule's minimums. */
export function meetsMinimumVolume(
  rule: Pick<AlertRule, 'minImpressions' | 'minClicks' | 'minSpend'>,
  p: WindowParts,
): boolean {
  return (
    compareDecimal(p.impressions, String(rule.minImpressions)) >= 0 &&
    compareDecimal(p.clicks, String(rule.minClicks)) >= 0 &&
    compareDecimal(p.cost, rule.minSpend) >= 0
  );
}

/** Compares a value with the rule's threshold under an absolute condition. */
export function crosses(condition: AlertRule['condition'], value: string, threshold: string): boolean {
  const c = compareDecimal(value, threshold);
  switch (condition) {
    case 'above':
      return c > 0;
    case 'at_least':
      return c >= 0;
    case 'below':
      return c < 0;
    case 'at_most':
      return c <= 0;
    default:
      throw new Error(`${condition} is a change condition`);
  }
}

/**
 * Judges one entity's window. Below the minimum volume (in the window, and in the baseline for
 * change conditions) or without a value, the window is `insufficient`: not judged. ACOS with spend
 * but no sales is infinitely high: it breaches an upper bound.
 */
export function judgeWindow(
  rule: Pick<AlertRule, 'metric' | 'condition' | 'threshold' | 'minImpressions' | 'minClicks' | 'minSpend'>,
  current: WindowParts,
  baseline?: WindowParts,
): Judgement {
  const none = (note: string, value: string | null = null, base: string | null = null): Judgement => ({
    status: 'insufficient',
    value,
    baseline: base,
    changePct: null,
    note,
  });
  const value = metricValue(rule.metric, current);
  if (!meetsMinimumVolume(rule, current)) return none('below the minimum volume', value);

  if (!CHANGE_CONDITIONS.has(rule.condition)) {
    if (value === null) {
      const noSales = rule.metric === 'acos' && !isZeroDecimal(current.cost) && isZeroDecimal(current.sales);
      if (noSales && (rule.condition === 'above' || rule.condition === 'at_least')) {
        return { status: 'breach', value: null, baseline: null, changePct: null, note: 'spend but no sales' };
      }
      return none('no value (zero denominator)');
    }
    return {
      status: crosses(rule.condition, value, rule.threshold) ? 'breach' : 'ok',
      value,
      baseline: null,
      changePct: null,
      note: null,
    };
  }

  if (!baseline) return none('no baseline window', value);
  const base = metricValue(rule.metric, baseline);
  if (!meetsMinimumVolume(rule, baseline)) return none('baseline below the minimum volume', value, base);
  if (value === null || base === null || isZeroDecimal(base)) return none('no value to compare', value, base);
  const fraction = divideDecimal(
    subtractDecimal(value, base),
    base.startsWith('-') ? base.slice(1) : base,
    6,
  ) as string;
  const changePct = toDecimalString(multiplyDecimal(fraction, '100'));
  const moved = rule.condition === 'increase_pct' ? changePct : multiplyDecimal(changePct, '-1');
  const breach = compareDecimal(moved, rule.threshold) > 0;
  return { status: breach ? 'breach' : 'ok', value, baseline: base, changePct, note: null };
}

/** Judges a queue's latest status value (dead-letter messages, oldest age in seconds) against the threshold. */
export function judgeQueue(rule: Pick<AlertRule, 'condition' | 'threshold'>, value: number): Judgement {
  const v = toDecimalString(String(value));
  return {
    status: crosses(rule.condition, v, rule.threshold) ? 'breach' : 'ok',
    value: v,
    baseline: null,
    changePct: null,
    note: null,
  };
}

/** Judges the latest budget usage (percent) of a campaign or portfolio. */
export function judgeBudget(rule: Pick<AlertRule, 'condition' | 'threshold'>, usagePercentage: string): Judgement {
  const value = toDecimalString(usagePercentage);
  return {
    status: crosses(rule.condition, value, rule.threshold) ? 'breach' : 'ok',
    value,
    baseline: null,
    changePct: null,
    note: null,
  };
}

/**
 * Judges a campaign's pacing projection against a `projected_out_of_budget_before` rule: breach when the P50 time the
 * budget runs out (local, fractional hours; when it already ran out, when it did) is before the threshold hour. Not
 * judged without a projection (no facts to fit on) or below the rule's minSpend spent so far today. The value is the
 * P50 time in hours (4 decimals), null when the budget is not projected to run out today (ok).
 */
export function judgePacing(
  rule: Pick<AlertRule, 'condition' | 'threshold' | 'minSpend'>,
  p: Pick<PacingProjection, 'exhaustion' | 'spentSoFar'> | null,
): Judgement {
  const none = (note: string): Judgement => ({
    status: 'insufficient',
    value: null,
    baseline: null,
    changePct: null,
    note,
  });
  if (!p) return none('no forecast (no hourly facts of the campaign)');
  if (compareDecimal(p.spentSoFar, rule.minSpend) < 0) return none('below the minimum spend so far');
  const at = p.exhaustion.p50;
  if (at === null)
    return { status: 'ok', value: null, baseline: null, changePct: null, note: 'not projected to run out today' };
  const value = toDecimalString(at.toFixed(4));
  return {
    status: crosses(rule.condition, value, rule.threshold) ? 'breach' : 'ok',
    value,
    baseline: null,
    changePct: null,
    note: null,
  };
}

/** A window's forecast band in the metric's unit (numbers; money, counts, percent for CTR). */
export interface ForecastBand {
  p10: number;
  p50: number;
  p90: number;
}

const dec = (x: number) => toDecimalString(x.toFixed(4));

/**
 * Judges an `outside_forecast` rule: breach when the window's value is below its forecast's P10 or above its P90, the
 * band widened by the threshold in % on each side. Not judged below the minimum volume or without a band (no
 * forecast, no impressions/clicks for CTR/CPC). The value is the actual, the baseline the P50; the change the % the
 * value lies beyond the (widened) bound it crossed, or 0 inside.
 */
export function judgeBand(
  rule: Pick<AlertRule, 'metric' | 'threshold' | 'minImpressions' | 'minClicks' | 'minSpend'>,
  current: WindowParts,
  band: ForecastBand | null,
): Judgement {
  const value = metricValue(rule.metric, current);
  const none = (note: string): Judgement => ({ status: 'insufficient', value, baseline: null, changePct: null, note });
  if (!meetsMinimumVolume(rule, current)) return none('below the minimum volume');
  if (!band) return none('no forecast for the window');
  if (value === null) return none('no value (zero denominator)');
  const widen = Number(rule.threshold) / 100;
  const lo = band.p10 * (1 - widen);
  const hi = band.p90 * (1 + widen);
  const v = Number(value);
  const beyond = v > hi ? (hi > 0 ? ((v - hi) / hi) * 100 : 100) : v < lo ? ((v - lo) / lo) * 100 : 0;
  return {
    status: v > hi || v < lo ? 'breach' : 'ok',
    value,
    baseline: dec(band.p50),
    changePct: toDecimalString(beyond.toFixed(2)),
    note: `expected ${dec(band.p10)}–${dec(band.p90)} (P10–P90)`,
  };
}
