/** The normalized metric names of a performance record (what `hourly_fact` sums) and which of them are money. */
export const TRAFFIC_METRICS = ['impressions', 'clicks', 'cost', 'viewable_impressions'] as const;
export const CONVERSION_METRICS = [
  'orders_1d',
  'orders_7d',
  'orders_14d',
  'orders_30d',
  'sales_1d',
  'sales_7d',
  'sales_14d',
  'sales_30d',
  'units_1d',
  'units_7d',
  'units_14d',
  'units_30d',
] as const;
export type MetricName = (typeof TRAFFIC_METRICS)[number] | (typeof CONVERSION_METRICS)[number];
/** Every normalized metric, traffic first. */
export const METRIC_NAMES: readonly MetricName[] = Object.freeze([...TRAFFIC_METRICS, ...CONVERSION_METRICS]);
/** Every metric at '0': the start of a record's metrics (absent or not applicable metrics stay '0'). */
export const ZERO_METRICS = Object.freeze(
  Object.fromEntries(METRIC_NAMES.map((m) => [m, '0'])) as Record<MetricName, string>,
);

/** Metrics that are money (decimal with fraction); the others are integer counts. */
export const MONEY_METRICS: ReadonlySet<string> = new Set<string>([
  'cost',
  'sales_1d',
  'sales_7d',
  'sales_14d',
  'sales_30d',
]);
