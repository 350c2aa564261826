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
 * `advertiserId`, `entityType`, `entityId` are SQL expressions (outer columns, parameters or literals). The subquery's
 * own aliases are `el_*`, so an outer alias (`a`, `s`) is never captured by an inner table of the same name.
 */
export function entityLatestLookupSql(advertiserId: string, entityType: string, entityId: string): string {
  const key = (t: string) =>
    `${t}.advertiser_id = ${advertiserId} AND ${t}.entity_type = ${entityType} AND ${t}.entity_id = ${entityId}`;
  return `SELECT el_x.* FROM (
      (SELECT el_ams.advertiser_id, el_ams.entity_type, el_ams.entity_id, el_ams.marketplace_id, el_ams.campaign_id, el_ams.ad_group_id,
              el_ams.portfolio_id, el_ams.name, el_ams.state, el_ams.ad_product, el_ams.budget_amount, el_ams.budget_currency, NULL::text AS budget_type,
              NULL::numeric AS bid, NULL::text AS target_kind, COALESCE(el_ams.changed_at, el_ams.updated_at) AS as_of,
              'ams'::text AS source, el_ams.version
         FROM ams_entity el_ams WHERE ${key('el_ams')})
      UNION ALL
      (SELECT el_ads.advertiser_id, el_ads.entity_type, el_ads.entity_id, el_ads.marketplace_id, el_ads.campaign_id, el_ads.ad_group_id,
              el_ads.portfolio_id, el_ads.name, el_ads.state, el_ads.ad_product, el_ads.budget_amount, el_ads.budget_currency, el_ads.budget_type, el_ads.bid,
              el_ads.target_kind, el_ads.observed_at, 'ads_api'::text, NULL::bigint
         FROM ads_entity el_ads WHERE ${key('el_ads')})
    ) el_x ORDER BY el_x.as_of DESC, el_x.source LIMIT 1`;
}

/**
 * SQL condition: the row of alias `a` (of `ams_entity`) or `s` (of `ads_entity`) is the one `entity_latest` shows for
 * its key, i.e. the other table has no row that wins over it. For filters on what the view shows (a campaign's latest
 * name) in scans that read one table in key order.
 */
export function isLatestAmsEntitySql(a: string): string {
  return `NOT EXISTS (SELECT 1 FROM ads_entity el_other WHERE el_other.advertiser_id = ${a}.advertiser_id AND el_other.entity_type = ${a}.entity_type
      AND el_other.entity_id = ${a}.entity_id AND el_other.observed_at >= COALESCE(${a}.changed_at, ${a}.updated_at))`;
}

export function isLatestAdsEntitySql(s: string): string {
  return `NOT EXISTS (SELECT 1 FROM ams_entity el_other WHERE el_other.advertiser_id = ${s}.advertiser_id AND el_other.entity_type = ${s}.entity_type
      AND el_other.entity_id = ${s}.entity_id AND COALESCE(el_other.changed_at, el_other.updated_at) > ${s}.observed_at)`;
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
  return `SELECT ${columns.map((c) => `el_profile.${c}`).join(', ')} FROM ads_profile el_profile WHERE el_profile.advertiser_id = ${advertiserId}
      ORDER BY el_profile.active DESC, el_profile.synced_at DESC, el_profile.profile_id LIMIT 1`;
}

export function advertiserProfileSql(advertiserId: string, column: string): string {
  return `(${advertiserProfileLateralSql(advertiserId, [column])})`;
}
