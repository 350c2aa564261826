import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `budget_recommendation` (writer: processor): Amazon's `sp-budget-recommendations` records, each once by its natural
 * key (advertiser, campaign, recommendation time; advertiser first, the distribution key). The current
 * recommendation of a campaign is its latest by `recommendation_time`; the older ones are kept as history for
 * RETENTION_BUDGET_RECOMMENDATION_DAYS (the aggregator deletes by arrival, through the `received_at` index). Money and
 * Amazon's estimates are numeric: the decimal text of the double Amazon sent.
 */
export class BudgetRecommendation1765300000000 implements MigrationInterface {
  name = 'BudgetRecommendation1765300000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE budget_recommendation (
        advertiser_id text NOT NULL,
        campaign_id text NOT NULL,
        recommendation_time timestamptz NOT NULL,
        marketplace_id text NOT NULL,
        suggested_budget numeric NOT NULL,
        reason_for_suggestion text,
        missed_sales_lower numeric,
        missed_sales_upper numeric,
        missed_clicks_lower numeric,
        missed_clicks_upper numeric,
        missed_impressions_lower numeric,
        missed_impressions_upper numeric,
        start_date date NOT NULL,
        end_date date NOT NULL,
        percent_time_in_budget numeric,
        extra jsonb NOT NULL DEFAULT '{}'::jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, campaign_id, recommendation_time)
      )`);
    await q.query(`CREATE INDEX budget_recommendation_received_idx ON budget_recommendation (received_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE budget_recommendation`);
  }
}
