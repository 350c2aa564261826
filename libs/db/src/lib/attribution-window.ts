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

/**
 * The default SP window of an advertiser by its Amazon account type (`ads_profile.account_type`): vendors 14 days (what
 * the Ads console shows them), sellers and agencies AMS's 7 days, and AMS's 7 days when the connector has not listed
 * the advertiser (NULL). SB and SD are 14 days for everyone.
 */
export const VENDOR_SP_DEFAULT = '14d' as const;

/** `accountDefaultAttributionWindowSql` in TypeScript (attribution-window.integration.spec.ts checks they agree). */
export function accountDefaultAttributionWindow(
  adProduct: 'sp' | 'sb' | 'sd',
  accountType: string | null | undefined,
): '7d' | '14d' {
  if (adProduct !== 'sp') return OTHER_DEFAULT as '14d';
  return accountType === 'vendor' ? VENDOR_SP_DEFAULT : (SP_DEFAULT as '7d');
}

/**
 * SQL for the default window of a row: like `defaultAttributionWindowSql`, with the SP window set by `accountType`
 * (an SQL expression of `ads_profile.account_type`, NULL when unknown). The advertiser's settings
 * (`advertiser_setting`) override it, as they override `defaultAttributionWindowSql`.
 */
export function accountDefaultAttributionWindowSql(alias: string | null, accountType: string): string {
  const a = alias ? `${alias}.` : '';
  return `CASE WHEN ${a}ad_product <> 'sp' THEN '${OTHER_DEFAULT}' WHEN ${accountType} = 'vendor' THEN '${VENDOR_SP_DEFAULT}' ELSE '${SP_DEFAULT}' END`;
}

/**
 * SQL for the window a row's conversions count in when the request names none: the advertiser's setting for the row's
 * ad product (`settings`: an alias of `advertiser_setting`, NULL columns when it has no row), else
 * `accountDefaultAttributionWindowSql`.
 */
export function advertiserWindowSql(alias: string, settings: string, accountType: string): string {
  return `coalesce(CASE ${alias}.ad_product WHEN 'sp' THEN ${settings}.attribution_window_sp WHEN 'sb' THEN ${settings}.attribution_window_sb
        ELSE ${settings}.attribution_window_sd END, ${accountDefaultAttributionWindowSql(alias, accountType)})`;
}

/**
 * SQL for conversion metric `m` of fact row `alias` in the window `advertiserWindowSql` gives it (the advertiser's
 * setting `settings`, else the default of account type `accountType`): what the api's campaign totals and the
 * alerter's windows count, so an alert and the api agree for vendors as for sellers.
 */
export function advertiserWindowMetricSql(
  alias: string,
  settings: string,
  accountType: string,
  m: 'orders' | 'sales' | 'units',
): string {
  const w = advertiserWindowSql(alias, settings, accountType);
  const a = alias;
  return `CASE ${w} WHEN '1d' THEN ${a}.${m}_1d WHEN '7d' THEN ${a}.${m}_7d WHEN '14d' THEN ${a}.${m}_14d ELSE ${a}.${m}_30d END`;
}
