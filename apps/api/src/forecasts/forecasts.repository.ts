import { Injectable } from '@nestjs/common';
import { CAMPAIGN_OFFSET_SQL, entityLatestLookupSql, forecastHistorySql } from '@ams/db';
import type { CampaignHourRow } from '@ams/forecast';
import { ReadDb } from '../replica/read-db.service';

export interface CampaignBudgetRow {
  advertiser_id: string;
  marketplace_id: string;
  campaign_id: string;
  name: string | null;
  budget: string;
  usage_percentage: string;
  usage_updated_at: Date;
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
 * What the forecasts read (writers: processor): campaign budgets from budget_usage_latest, the hourly history from
 * hourly_fact (forecastHistorySql, shared with the alerter's pacing rule), and a campaign's UTC offset and advertiser.
 * `sp-budget-recommendations` is not ingested (the processor quarantines it as unsupported): nothing to read for
 * Amazon's own estimate of what a cap missed.
 */
@Injectable()
export class ForecastsRepository {
  private readonly historySql = forecastHistorySql();

  constructor(private readonly read: ReadDb) {}

  async campaignBudgets(f: { advertiserIds?: string[]; campaignId?: string }): Promise<CampaignBudgetRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where = [`b.budget_scope_type = 'CAMPAIGN'`];
    if (f.advertiserIds) where.push(`b.advertiser_id = ANY(${p(f.advertiserIds)}::text[])`);
    if (f.campaignId) where.push(`b.budget_scope_id = ${p(f.campaignId)}`);
    return (await this.read.query(
      `SELECT b.advertiser_id, b.marketplace_id, b.budget_scope_id AS campaign_id, e.name, b.budget::text,
              b.usage_percentage::text, b.usage_updated_at
         FROM budget_usage_latest b
         LEFT JOIN LATERAL (${entityLatestLookupSql('b.advertiser_id', `'campaign'`, 'b.budget_scope_id')}) e ON true
        WHERE ${where.join(' AND ')}
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
