/**
 * Amazon's current estimate for campaigns (the api's budget forecasts and the alerter's cap digest read the same):
 * per campaign of advertiser `$1` among `$2::text[]`, its latest `sp-budget-recommendations` record (by
 * `recommendation_time`) whose 7-day window applies to the advertiser-local date `$3::date`: `start_date ≤ $3 ≤
 * end_date + 1 day` (the window covers the day, or ended the day before: a window of the past 7 days computed today
 * ends yesterday). Older recommendations are history. Numbers as numeric text, exactly as stored.
 */
export const CURRENT_RECOMMENDATIONS_SQL = `
  SELECT DISTINCT ON (r.campaign_id)
         r.campaign_id, r.recommendation_time, r.suggested_budget::text, r.reason_for_suggestion,
         r.missed_sales_lower::text, r.missed_sales_upper::text, r.missed_clicks_lower::text,
         r.missed_clicks_upper::text, r.missed_impressions_lower::text, r.missed_impressions_upper::text,
         to_char(r.start_date, 'YYYY-MM-DD') AS start_date, to_char(r.end_date, 'YYYY-MM-DD') AS end_date,
         r.percent_time_in_budget::text
    FROM budget_recommendation r
   WHERE r.advertiser_id = $1 AND r.campaign_id = ANY($2::text[])
     AND r.start_date <= $3::date AND r.end_date + 1 >= $3::date
   ORDER BY r.campaign_id, r.recommendation_time DESC`;

/** A row of CURRENT_RECOMMENDATIONS_SQL. */
export interface CurrentRecommendationRow {
  campaign_id: string;
  recommendation_time: Date;
  suggested_budget: string;
  reason_for_suggestion: string | null;
  missed_sales_lower: string | null;
  missed_sales_upper: string | null;
  missed_clicks_lower: string | null;
  missed_clicks_upper: string | null;
  missed_impressions_lower: string | null;
  missed_impressions_upper: string | null;
  start_date: string;
  end_date: string;
  /** 0..1, '-1' = unknown (as Amazon sent it) */
  percent_time_in_budget: string | null;
}
