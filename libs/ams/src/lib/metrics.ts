import { divideDecimal, toDecimalString } from './decimal';

/** Summed components of a set of hourly deltas. Counts may be bigint (SQL SUM of bigint) or decimal strings. */
export interface MetricParts {
  impressions: string | number | bigint;
  clicks: string | number | bigint;
  cost: string;
  orders: string | number | bigint;
  sales: string;
}

export interface Ratios {
  /** clicks / impressions */
  ctr: number | null;
  /** cost / clicks as a decimal string with 2 places, half-up */
  cpc: string | null;
  /** orders / clicks */
  cvr: number | null;
  /** cost / sales (a fraction: 0.25 = 25 %) */
  acos: number | null;
  /** sales / cost */
  roas: number | null;
}

/** Decimal places of the JS-number ratios. */
export const RATIO_SCALE = 6;
/** Decimal places of CPC (money). */
export const CPC_SCALE = 2;

function toDecimal(v: string | number | bigint): string {
  return typeof v === 'bigint' ? v.toString() : toDecimalString(v);
}

function ratio(numerator: string, denominator: string): number | null {
  const q = divideDecimal(numerator, denominator, RATIO_SCALE);
  return q === null ? null : Number(q);
}

/**
 * Amazon's formulas (RESEARCH §5), computed from summed numerators and denominators — never average hourly ratios.
 * A zero denominator gives null. Throws only when a part is not numeric.
 */
export function computeRatios(p: MetricParts): Ratios {
  const impressions = toDecimal(p.impressions);
  const clicks = toDecimal(p.clicks);
  const cost = toDecimal(p.cost);
  const orders = toDecimal(p.orders);
  const sales = toDecimal(p.sales);
  return {
    ctr: ratio(clicks, impressions),
    cpc: divideDecimal(cost, clicks, CPC_SCALE),
    cvr: ratio(orders, clicks),
    acos: ratio(cost, sales),
    roas: ratio(sales, cost),
  };
}

export type AttributionWindow = '1d' | '7d' | '14d' | '30d';

export const ATTRIBUTION_WINDOWS: readonly AttributionWindow[] = Object.freeze(['1d', '7d', '14d', '30d'] as const);

/**
 * Ads-console default attribution window: Sponsored Products (sellers) 7 days, Sponsored Brands and Sponsored Display
 * 14 days (RESEARCH §5). SP vendors use 14 days in the console — keep the window configurable per advertiser.
 */
export function defaultAttributionWindow(adProduct: 'sp' | 'sb' | 'sd'): AttributionWindow {
  return adProduct === 'sp' ? '7d' : '14d';
}

/** Names of the normalized conversion metrics for a window, e.g. 7d -> orders_7d / sales_7d / units_7d. */
export function conversionMetricNames(window: AttributionWindow): {
  orders: `orders_${AttributionWindow}`;
  sales: `sales_${AttributionWindow}`;
  units: `units_${AttributionWindow}`;
} {
  return {
    orders: `orders_${window}`,
    sales: `sales_${window}`,
    units: `units_${window}`,
  };
}
