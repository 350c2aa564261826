import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { localDateSql, localDayHoursSql, METRIC_COLUMNS, MONEY_COLUMNS } from '@ams/db';
import { rollupMetrics } from './rollup.metrics';
import type { CampaignKey, DayScope, RecomputeChunk } from './rollup.scope';

/** First half of every advisory lock of the aggregator: `pg_advisory_xact_lock(ROLLUP_LOCK_NAMESPACE, campaignKey)`. */
export const ROLLUP_LOCK_NAMESPACE = 0x41474752; // 'AGGR'
/** Session lock `pg_try_advisory_lock(SWEEP_LOCK_NAMESPACE, kind)` held by the one replica running a sweep. */
export const SWEEP_LOCK_NAMESPACE = 0x41475357; // 'AGSW'

export type RollupTable = 'campaign_hourly' | 'keyword_daily' | 'ad_group_daily' | 'campaign_daily';

export interface TableOutcome {
  table: RollupTable;
  /** rows the recompute produced */
  computed: number;
  /** of those, rows whose stored values changed (inserted or updated) */
  written: number;
  /** rows of the scope whose source facts no longer exist */
  deleted: number;
}

/** hour_start bounds of a local day whatever the offset (±14 h): lets the (campaign_id, hour_start) index work. */
const dayHours = (a: string, s: string) => localDayHoursSql(a, `${s}.local_date`);
const sameCampaign = (a: string, b: string) =>
  `${a}.advertiser_id = ${b}.advertiser_id AND ${a}.campaign_id = ${b}.campaign_id`;
/** rows of hourly_fact (alias `a`) in the day scope `s` */
const factInDay = (a: string) =>
  `${sameCampaign(a, 's')} AND ${dayHours(a, 's')} AND ${localDateSql(a)} = s.local_date`;

const SCOPES_CTE = `scopes AS (
  SELECT DISTINCT advertiser_id, campaign_id, local_date
  FROM unnest($1::text[], $2::text[], $3::date[]) AS s(advertiser_id, campaign_id, local_date))`;
const HOUR_KEYS_CTE = `hour_keys AS (
  SELECT DISTINCT advertiser_id, campaign_id, hour_start
  FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(advertiser_id, campaign_id, hour_start))`;

interface RecomputeSpec {
  /** CTEs defining the scope (without WITH) */
  prelude: string;
  table: RollupTable;
  /** primary key columns of the table */
  key: string[];
  /** non-key, non-metric columns */
  attrs: string[];
  /** expression of each key and attribute column over the source rows */
  select: Record<string, string>;
  /** FROM … JOIN … of the source rows; their metrics are read from alias `m` */
  source: string;
  groupBy: string[];
  /** the stored rows `t` of the scope this recompute replaces (compared with the new ones; deleted when their sources vanished) */
  scope: { from: string; match: string };
}

/**
 * One set-based statement recomputing every row of a scope from its source rows with SUM:
 * INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE SET … = EXCLUDED, and DELETE of the scope's rows that
 * no longer have sources. Rows whose values did not change are left alone (not even locked), so a sweep over
 * settled days only reads. Rows are written in key order.
 *
 * The recomputed rows are compared with the scope's stored rows (`cur`, read through the primary key) by
 * EXCEPT — hashed or sorted, never a nested loop, and never through a secondary index (`keyword_id` is often
 * ''), whatever the planner believes about the CTEs or about a table that is still filling up.
 */
