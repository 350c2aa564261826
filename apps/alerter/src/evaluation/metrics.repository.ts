import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AlertEntityLevel, BudgetScopeV1 } from '@ams/contracts';
import { advertiserProfileLateralSql, advertiserWindowMetricSql, entityLatestLookupSql } from '@ams/db';
import type { WindowParts } from './condition.logic';
import { localTimestamp } from './window.logic';

/** One (advertiser[, campaign]) × local time range to sum, optionally narrowed to an ad group or keyword. */
export interface SumUnit {
  idx: number;
  advertiserId: string;
  /** null: the whole advertiser */
  campaignId: string | null;
  localStartMs: number;
  localEndMs: number;
  adGroupId: string | null;
  keywordId: string | null;
}

export interface SumRow {
  idx: number;
  campaignId: string | null;
  adGroupId: string | null;
  keywordId: string | null;
  parts: WindowParts;
  /** latest local hour with data, local epoch ms */
  lastLocalMs: number;
  keywordText: string | null;
}

export interface BudgetRow {
  advertiserId: string;
  marketplaceId: string;
  budgetScopeType: 'CAMPAIGN' | 'PORTFOLIO';
  budgetScopeId: string;
  usagePercentage: string;
  budget: string;
  usageUpdatedAt: Date;
}

export interface EntityRef {
  advertiserId: string;
  /** ams_entity.entity_type: campaign, ad_group, target */
  entityType: string;
  entityId: string;
}

const LOCAL_HOUR = `((h.hour_start AT TIME ZONE 'UTC') + make_interval(mins => h.utc_offset_minutes::int))`;

/** The levels performance rules judge (budget and pipeline-health levels read no facts). */
export type PerfLevel = Exclude<AlertEntityLevel, 'portfolio' | 'queue' | 'subscription' | 'connection'>;

/** Entity columns grouped by, per rule level (the unit already pins the advertiser and campaign). */
const GROUP_COLUMNS: Record<PerfLevel, string[]> = {
  advertiser: [],
  campaign: [],
  ad_group: ['ad_group_id'],
  keyword: ['ad_group_id', 'keyword_id'],
};

/**
 * Reads what the alerter judges, inside the evaluation's transaction: hourly facts summed over
 * advertiser-local windows (set-based, one statement per rule level), the latest budget usage, and
 * entity names. The alerter only reads these tables.
 */
@Injectable()
export class MetricsRepository {
  /**
   * Sums per unit and entity of `level`. Orders and sales count in the advertiser's window: its setting, else its
   * account type's default (`advertiserWindowMetricSql`, as the api); `pinned` sums each unit as one entity (baselines).
   */
  async sumWindows(em: EntityManager, level: PerfLevel | 'pinned', units: SumUnit[]): Promise<SumRow[]> {
    if (units.length === 0) return [];
    const byCampaign = units.filter((u) => u.campaignId !== null);
    const byAdvertiser = units.filter((u) => u.campaignId === null);
    const out: SumRow[] = [];
    for (const [group, withCampaign] of [
      [byCampaign, true],
      [byAdvertiser, false],
    ] as const) {
      if (group.length === 0) continue;
      const cols = level === 'pinned' ? [] : GROUP_COLUMNS[level];
      const rows = (await em.query(sumSql(cols, withCampaign, level), [
        group.map((u) => u.idx),
        group.map((u) => u.advertiserId),
        group.map((u) => u.campaignId),
        group.map((u) => localTimestamp(u.localStartMs)),
        group.map((u) => localTimestamp(u.localEndMs)),
        group.map((u) => u.adGroupId),
        group.map((u) => u.keywordId),
      ])) as Array<{
        idx: number;
        campaign_id: string | null;
        ad_group_id?: string;
        keyword_id?: string;
        impressions: string;
        clicks: string;
        cost: string;
        orders: string;
        sales: string;
        last_local: string;
        keyword_text: string | null;
      }>;
      for (const r of rows) {
        out.push({
          idx: Number(r.idx),
          campaignId: r.campaign_id,
          adGroupId: r.ad_group_id ?? null,
          keywordId: r.keyword_id ?? null,
          parts: { impressions: r.impressions, clicks: r.clicks, cost: r.cost, orders: r.orders, sales: r.sales },
          lastLocalMs: Date.parse(r.last_local),
          keywordText: r.keyword_text,
        });
      }
    }
    return out;
  }

  /**
   * The latest usage of each budget scope named; with `asOf`, the latest at that instant, from the history
   * (`budget_usage_event`, for a replay of the past).
   */
  /** The campaign budget scopes of these campaigns with a usage of the last two days (before `now`'s local day check). */
  async campaignBudgetScopes(
    em: EntityManager,
    campaigns: Array<{ advertiserId: string; campaignId: string }>,
    now: Date,
  ): Promise<BudgetScopeV1[]> {
    if (campaigns.length === 0) return [];
    const rows = (await em.query(
      `SELECT b.advertiser_id, b.marketplace_id, b.budget_scope_id
         FROM unnest($1::text[], $2::text[]) AS k(advertiser_id, campaign_id)
         JOIN budget_usage_latest b
           ON b.advertiser_id = k.advertiser_id AND b.budget_scope_type = 'CAMPAIGN' AND b.budget_scope_id = k.campaign_id
        WHERE b.usage_updated_at > $3::timestamptz - interval '48 hours'`,
      [campaigns.map((c) => c.advertiserId), campaigns.map((c) => c.campaignId), now],
    )) as Array<{ advertiser_id: string; marketplace_id: string; budget_scope_id: string }>;
    return rows.map((r) => ({
      advertiserId: r.advertiser_id,
      marketplaceId: r.marketplace_id,
      budgetScopeType: 'CAMPAIGN' as const,
      budgetScopeId: r.budget_scope_id,
    }));
  }

