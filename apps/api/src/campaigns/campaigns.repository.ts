import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { defaultWindowMetricSql } from '@ams/db';

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
 *
 * "Has performance data" means a campaign-day in the last 30 days (UTC date) in campaign_daily, or marked in
 * rollup_pending (a day the aggregator has not rolled up yet: written by a trigger in the same transaction as the
 * facts, so together they are every campaign-day with facts). Both are read in (advertiser, campaign) order with the
 * page's cursor and limit pushed into each branch, through their primary key / small table: a page costs about its
 * size, not a DISTINCT over 30 days of hourly facts (43,344 fact rows read for a page of 5 on 30 days × 60 campaigns
 * before, 144 now: campaigns-scale.integration.spec.ts). Only the last-24 h totals read hourly_fact, by campaign and
 * hour (hourly_fact_campaign_hour_idx), for the page's campaigns.
 */
@Injectable()
export class CampaignsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async list(f: {
    advertiserIds?: string[];
    q?: string;
    campaignId?: string;
    after?: [string, string];
    limit: number;
  }): Promise<CampaignRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const entityWhere = [`entity_type = 'campaign'`];
    const dailyWhere = [`local_date >= (now() AT TIME ZONE 'UTC')::date - 30`];
    const pendingWhere = [`local_date >= (now() AT TIME ZONE 'UTC')::date - 30`];
    const both = (sql: string) => {
      dailyWhere.push(sql);
      pendingWhere.push(sql);
    };
    if (f.advertiserIds) {
      const a = p(f.advertiserIds);
      entityWhere.push(`advertiser_id = ANY(${a}::text[])`);
      both(`advertiser_id = ANY(${a}::text[])`);
    }
    if (f.campaignId) {
      const c = p(f.campaignId);
      entityWhere.push(`entity_id = ${c}`);
      both(`campaign_id = ${c}`);
    }
    if (f.q) {
      // a campaign without an entity row has no name: it matches by id only
      const exact = p(f.q);
      entityWhere.push(`(name ILIKE ${p(`%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)} OR entity_id = ${exact})`);
      both(`campaign_id = ${exact}`);
    }
    if (f.after) {
      const a = p(f.after[0]);
      const c = p(f.after[1]);
      // `advertiser_id >= a` lets the entity scan start at the cursor's advertiser; the row comparison does the rest
      entityWhere.push(`advertiser_id >= ${a} AND (advertiser_id, entity_id) > (${a}, ${c})`);
      both(`(advertiser_id, campaign_id) > (${a}, ${c})`);
    }
    const limit = p(f.limit);
    const sql = `
      WITH keys AS (
        (SELECT advertiser_id, entity_id AS campaign_id FROM ams_entity WHERE ${entityWhere.join(' AND ')}
          ORDER BY advertiser_id, entity_id LIMIT ${limit})
        UNION
        (SELECT DISTINCT advertiser_id, campaign_id FROM campaign_daily WHERE ${dailyWhere.join(' AND ')}
          ORDER BY advertiser_id, campaign_id LIMIT ${limit})
        UNION
        (SELECT DISTINCT advertiser_id, campaign_id FROM rollup_pending WHERE ${pendingWhere.join(' AND ')}
          ORDER BY advertiser_id, campaign_id LIMIT ${limit})
      )
      SELECT k.advertiser_id, k.campaign_id, e.name, e.state, coalesce(e.ad_product, t.ad_product) AS ad_product,
             e.portfolio_id, e.budget_amount::text, e.budget_currency, e.version::text AS entity_version,
             coalesce(t.impressions, 0)::text AS impressions, coalesce(t.clicks, 0)::text AS clicks,
             coalesce(t.cost, 0)::text AS cost, coalesce(t.orders, 0)::text AS orders, coalesce(t.sales, 0)::text AS sales
      FROM (SELECT * FROM keys ORDER BY advertiser_id, campaign_id LIMIT ${limit}) k
      LEFT JOIN ams_entity e ON e.advertiser_id = k.advertiser_id AND e.entity_type = 'campaign' AND e.entity_id = k.campaign_id
      LEFT JOIN LATERAL (
        SELECT max(ad_product) AS ad_product, sum(impressions) AS impressions, sum(clicks) AS clicks, sum(cost) AS cost,
               sum(${defaultWindowMetricSql(null, 'orders')}) AS orders,
               sum(${defaultWindowMetricSql(null, 'sales')}) AS sales
        FROM hourly_fact h
        WHERE h.campaign_id = k.campaign_id AND h.advertiser_id = k.advertiser_id AND h.hour_start >= now() - interval '24 hours'
      ) t ON true
      ORDER BY k.advertiser_id, k.campaign_id`;
    return (await this.ds.query(sql, params)) as CampaignRow[];
  }
}