function recomputeSql(spec: RecomputeSpec): string {
  const sums = METRIC_COLUMNS.map((c) =>
    MONEY_COLUMNS.has(c) ? `sum(m.${c}) AS ${c}` : `sum(m.${c})::bigint AS ${c}`,
  );
  const cols = [...spec.key, ...spec.attrs, ...METRIC_COLUMNS];
  const nonKey = [...spec.attrs, ...METRIC_COLUMNS];
  const keyList = spec.key.join(', ');
  const colList = cols.join(', ');
  return `
    WITH ${spec.prelude},
    agg AS (
      SELECT ${[...spec.key, ...spec.attrs].map((c) => `${spec.select[c]} AS ${c}`).join(', ')}, ${sums.join(', ')}
      ${spec.source}
      GROUP BY ${spec.groupBy.join(', ')}
    ),
    cur AS MATERIALIZED (
      SELECT ${cols.map((c) => `t.${c}`).join(', ')} FROM ${spec.table} t JOIN ${spec.scope.from} ON ${spec.scope.match}
    ),
    gone AS (SELECT ${keyList} FROM cur EXCEPT SELECT ${keyList} FROM agg),
    changed AS (SELECT ${colList} FROM agg EXCEPT SELECT ${colList} FROM cur),
    del AS (
      DELETE FROM ${spec.table} t USING gone g
      WHERE ${spec.key.map((c) => `t.${c} = g.${c}`).join(' AND ')}
      RETURNING 1
    ),
    up AS (
      INSERT INTO ${spec.table} (${colList})
      SELECT ${colList} FROM changed ORDER BY ${keyList}
      ON CONFLICT (${keyList}) DO UPDATE SET ${nonKey.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM agg)::int AS computed, (SELECT count(*) FROM up)::int AS written,
           (SELECT count(*) FROM del)::int AS deleted`;
}

const HOURLY_ATTRS = ['utc_offset_minutes', 'local_date', 'marketplace_id', 'ad_product', 'currency'];
const hourlySelect = {
  advertiser_id: 'm.advertiser_id',
  campaign_id: 'm.campaign_id',
  hour_start: 'm.hour_start',
  utc_offset_minutes: 'max(m.utc_offset_minutes)',
  local_date: `((m.hour_start + make_interval(mins => max(m.utc_offset_minutes)::int)) AT TIME ZONE 'UTC')::date`,
  marketplace_id: 'max(m.marketplace_id)',
  ad_product: 'max(m.ad_product)',
  currency: 'max(m.currency)',
};
const HOURLY_KEY = ['advertiser_id', 'campaign_id', 'hour_start'];
const HOURLY_GROUP = ['m.advertiser_id', 'm.campaign_id', 'm.hour_start'];

/** campaign_hourly for explicit campaign-hours ($1 advertiser ids, $2 campaign ids, $3 hour starts). */
export const CAMPAIGN_HOURLY_BY_HOUR_SQL = recomputeSql({
  prelude: HOUR_KEYS_CTE,
  table: 'campaign_hourly',
  key: HOURLY_KEY,
  attrs: HOURLY_ATTRS,
  select: hourlySelect,
  source: `FROM hour_keys k JOIN hourly_fact m ON ${sameCampaign('m', 'k')} AND m.hour_start = k.hour_start`,
  groupBy: HOURLY_GROUP,
  scope: { from: 'hour_keys k', match: `${sameCampaign('t', 'k')} AND t.hour_start = k.hour_start` },
});

/** campaign_hourly for every hour of the day scopes ($1 advertiser ids, $2 campaign ids, $3 local dates). */
export const CAMPAIGN_HOURLY_BY_DAY_SQL = recomputeSql({
  prelude: SCOPES_CTE,
  table: 'campaign_hourly',
  key: HOURLY_KEY,
  attrs: HOURLY_ATTRS,
  select: hourlySelect,
  source: `FROM scopes s JOIN hourly_fact m ON ${factInDay('m')}`,
  groupBy: HOURLY_GROUP,
  scope: {
    from: 'scopes s',
    match: `${sameCampaign('t', 's')} AND ${dayHours('t', 's')} AND t.local_date = s.local_date`,
  },
});

const DAILY_SCOPE = { from: 'scopes s', match: `${sameCampaign('t', 's')} AND t.local_date = s.local_date` };
const dailySelect = (extra: Record<string, string>) => ({
  advertiser_id: 's.advertiser_id',
  campaign_id: 's.campaign_id',
  local_date: 's.local_date',
  marketplace_id: 'max(m.marketplace_id)',
  ad_product: 'max(m.ad_product)',
  currency: 'max(m.currency)',
  ...extra,
});

