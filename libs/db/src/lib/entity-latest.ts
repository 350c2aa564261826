/**
 * The columns `entity_latest` (migration 1764394000000) has, in its order; `entityLatestLookupSql` returns the same
 * ones plus `version` (the AMS record's version when the AMS record is the one chosen, else null).
 */
export const ENTITY_LATEST_COLUMNS = [
  'advertiser_id',
  'entity_type',
  'entity_id',
  'marketplace_id',
  'campaign_id',
  'ad_group_id',
  'portfolio_id',
  'name',
  'state',
  'ad_product',
  'budget_amount',
  'budget_currency',
  'budget_type',
  'bid',
  'target_kind',
  'as_of',
  'source',
] as const;

/**
 * SQL of a subquery for `LEFT JOIN LATERAL (…) alias ON true`: the `entity_latest` row of one key, by primary-key
 * lookups in both `ams_entity` and `ads_entity`.
 *
 * Why not join the view itself: a constant key pushes into the view's DISTINCT ON (two index scans), but a key that
 * comes from another table (a join or LATERAL reference) does not: PostgreSQL 15 then builds the whole view (every
 * campaign of both tables, sorted) and merge-joins it (about 540 ms on 100k + 150k entities, against 0.05 ms for this
 * lookup). The rule is the view's and must stay so (entity-latest.integration.spec.ts compares them row for row): the
 * AMS record when its change time (`changed_at`, else when it was stored) is after the sync's `observed_at`, else the
 * sync's row (on a tie, `'ads_api' < 'ams'`, the sync).
 *
 * `advertiserId`, `entityType`, `entityId` are SQL expressions (outer columns, parameters or literals).
 */
export function entityLatestLookupSql(advertiserId: string, entityType: string, entityId: string): string {
  const key = (t: string) =>
    `${t}.advertiser_id = ${advertiserId} AND ${t}.entity_type = ${entityType} AND ${t}.entity_id = ${entityId}`;
  return `SELECT x.* FROM (
      (SELECT a.advertiser_id, a.entity_type, a.entity_id, a.marketplace_id, a.campaign_id, a.ad_group_id,
              a.portfolio_id, a.name, a.state, a.ad_product, a.budget_amount, a.budget_currency, NULL::text AS budget_type,
              NULL::numeric AS bid, NULL::text AS target_kind, COALESCE(a.changed_at, a.updated_at) AS as_of,
              'ams'::text AS source, a.version
         FROM ams_entity a WHERE ${key('a')})
      UNION ALL
      (SELECT s.advertiser_id, s.entity_type, s.entity_id, s.marketplace_id, s.campaign_id, s.ad_group_id,
              s.portfolio_id, s.name, s.state, s.ad_product, s.budget_amount, s.budget_currency, s.budget_type, s.bid,
              s.target_kind, s.observed_at, 'ads_api'::text, NULL::bigint
         FROM ads_entity s WHERE ${key('s')})
    ) x ORDER BY x.as_of DESC, x.source LIMIT 1`;
}

/**
 * SQL condition: the row of alias `a` (of `ams_entity`) or `s` (of `ads_entity`) is the one `entity_latest` shows for
 * its key, i.e. the other table has no row that wins over it. For filters on what the view shows (a campaign's latest
 * name) in scans that read one table in key order.
 */
export function isLatestAmsEntitySql(a: string): string {
  return `NOT EXISTS (SELECT 1 FROM ads_entity o WHERE o.advertiser_id = ${a}.advertiser_id AND o.entity_type = ${a}.entity_type
      AND o.entity_id = ${a}.entity_id AND o.observed_at >= COALESCE(${a}.changed_at, ${a}.updated_at))`;
}

export function isLatestAdsEntitySql(s: string): string {
  return `NOT EXISTS (SELECT 1 FROM ams_entity o WHERE o.advertiser_id = ${s}.advertiser_id AND o.entity_type = ${s}.entity_type
      AND o.entity_id = ${s}.entity_id AND COALESCE(o.changed_at, o.updated_at) > ${s}.observed_at)`;
}

/**
 * The advertiser's profile in the connector's `ads_profile` (several when the account sells in several marketplaces):
 * an active one first, then the most recently synced. One index scan (`ads_profile_advertiser_idx`); no row when the
 * connector has not listed the advertiser.
 *
 * `advertiserProfileLateralSql`: a subquery for `LEFT JOIN LATERAL (…) alias ON true` (PostgreSQL memoizes it by
 * advertiser when many rows join it); `advertiserProfileSql`: a scalar subquery of one column.
 */
export function advertiserProfileLateralSql(advertiserId: string, columns: string[]): string {
  return `SELECT ${columns.map((c) => `p.${c}`).join(', ')} FROM ads_profile p WHERE p.advertiser_id = ${advertiserId}
      ORDER BY p.active DESC, p.synced_at DESC, p.profile_id LIMIT 1`;
}

export function advertiserProfileSql(advertiserId: string, column: string): string {
  return `(${advertiserProfileLateralSql(advertiserId, [column])})`;
}
