import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface CampaignRow {
  advertiser_id: string;
  campaign_id: string;
  name: string | null;
  state: string | null;
  ad_product: string | null;
  portfolio_id: string | null;
  budget_amount: string | null;
  budget_currency: string | null;
  entity_version: string | null;
  impressions: string;
  clicks: string;
  cost: string;
  orders: string;
  sales: string;
}

/**
 * Campaigns are what the campaign datasets describe plus what has performance data: many
 * advertisers never subscribe to the (beta) campaign datasets, and their campaigns still exist.
 */
@Injectable()
export class CampaignsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async list(f: { advertiserIds?: string[]; q?: string; campaignId?: string; after?: [string, string]; limit: number }): Promise<CampaignRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const entityWhere = [`entity_type = 'campaign'`];
    const factWhere = [`hour_start >= now() - interval '30 days'`];
    if (f.advertiserIds) {
      const a = p(f.advertiserIds);
      entityWhere.push(`advertiser_id = ANY(${a}::text[])`);
      factWhere.push(`advertiser_id = ANY(${a}::text[])`);
    }
    if (f.campaignId) {
      const c = p(f.campaignId);
      entityWhere.push(`entity_id = ${c}`);
      factWhere.push(`campaign_id = ${c}`);
    }
    const outer: string[] = [];
    if (f.q) outer.push(`(e.name ILIKE ${p(`%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)} OR k.campaign_id = ${p(f.q)})`);
    if (f.after) outer.push(`(k.advertiser_id, k.campaign_id) > (${p(f.after[0])}, ${p(f.after[1])})`);
    const sql = `
      WITH keys AS (
        SELECT advertiser_id, entity_id AS campaign_id FROM ams_entity WHERE ${entityWhere.join(' AND ')}
        UNION
        SELECT DISTINCT advertiser_id, campaign_id FROM hourly_fact WHERE ${factWhere.join(' AND ')}
      )
      SELECT k.advertiser_id, k.campaign_id, e.name, e.state, coalesce(e.ad_product, t.ad_product) AS ad_product,
             e.portfolio_id, e.budget_amount::text, e.budget_currency, e.version::text AS entity_version,
             coalesce(t.impressions, 0)::text AS impressions, coalesce(t.clicks, 0)::text AS clicks,
             coalesce(t.cost, 0)::text AS cost, coalesce(t.orders, 0)::text AS orders, coalesce(t.sales, 0)::text AS sales
      FROM keys k
      LEFT JOIN ams_entity e ON e.advertiser_id = k.advertiser_id AND e.entity_type = 'campaign' AND e.entity_id = k.campaign_id
      LEFT JOIN LATERAL (
        SELECT max(ad_product) AS ad_product, sum(impressions) AS impressions, sum(clicks) AS clicks, sum(cost) AS cost,
               sum(CASE WHEN ad_product = 'sp' THEN orders_7d ELSE orders_14d END) AS orders,
               sum(CASE WHEN ad_product = 'sp' THEN sales_7d ELSE sales_14d END) AS sales
        FROM hourly_fact h
        WHERE h.campaign_id = k.campaign_id AND h.advertiser_id = k.advertiser_id AND h.hour_start >= now() - interval '24 hours'
      ) t ON true
      ${outer.length ? `WHERE ${outer.join(' AND ')}` : ''}
      ORDER BY k.advertiser_id, k.campaign_id
      LIMIT ${p(f.limit)}`;
    return (await this.ds.query(sql, params)) as CampaignRow[];
  }
}