/** keyword_daily of the day scopes, from the hourly facts. */
export const KEYWORD_DAILY_SQL = recomputeSql({
  prelude: SCOPES_CTE,
  table: 'keyword_daily',
  key: ['advertiser_id', 'campaign_id', 'local_date', 'ad_group_id', 'keyword_id'],
  attrs: ['keyword_text', 'match_type', 'marketplace_id', 'ad_product', 'currency'],
  select: dailySelect({
    ad_group_id: 'm.ad_group_id',
    keyword_id: 'm.keyword_id',
    keyword_text: 'max(m.keyword_text)',
    match_type: 'max(m.match_type)',
  }),
  source: `FROM scopes s JOIN hourly_fact m ON ${factInDay('m')}`,
  groupBy: ['s.advertiser_id', 's.campaign_id', 's.local_date', 'm.ad_group_id', 'm.keyword_id'],
  scope: DAILY_SCOPE,
});

/** ad_group_daily of the day scopes, from keyword_daily just recomputed in the same transaction (exact sums of sums). */
export const AD_GROUP_DAILY_SQL = recomputeSql({
  prelude: SCOPES_CTE,
  table: 'ad_group_daily',
  key: ['advertiser_id', 'campaign_id', 'local_date', 'ad_group_id'],
  attrs: ['marketplace_id', 'ad_product', 'currency'],
  select: dailySelect({ ad_group_id: 'm.ad_group_id' }),
  source: `FROM scopes s JOIN keyword_daily m ON ${sameCampaign('m', 's')} AND m.local_date = s.local_date`,
  groupBy: ['s.advertiser_id', 's.campaign_id', 's.local_date', 'm.ad_group_id'],
  scope: DAILY_SCOPE,
});

/** campaign_daily of the day scopes, from ad_group_daily just recomputed in the same transaction. */
export const CAMPAIGN_DAILY_SQL = recomputeSql({
  prelude: SCOPES_CTE,
  table: 'campaign_daily',
  key: ['advertiser_id', 'campaign_id', 'local_date'],
  attrs: ['marketplace_id', 'ad_product', 'currency'],
  select: dailySelect({}),
  source: `FROM scopes s JOIN ad_group_daily m ON ${sameCampaign('m', 's')} AND m.local_date = s.local_date`,
  groupBy: ['s.advertiser_id', 's.campaign_id', 's.local_date'],
  scope: DAILY_SCOPE,
});

/**
 * The rollup_pending marks of the day scopes ($1 advertiser ids, $2 campaign ids, $3 local dates), by ctid: marks have
 * no key, are never updated, and only a recompute holding the campaign's advisory lock deletes them, so a ctid read in
 * the recompute's transaction still names the same mark when that transaction deletes it.
 */
const PENDING_OF_DAYS_SQL = `
  WITH ${SCOPES_CTE}
  SELECT p.ctid FROM scopes s JOIN rollup_pending p ON ${sameCampaign('p', 's')} AND p.local_date = s.local_date`;

/** Campaigns with facts on a local day, or with daily rollups there (whose facts may have vanished). */
const CAMPAIGNS_OF_DAY_SQL = `
  SELECT advertiser_id, campaign_id FROM (
    SELECT DISTINCT f.advertiser_id, f.campaign_id
    FROM (SELECT $1::date AS local_date) s JOIN hourly_fact f ON ${dayHours('f', 's')} AND ${localDateSql('f')} = s.local_date
    UNION
    SELECT advertiser_id, campaign_id FROM campaign_daily WHERE local_date = $1::date
  ) c
  ORDER BY advertiser_id, campaign_id`;

/**
 * The aggregator's only writer of rollups. Each chunk is one transaction: advisory locks on its campaigns
 * (sorted), then one statement per table. The locks serialise recomputes of the same campaign across
 * replicas and sweeps, and every statement runs after its locks were granted, so it sees every fact
 * committed before the previous recompute of that campaign: the last writer always wrote the newest sums.
 */
