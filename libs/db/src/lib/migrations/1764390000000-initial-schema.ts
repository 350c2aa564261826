import { MigrationInterface, QueryRunner } from 'typeorm';

const METRICS_SQL = `
  impressions bigint NOT NULL DEFAULT 0,
  clicks bigint NOT NULL DEFAULT 0,
  cost numeric NOT NULL DEFAULT 0,
  viewable_impressions bigint NOT NULL DEFAULT 0,
  orders_1d bigint NOT NULL DEFAULT 0,
  orders_7d bigint NOT NULL DEFAULT 0,
  orders_14d bigint NOT NULL DEFAULT 0,
  orders_30d bigint NOT NULL DEFAULT 0,
  sales_1d numeric NOT NULL DEFAULT 0,
  sales_7d numeric NOT NULL DEFAULT 0,
  sales_14d numeric NOT NULL DEFAULT 0,
  sales_30d numeric NOT NULL DEFAULT 0,
  units_1d bigint NOT NULL DEFAULT 0,
  units_7d bigint NOT NULL DEFAULT 0,
  units_14d bigint NOT NULL DEFAULT 0,
  units_30d bigint NOT NULL DEFAULT 0`;

/**
 * The ingestion schema. Every fact table's primary key starts with advertiser_id so the schema
 * can be distributed by advertiser (Citus) without a rewrite. Money is numeric, ids are text.
 */
export class InitialSchema1764390000000 implements MigrationInterface {
  name = 'InitialSchema1764390000000';

  public async up(q: QueryRunner): Promise<void> {
    // Every distinct AMS performance delta, stored once (writer: processor).
    await q.query(`
      CREATE TABLE performance_delta (
        advertiser_id text NOT NULL,
        idempotency_id text NOT NULL,
        dataset_id text NOT NULL,
        ad_product text NOT NULL,
        marketplace_id text NOT NULL,
        currency text,
        campaign_id text NOT NULL,
        ad_group_id text NOT NULL,
        ad_id text NOT NULL,
        keyword_id text NOT NULL,
        placement text NOT NULL,
        keyword_text text,
        match_type text,
        hour_start timestamptz NOT NULL,
        utc_offset_minutes smallint NOT NULL,
        ${METRICS_SQL},
        extra jsonb NOT NULL DEFAULT '{}'::jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, idempotency_id)
      )`);
    await q.query(
      `CREATE INDEX performance_delta_campaign_hour_idx ON performance_delta (advertiser_id, campaign_id, hour_start)`,
    );

    // Sum of the distinct deltas at the finest grain, traffic and conversions side by side (writer: processor).
    await q.query(`
      CREATE TABLE hourly_fact (
        advertiser_id text NOT NULL,
        marketplace_id text NOT NULL,
        campaign_id text NOT NULL,
        ad_group_id text NOT NULL,
        ad_id text NOT NULL,
        keyword_id text NOT NULL,
        placement text NOT NULL,
        hour_start timestamptz NOT NULL,
        utc_offset_minutes smallint NOT NULL,
        ad_product text NOT NULL,
        currency text,
        keyword_text text,
        match_type text,
        ${METRICS_SQL},
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start)
      )`);
    await q.query(`CREATE INDEX hourly_fact_campaign_hour_idx ON hourly_fact (campaign_id, hour_start)`);

    // budget-usage notifications, each once by its natural key (writer: processor).
    await q.query(`
      CREATE TABLE budget_usage_event (
        advertiser_id text NOT NULL,
        marketplace_id text NOT NULL,
        budget_scope_type text NOT NULL,
        budget_scope_id text NOT NULL,
        usage_updated_at timestamptz NOT NULL,
        ad_product text NOT NULL,
        budget numeric NOT NULL,
        usage_percentage numeric NOT NULL,
        extra jsonb NOT NULL DEFAULT '{}'::jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id, usage_updated_at)
      )`);
    // The latest usage per budget scope, by usage time, not arrival order (writer: processor).
    await q.query(`
      CREATE TABLE budget_usage_latest (
        advertiser_id text NOT NULL,
        marketplace_id text NOT NULL,
        budget_scope_type text NOT NULL,
        budget_scope_id text NOT NULL,
        usage_updated_at timestamptz NOT NULL,
        ad_product text NOT NULL,
        budget numeric NOT NULL,
        usage_percentage numeric NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id)
      )`);

    // Latest version of each campaign-management entity (campaigns, ad groups, ads, targets) (writer: processor).
    await q.query(`
      CREATE TABLE ams_entity (
        advertiser_id text NOT NULL,
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        version bigint NOT NULL,
        marketplace_id text NOT NULL,
        campaign_id text,
        ad_group_id text,
        portfolio_id text,
        name text,
        state text,
        ad_product text,
        budget_amount numeric,
        budget_currency text,
        raw jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, entity_type, entity_id)
      )`);
    await q.query(`CREATE INDEX ams_entity_campaign_idx ON ams_entity (entity_type, campaign_id)`);

    // Anything that could not be stored, with its reason and raw body (writer: processor).
    await q.query(`
      CREATE TABLE quarantine (
        id bigserial PRIMARY KEY,
        quarantine_key text NOT NULL UNIQUE,
        source text NOT NULL,
        code text NOT NULL,
        reason text NOT NULL,
        dataset_id text,
        raw_body text NOT NULL,
        sqs_message_id text,
        received_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'open',
        replayed_at timestamptz,
        replay_outcome text
      )`);
    await q.query(`CREATE INDEX quarantine_received_idx ON quarantine (received_at)`);

    // Every SNS subscription confirmation attempt (writer: ingestor).
    await q.query(`
      CREATE TABLE subscription_confirmation (
        id bigserial PRIMARY KEY,
        topic_arn text NOT NULL,
        dataset_id text,
        realm text,
        region text,
        account_id text,
        outcome text NOT NULL,
        detail text,
        subscription_arn text,
        sqs_message_id text,
        attempted_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'subscription_confirmation',
      'quarantine',
      'ams_entity',
      'budget_usage_latest',
      'budget_usage_event',
      'hourly_fact',
      'performance_delta',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
