import { defaultAttributionWindow } from '@ams/ams';

const SP_DEFAULT = defaultAttributionWindow('sp');
/** SB and SD share AMS's default (attribution-window.integration.spec.ts checks the SQL against defaultAttributionWindow). */
const OTHER_DEFAULT = defaultAttributionWindow('sb');

/**
 * SQL for AMS's default attribution window of a row's ad product (`'7d'` for SP, `'14d'` for SB and SD), the window
 * that orders, sales and units mean when neither the request nor the advertiser's settings name one. Every reader of
 * conversions without an explicit window (the api's performance and campaign totals, the alerter's windows) uses this
 * or `defaultWindowMetricSql`, so they agree with `defaultAttributionWindow` in @ams/ams. `alias` qualifies
 * `ad_product` (`h` → `h.ad_product`); null leaves it bare.
 */
export function defaultAttributionWindowSql(alias: string | null): string {
  const a = alias ? `${alias}.` : '';
  return `CASE WHEN ${a}ad_product = 'sp' THEN '${SP_DEFAULT}' ELSE '${OTHER_DEFAULT}' END`;
}

/** SQL for a conversion metric of a row in AMS's default window, e.g. `orders` → the row's orders_7d or orders_14d. */
export function defaultWindowMetricSql(alias: string | null, metric: 'orders' | 'sales' | 'units'): string {
  const a = alias ? `${alias}.` : '';
  return `CASE WHEN ${a}ad_product = 'sp' THEN ${a}${metric}_${SP_DEFAULT} ELSE ${a}${metric}_${OTHER_DEFAULT} END`;
}
