import { MigrationInterface, QueryRunner } from 'typeorm';
import { bigTableDdl } from './big-table-ddl';

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
 * Rollups of hourly_fact (writer: aggregator). Each row is a recompute (SUM) of its source facts, never an
 * increment; ratios are not stored — readers compute them from the summed parts. A "day" is the advertiser's
 * local day: the date of (hour_start + utc_offset_minutes) of each fact, so DST days have 23 or 25 hours.
 * Primary keys start with advertiser_id (distributable by advertiser) and then campaign_id and the period,
 * which is the scope a recompute replaces. Rows are rewritten in place as facts change: fillfactor 90 leaves
 * room on each page for HOT updates (no index writes; no indexed column ever changes).
 */
export class Rollups1764390400000 implements MigrationInterface {
  name = 'Rollups1764390400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaign_hourly (
        advertiser_id text NOT NULL,
        campaign_id text NOT NULL,
        hour_start timestamptz NOT NULL,
        utc_offset_minutes smallint NOT NULL,
        local_date date NOT NULL,
        marketplace_id text NOT NULL,
        ad_product text NOT NULL,
        currency text,
        ${METRICS_SQL},
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, campaign_id, hour_start)
      ) WITH (fillfactor = 90)`);

    await q.query(`
      CREATE TABLE campaign_daily (
        advertiser_id text NOT NULL,
        campaign_id text NOT NULL,
        local_date date NOT NULL,
        marketplace_id text NOT NULL,
        ad_product text NOT NULL,
        currency text,
        ${METRICS_SQL},
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, campaign_id, local_date)
      ) WITH (fillfactor = 90)`);
    // the sweep finds the campaign-days it must revisit, including those whose facts vanished
    await q.query(`CREATE INDEX campaign_daily_local_date_idx ON campaign_daily (local_date)`);

    await q.query(`
      CREATE TABLE ad_group_daily (
        advertiser_id text NOT NULL,
        campaign_id text NOT NULL,
        local_date date NOT NULL,
        ad_group_id text NOT NULL,
        marketplace_id text NOT NULL,
        ad_product text NOT NULL,
        currency text,
        ${METRICS_SQL},
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, campaign_id, local_date, ad_group_id)
      ) WITH (fillfactor = 90)`);
    await q.query(`CREATE INDEX ad_group_daily_ad_group_idx ON ad_group_daily (ad_group_id, local_date)`);

    // keyword_id is the keyword (SP/SB) or target (SD) id, '' when the fact has none
    await q.query(`
      CREATE TABLE keyword_daily (
        advertiser_id text NOT NULL,
        campaign_id text NOT NULL,
        local_date date NOT NULL,
        ad_group_id text NOT NULL,
        keyword_id text NOT NULL,
        keyword_text text,
        match_type text,
        marketplace_id text NOT NULL,
        ad_product text NOT NULL,
        currency text,
        ${METRICS_SQL},
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, campaign_id, local_date, ad_group_id, keyword_id)
      ) WITH (fillfactor = 90)`);
    await q.query(`CREATE INDEX keyword_daily_keyword_idx ON keyword_daily (keyword_id, local_date)`);

    // The sweeps look up the campaigns active on a day by hour range. BRIN: a few pages, and next to nothing
    // for the processor's inserts (hour_start never changes, so updates stay HOT).
    // applied before big-table DDL had to be CONCURRENTLY: kept as it was, only bounded by lock_timeout now
    await bigTableDdl(q, [`CREATE INDEX hourly_fact_hour_start_brin ON hourly_fact USING brin (hour_start)`]);
  }

  public async down(q: QueryRunner): Promise<void> {
    await bigTableDdl(q, [`DROP INDEX IF EXISTS hourly_fact_hour_start_brin`]);
    for (const t of ['keyword_daily', 'ad_group_daily', 'campaign_daily', 'campaign_hourly']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
