import { advertiserWindowMetricSql } from './attribution-window';
import { advertiserProfileLateralSql } from './entity-latest';
import { localDateRangeHoursSql, localDateSql } from './local-date';

/**
 * The hourly history the forecasts fit on (the api's forecasts and the alerter's pacing rule read the same): one
 * advertiser's campaigns (all, or `$2::text[]`) per advertiser-local date and hour in [`$3::date`, `$4::date`), summed
 * from `hourly_fact` in `numeric` (money as text). Conversions in the window the api's totals use (the advertiser's
 * setting, else its account type's default). Hours without a fact have no row (the caller zero-fills them); a DST
 * day's repeated hour is one row. Columns: campaign_id, local_date (YYYY-MM-DD), hour, spend, clicks, orders, sales.
 */
export function forecastHistorySql(): string {
  const local = `(h.hour_start + make_interval(mins => h.utc_offset_minutes::int))`;
  return `
    SELECT h.campaign_id, to_char(${localDateSql('h')}, 'YYYY-MM-DD') AS local_date,
           extract(hour FROM ${local} AT TIME ZONE 'UTC')::int AS hour,
           sum(h.cost)::text AS spend, sum(h.clicks)::text AS clicks, sum(h.impressions)::text AS impressions,
           sum(${advertiserWindowMetricSql('h', 'st', 'pt.account_type', 'orders')})::text AS orders,
           sum(${advertiserWindowMetricSql('h', 'st', 'pt.account_type', 'sales')})::text AS sales
      FROM hourly_fact h
      LEFT JOIN advertiser_setting st ON st.advertiser_id = h.advertiser_id
      LEFT JOIN LATERAL (${advertiserProfileLateralSql('h.advertiser_id', ['account_type'])}) pt ON true
     WHERE h.advertiser_id = $1 AND ($2::text[] IS NULL OR h.campaign_id = ANY($2::text[]))
       AND ${localDateRangeHoursSql('h', '$3::date', '$4::date')}
       AND ${localDateSql('h')} >= $3::date AND ${localDateSql('h')} < $4::date
     GROUP BY 1, 2, 3`;
}

/** The UTC offset (minutes) of a campaign's latest fact: its advertiser's local time now (index on campaign, hour). */
export const CAMPAIGN_OFFSET_SQL = `
  SELECT h.utc_offset_minutes FROM hourly_fact h
   WHERE h.campaign_id = $2 AND h.advertiser_id = $1
   ORDER BY h.hour_start DESC LIMIT 1`;