@Injectable()
export class RollupRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async recompute(chunk: RecomputeChunk): Promise<TableOutcome[]> {
    return this.ds.transaction(async (em) => {
      await em.query(
        `SELECT pg_advisory_xact_lock($1::int, k) FROM unnest($2::int[]) WITH ORDINALITY AS t(k, i) ORDER BY i`,
        [ROLLUP_LOCK_NAMESPACE, chunk.lockKeys],
      );
      const outcomes: TableOutcome[] = [];
      if (chunk.hours === 'whole-days') {
        outcomes.push(await this.run(em, 'campaign_hourly', CAMPAIGN_HOURLY_BY_DAY_SQL, dayParams(chunk)));
      } else if (chunk.hours.length) {
        const h = chunk.hours;
        outcomes.push(
          await this.run(em, 'campaign_hourly', CAMPAIGN_HOURLY_BY_HOUR_SQL, [
            h.map((k) => k.advertiserId),
            h.map((k) => k.campaignId),
            h.map((k) => k.hourStart),
          ]),
        );
      }
      if (chunk.days.length) {
        const params = dayParams(chunk);
        // the marks of these days, read before the facts are: every fact write they stand for is seen below
        const marks = ((await em.query(PENDING_OF_DAYS_SQL, params)) as Array<{ ctid: string }>).map((r) => r.ctid);
        // keyword first: ad group and campaign days are summed from the rows just written
        outcomes.push(await this.run(em, 'keyword_daily', KEYWORD_DAILY_SQL, params));
        outcomes.push(await this.run(em, 'ad_group_daily', AD_GROUP_DAILY_SQL, params));
        outcomes.push(await this.run(em, 'campaign_daily', CAMPAIGN_DAILY_SQL, params));
        // only the marks read above: one committed since then (a write these sums may miss) stays
        if (marks.length) await em.query(`DELETE FROM rollup_pending WHERE ctid = ANY($1::tid[])`, [marks]);
        rollupMetrics.pendingCleared.inc(marks.length);
      }
      return outcomes;
    });
  }

  /**
   * Campaign-days marked pending for at least `olderThanSeconds` (their event was lost, or is still queued), oldest
   * mark first, at most `limit`.
   */
  async pendingDays(olderThanSeconds: number, limit: number, fromDate = '0001-01-01'): Promise<DayScope[]> {
    // marks of days before the facts' horizon are the maintenance job's (recomputed before their facts are dropped)
    const rows = (await this.ds.query(
      `SELECT advertiser_id, campaign_id, local_date::text AS local_date FROM rollup_pending
        WHERE created_at < now() - make_interval(secs => $1::int) AND local_date >= $3::date
        GROUP BY advertiser_id, campaign_id, local_date ORDER BY min(created_at) LIMIT $2::int`,
      [olderThanSeconds, limit, fromDate],
    )) as Array<{ advertiser_id: string; campaign_id: string; local_date: string }>;
    return rows.map((r) => ({ advertiserId: r.advertiser_id, campaignId: r.campaign_id, localDate: r.local_date }));
  }

  /** Campaigns to revisit for a local day, in (advertiser, campaign) order. */
  async campaignsOfDay(localDate: string): Promise<CampaignKey[]> {
    const rows = (await this.ds.query(CAMPAIGNS_OF_DAY_SQL, [localDate])) as Array<{
      advertiser_id: string;
      campaign_id: string;
    }>;
    return rows.map((r) => ({ advertiserId: r.advertiser_id, campaignId: r.campaign_id }));
  }

  private async run(em: EntityManager, table: RollupTable, sql: string, params: unknown[]): Promise<TableOutcome> {
    const [row] = (await em.query(sql, params)) as Array<{ computed: number; written: number; deleted: number }>;
    return { table, computed: row.computed, written: row.written, deleted: row.deleted };
  }
}

function dayParams(chunk: RecomputeChunk): unknown[] {
  return [
    chunk.days.map((d) => d.advertiserId),
    chunk.days.map((d) => d.campaignId),
    chunk.days.map((d) => d.localDate),
  ];
}