  async budgetUsage(
    em: EntityManager,
    scopes: Array<{ advertiserId: string; marketplaceId: string; budgetScopeType: string; budgetScopeId: string }>,
    asOf: Date | null = null,
  ): Promise<BudgetRow[]> {
    if (scopes.length === 0) return [];
    const keys = `unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(advertiser_id, marketplace_id, budget_scope_type, budget_scope_id)`;
    const latest = `JOIN budget_usage_latest b USING (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id)`;
    const asOfThen = `JOIN LATERAL (
           SELECT * FROM budget_usage_event e
            WHERE e.advertiser_id = k.advertiser_id AND e.marketplace_id = k.marketplace_id
              AND e.budget_scope_type = k.budget_scope_type AND e.budget_scope_id = k.budget_scope_id
              AND e.usage_updated_at <= $5
            ORDER BY e.usage_updated_at DESC LIMIT 1) b ON true`;
    const rows = (await em.query(
      `SELECT k.advertiser_id, k.marketplace_id, k.budget_scope_type, k.budget_scope_id, b.usage_percentage::text AS usage_percentage,
              b.budget::text AS budget, b.usage_updated_at
         FROM ${keys} ${asOf ? asOfThen : latest}`,
      [
        scopes.map((s) => s.advertiserId),
        scopes.map((s) => s.marketplaceId),
        scopes.map((s) => s.budgetScopeType),
        scopes.map((s) => s.budgetScopeId),
        ...(asOf ? [asOf] : []),
      ],
    )) as Array<{
      advertiser_id: string;
      marketplace_id: string;
      budget_scope_type: 'CAMPAIGN' | 'PORTFOLIO';
      budget_scope_id: string;
      usage_percentage: string;
      budget: string;
      usage_updated_at: Date;
    }>;
    return rows.map((r) => ({
      advertiserId: r.advertiser_id,
      marketplaceId: r.marketplace_id,
      budgetScopeType: r.budget_scope_type,
      budgetScopeId: r.budget_scope_id,
      usagePercentage: r.usage_percentage,
      budget: r.budget,
      usageUpdatedAt: r.usage_updated_at,
    }));
  }

  /** Names as `entity_latest` shows them (the newer of the AMS change record and the entity sync), when known. Key: `advertiser \0 type \0 id`. */
  async entityNames(em: EntityManager, refs: EntityRef[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (refs.length === 0) return names;
    const rows = (await em.query(
      `SELECT e.advertiser_id, e.entity_type, e.entity_id, e.name
         FROM unnest($1::text[], $2::text[], $3::text[]) AS k(advertiser_id, entity_type, entity_id)
         JOIN LATERAL (${entityLatestLookupSql('k.advertiser_id', 'k.entity_type', 'k.entity_id')}) e ON true
        WHERE e.name IS NOT NULL`,
      [refs.map((r) => r.advertiserId), refs.map((r) => r.entityType), refs.map((r) => r.entityId)],
    )) as Array<{ advertiser_id: string; entity_type: string; entity_id: string; name: string }>;
    for (const r of rows) names.set(nameKey(r.advertiser_id, r.entity_type, r.entity_id), r.name);
    return names;
  }
}

export function nameKey(advertiserId: string, entityType: string, entityId: string): string {
  return `${advertiserId}\u0000${entityType}\u0000${entityId}`;
}

function sumSql(groupCols: string[], withCampaign: boolean, level: string): string {
  const select = groupCols.map((c) => `, h.${c}`).join('');
  const groupBy = groupCols.map((c) => `, h.${c}`).join('');
  const nonEmpty = groupCols.map((c) => ` AND h.${c} <> ''`).join('');
  // the campaign index (campaign_id, hour_start) serves campaign units; ±14 h brackets every UTC offset
  const campaignJoin = withCampaign ? 'AND h.campaign_id = u.campaign_id' : '';
  const campaignCol = withCampaign && level !== 'advertiser' ? 'max(h.campaign_id)' : 'NULL::text';
  return `
    WITH u AS (
      SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamp[], $5::timestamp[], $6::text[], $7::text[])
        AS u(idx, advertiser_id, campaign_id, ls, le, ad_group_id, keyword_id)
    )
    SELECT u.idx${select}, ${campaignCol} AS campaign_id,
           sum(h.impressions)::text AS impressions, sum(h.clicks)::text AS clicks, sum(h.cost)::text AS cost,
           sum(${advertiserWindowMetricSql('h', 'st', 'pt.account_type', 'orders')})::text AS orders,
           sum(${advertiserWindowMetricSql('h', 'st', 'pt.account_type', 'sales')})::text AS sales,
           to_char(max(${LOCAL_HOUR}), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_local,
           max(h.keyword_text) AS keyword_text
      FROM u
      LEFT JOIN advertiser_setting st ON st.advertiser_id = u.advertiser_id
      LEFT JOIN LATERAL (${advertiserProfileLateralSql('u.advertiser_id', ['account_type'])}) pt ON true
      JOIN hourly_fact h
        ON h.advertiser_id = u.advertiser_id ${campaignJoin}
       AND h.hour_start >= (u.ls - interval '15 hours') AT TIME ZONE 'UTC'
       AND h.hour_start < (u.le + interval '15 hours') AT TIME ZONE 'UTC'
       AND ${LOCAL_HOUR} >= u.ls AND ${LOCAL_HOUR} < u.le
       AND (u.ad_group_id IS NULL OR h.ad_group_id = u.ad_group_id)
       AND (u.keyword_id IS NULL OR h.keyword_id = u.keyword_id)${nonEmpty}
     GROUP BY u.idx${groupBy}`;
}
