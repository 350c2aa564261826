import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Amazon Ads API connection (writer of the `ads_*` tables: connector), the freshness of each advertiser's datasets
 * (writer: processor), and `entity_latest`, the one place names, states and budgets are read from.
 *
 * - `ads_connection`: one row (`id = 'default'`): the LwA client's region and state, never a secret.
 * - `ads_profile`: Amazon's profiles. `profile_id` is int64 kept as exact digits (text, like every id here);
 *   `advertiser_id` is `accountInfo.id`, the AMS `advertiser_id` (not unique across marketplaces: one row per profile).
 *   `time_zone` is the IANA zone of the advertiser's local days; `account_type` sets the default attribution window.
 *   `active` turns false when a sync no longer lists the profile.
 * - `ads_sync_state`: the last run of each sync (profiles per region, entities per profile, subscriptions per profile).
 * - `ads_stream_subscription`: Marketing Stream subscriptions as last read from Amazon; `status_since` is when the
 *   connector first saw the current status (pending-too-long alerts judge it).
 * - `ads_entity`: campaigns, ad groups, keywords and targets as the entity sync read them. `observed_at` is when the
 *   listing request that returned the row was sent: the row is Amazon's state as of then.
 * - `ams_entity.changed_at`: `audit.lastUpdatedDateTime` of an AMS campaign-change record, when it has one.
 * - `entity_latest`: per (advertiser, entity type, entity id), the newer of the two sources: the AMS record when its
 *   change time (`changed_at`, else when it was stored) is after the sync's `observed_at`, else the sync's row. So a
 *   late AMS event never overwrites a newer sync, and a sync that read before a change never hides it. Keywords and
 *   product targets are `target` in both (AMS's `targets` dataset has both); `target_kind` tells them apart.
 * - `dataset_freshness`: per (advertiser, dataset), when the last record was received and the latest hour it carried
 *   (stale-data alerts, the pipeline page).
 */
export class AdsConnector1764394000000 implements MigrationInterface {
  name = 'AdsConnector1764394000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ads_connection (
        id text PRIMARY KEY DEFAULT 'default' CHECK (id = 'default'),
        region text NOT NULL CHECK (region IN ('NA', 'EU', 'FE')),
        state text NOT NULL
          CHECK (state IN ('unconfigured', 'unauthorized', 'authorized', 'needs_reauthorization', 'error')),
        last_token_refresh_at timestamptz,
        last_error text,
        last_error_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE ads_profile (
        profile_id text PRIMARY KEY CHECK (profile_id ~ '^[1-9][0-9]{0,19}$'),
        region text NOT NULL CHECK (region IN ('NA', 'EU', 'FE')),
        advertiser_id text NOT NULL,
        marketplace_id text NOT NULL,
        country_code text NOT NULL,
        currency_code text NOT NULL,
        time_zone text NOT NULL,
        account_type text NOT NULL CHECK (account_type IN ('seller', 'vendor', 'agency')),
        account_name text,
        account_sub_type text,
        daily_budget numeric,
        active boolean NOT NULL DEFAULT true,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        synced_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ads_profile_advertiser_idx ON ads_profile (advertiser_id, marketplace_id)`);
    await q.query(`
      CREATE TABLE ads_sync_state (
        kind text NOT NULL CHECK (kind IN ('profiles', 'entities', 'subscriptions')),
        scope text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        last_success_at timestamptz,
        error text,
        counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (kind, scope)
      )`);
    await q.query(`
      CREATE TABLE ads_stream_subscription (
        subscription_id text PRIMARY KEY,
        profile_id text NOT NULL,
        data_set_id text NOT NULL,
        destination_arn text,
        status text NOT NULL CHECK (status IN ('PROVISIONING', 'PENDING_CONFIRMATION', 'ACTIVE', 'ARCHIVED',
                                               'FAILED_CONFIRMATION', 'SUSPENDED', 'FAILED_PROVISIONING')),
        status_since timestamptz NOT NULL,
        client_request_token text,
        notes text,
        created_date timestamptz,
        updated_date timestamptz,
        polled_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX ads_stream_subscription_profile_idx ON ads_stream_subscription (profile_id, data_set_id)`,
    );
    await q.query(`
      CREATE TABLE ads_entity (
        advertiser_id text NOT NULL,
        entity_type text NOT NULL CHECK (entity_type IN ('campaign', 'ad_group', 'target')),
        entity_id text NOT NULL,
        profile_id text NOT NULL,
        marketplace_id text NOT NULL,
        ad_product text NOT NULL CHECK (ad_product IN ('SPONSORED_PRODUCTS', 'SPONSORED_BRANDS', 'SPONSORED_DISPLAY')),
        target_kind text CHECK (target_kind IN ('keyword', 'target')),
        campaign_id text,
        ad_group_id text,
        portfolio_id text,
        name text,
        state text,
        budget_amount numeric,
        budget_type text,
        budget_currency text,
        bid numeric,
        match_type text,
        amazon_updated_at timestamptz,
        observed_at timestamptz NOT NULL,
        raw jsonb NOT NULL,
        PRIMARY KEY (advertiser_id, entity_type, entity_id)
      )`);
    await q.query(`CREATE INDEX ads_entity_profile_idx ON ads_entity (profile_id, entity_type)`);
    await q.query(`CREATE INDEX ads_entity_campaign_idx ON ads_entity (entity_type, campaign_id)`);
    await q.query(`ALTER TABLE ams_entity ADD COLUMN changed_at timestamptz`);
    await q.query(`
      CREATE VIEW entity_latest AS
      SELECT DISTINCT ON (advertiser_id, entity_type, entity_id)
             advertiser_id, entity_type, entity_id, marketplace_id, campaign_id, ad_group_id, portfolio_id, name, state,
             ad_product, budget_amount, budget_currency, budget_type, bid, target_kind, as_of, source
      FROM (
        SELECT advertiser_id, entity_type, entity_id, marketplace_id, campaign_id, ad_group_id, portfolio_id, name,
               state, ad_product, budget_amount, budget_currency, NULL::text AS budget_type, NULL::numeric AS bid,
               NULL::text AS target_kind, COALESCE(changed_at, updated_at) AS as_of, 'ams'::text AS source
        FROM ams_entity
        UNION ALL
        SELECT advertiser_id, entity_type, entity_id, marketplace_id, campaign_id, ad_group_id, portfolio_id, name,
               state, ad_product, budget_amount, budget_currency, budget_type, bid, target_kind,
               observed_at AS as_of, 'ads_api'::text AS source
        FROM ads_entity
      ) s
      ORDER BY advertiser_id, entity_type, entity_id, as_of DESC, source`);
    await q.query(`
      CREATE TABLE dataset_freshness (
        advertiser_id text NOT NULL,
        dataset_id text NOT NULL,
        last_received_at timestamptz NOT NULL,
        latest_hour_start timestamptz,
        PRIMARY KEY (advertiser_id, dataset_id)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS dataset_freshness`);
    await q.query(`DROP VIEW IF EXISTS entity_latest`);
    await q.query(`ALTER TABLE ams_entity DROP COLUMN IF EXISTS changed_at`);
    await q.query(`DROP TABLE IF EXISTS ads_entity`);
    await q.query(`DROP TABLE IF EXISTS ads_stream_subscription`);
    await q.query(`DROP TABLE IF EXISTS ads_sync_state`);
    await q.query(`DROP TABLE IF EXISTS ads_profile`);
    await q.query(`DROP TABLE IF EXISTS ads_connection`);
  }
}
