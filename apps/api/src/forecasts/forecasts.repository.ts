import { Injectable } from '@nestjs/common';
import {
  CAMPAIGN_OFFSET_SQL,
  CURRENT_RECOMMENDATIONS_SQL,
  type CurrentRecommendationRow,
  entityLatestLookupSql,
  forecastHistorySql,
} from '@ams/db';
import type { CampaignHourRow } from '@ams/forecast';
import { ReadDb } from '../replica/read-db.service';

export interface CampaignBudgetRow {
  advertiser_id: string;
  marketplace_id: string;
  campaign_id: string;
  name: string | null;
  budget: string;
  /** null: no budget-usage row (the budget is the entity data's) */
  usage_percentage: string | null;
  usage_updated_at: Date | null;
}

export interface PortfolioBudgetRow {
  advertiser_id: string;
  marketplace_id: string;
  portfolio_id: string;
  budget: string;
  usage_percentage: string;
  usage_updated_at: Date;
}

/**
 * What the forecasts read (writers: processor, connector): campaign budgets from budget_usage_latest (else
 * entity_latest), the hourly history from
 * hourly_fact (forecastHistorySql, shared with the alerter's pacing rule), a campaign's UTC offset and advertiser, and
 * Amazon's own estimate of what a cap missed (budget_recommendation, CURRENT_RECOMMENDATIONS_SQL, shared with the
 * alerter's cap digest).
 */
@Injectable()
export class ForecastsRepository {
  private readonly historySql = forecastHistorySql();

  constructor(private readonly read: ReadDb) {}

  /**
   * Campaigns with a budget: the latest budget-usage row's, else the entity data's (`entity_latest`), with the usage
   * (null when none) — candidates of the pacing answer, which keeps those with a usage or facts of their local today.
   */
  async campaignBudgets(f: { advertiserIds?: string[]; campaignId?: string }): Promise<CampaignBudgetRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const adv = f.advertiserIds ? p(f.advertiserIds) : null;
    const cmp = f.campaignId ? p(f.campaignId) : null;
    const filter = (advCol: string, idCol: string) =>
      [adv ? `${advCol} = ANY(${adv}::text[])` : null, cmp ? `${idCol} = ${cmp}` : null]
        .filter(Boolean)
        .map((w) => ` AND ${w}`)
        .join('');
    return (await this.read.query(
      `WITH c AS (
         SELECT advertiser_id, budget_scope_id AS campaign_id FROM budget_usage_latest
          WHERE budget_scope_type = 'CAMPAIGN'${filter('advertiser_id', 'budget_scope_id')}
         UNION
         SELECT advertiser_id, entity_id FROM ams_entity
          WHERE entity_type = 'campaign' AND budget_amount IS NOT NULL${filter('advertiser_id', 'entity_id')}
         UNION
         SELECT advertiser_id, entity_id FROM ads_entity
          WHERE entity_type = 'campaign' AND budget_amount IS NOT NULL${filter('advertiser_id', 'entity_id')}
       )
       SELECT c.advertiser_id, COALESCE(b.marketplace_id, e.marketplace_id) AS marketplace_id, c.campaign_id, e.name,
              COALESCE(b.budget, e.budget_amount)::text AS budget, b.usage_percentage::text, b.usage_updated_at
         FROM c
         LEFT JOIN LATERAL (
           SELECT bb.marketplace_id, bb.budget, bb.usage_percentage, bb.usage_updated_at FROM budget_usage_latest bb
            WHERE bb.advertiser_id = c.advertiser_id AND bb.budget_scope_type = 'CAMPAIGN'
              AND bb.budget_scope_id = c.campaign_id
            ORDER BY bb.usage_updated_at DESC LIMIT 1) b ON true
         LEFT JOIN LATERAL (${entityLatestLookupSql('c.advertiser_id', `'campaign'`, 'c.campaign_id')}) e ON true
        WHERE COALESCE(b.budget, e.budget_amount) IS NOT NULL
        ORDER BY 1, 2, 3 LIMIT 5000`,
      params,
    )) as CampaignBudgetRow[];
  }

  /** Portfolio budgets (budget-usage's PORTFOLIO scopes) of these advertisers. */
  async portfolioBudgets(f: { advertiserIds?: string[]; portfolioId: string }): Promise<PortfolioBudgetRow[]> {
    return (await this.read.query(
      `SELECT b.advertiser_id, b.marketplace_id, b.budget_scope_id AS portfolio_id, b.budget::text,
              b.usage_percentage::text, b.usage_updated_at
         FROM budget_usage_latest b
        WHERE b.budget_scope_type = 'PORTFOLIO' AND b.budget_scope_id = $1
          AND ($2::text[] IS NULL OR b.advertiser_id = ANY($2::text[]))
        ORDER BY 1, 2 LIMIT 100`,
      [f.portfolioId, f.advertiserIds ?? null],
    )) as PortfolioBudgetRow[];
  }

  /** The campaigns of a portfolio, from the entity data (AMS campaign records and the Ads API sync). */
  async portfolioCampaigns(advertiserId: string, portfolioId: string): Promise<string[]> {
    const rows = (await this.read.query(
      `SELECT entity_id FROM entity_latest
        WHERE advertiser_id = $1 AND entity_type = 'campaign' AND portfolio_id = $2 ORDER BY 1 LIMIT 2000`,
      [advertiserId, portfolioId],
    )) as Array<{ entity_id: string }>;
    return rows.map((r) => r.entity_id);
  }

  /** Hourly history of an advertiser's campaigns (all when `campaignIds` is null) for local dates [from, to). */
  async history(
    advertiserId: string,
    campaignIds: string[] | null,
    from: string,
    to: string,
  ): Promise<CampaignHourRow[]> {
    return (await this.read.query(this.historySql, [advertiserId, campaignIds, from, to])) as CampaignHourRow[];
  }

  /** Per campaign, Amazon's latest recommendation whose window applies to the local date `date` (none: absent). */
  async recommendations(
    advertiserId: string,
    campaignIds: string[],
    date: string,
  ): Promise<Map<string, CurrentRecommendationRow>> {
    if (campaignIds.length === 0) return new Map();
    const rows = (await this.read.query(CURRENT_RECOMMENDATIONS_SQL, [
      advertiserId,
      campaignIds,
      date,
    ])) as CurrentRecommendationRow[];
    return new Map(rows.map((r) => [r.campaign_id, r]));
  }

  /** The UTC offset (minutes) of the campaign's latest fact; null without facts. */
  async offset(advertiserId: string, campaignId: string): Promise<number | null> {
    const rows = (await this.read.query(CAMPAIGN_OFFSET_SQL, [advertiserId, campaignId])) as Array<{
      utc_offset_minutes: number;
    }>;
    return rows.length ? Number(rows[0].utc_offset_minutes) : null;
  }

  /** The advertiser of a campaign's latest fact (and its UTC offset); null without facts. */
  async campaignOwner(
    campaignId: string,
    advertiserId?: string,
  ): Promise<{ advertiserId: string; utcOffsetMinutes: number } | null> {
    const rows = (await this.read.query(
      `SELECT advertiser_id, utc_offset_minutes FROM hourly_fact
        WHERE campaign_id = $1 AND ($2::text IS NULL OR advertiser_id = $2)
        ORDER BY hour_start DESC LIMIT 1`,
      [campaignId, advertiserId ?? null],
    )) as Array<{ advertiser_id: string; utc_offset_minutes: number }>;
    return rows.length
      ? { advertiserId: rows[0].advertiser_id, utcOffsetMinutes: Number(rows[0].utc_offset_minutes) }
      : null;
  }
}
