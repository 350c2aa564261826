import { Injectable } from '@nestjs/common';
import {
  advertiserProfileLateralSql,
  advertiserWindowMetricSql,
  entityLatestLookupSql,
  isLatestAdsEntitySql,
  isLatestAmsEntitySql,
} from '@ams/db';
import { ReadDb } from '../replica/read-db.service';

export interface CampaignRow {
  advertiser_id: string;
  campaign_id: string;
  name: string | null;
  state: string | null;
  ad_product: string | null;
  portfolio_id: string | null;
  budget_amount: string | null;
  budget_currency: string | null;
  budget_type: string | null;
  entity_version: string | null;
  entity_source: 'ams' | 'ads_api' | null;
  entity_as_of: Date | null;
  impressions: string;
  clicks: string;
  cost: string;
  orders: string;
  sales: string;
}

/**
 * Campaigns are what the campaign datasets (AMS `ams_entity`) and the connector's entity sync (`ads_entity`) describe,
 * plus what has performance data: many advertisers never subscribe to the (beta) campaign datasets, and their
 * campaigns still exist. So a campaign the connector synced is listed even before it has any performance row, and
 * one with facts is listed even when neither source names it. Name, state, budget and portfolio are `entity_latest`'s
 * (the newer of the AMS record and the sync), read by primary-key lookups in both tables for the page's campaigns
 * (`entityLatestLookupSql`: joining the view itself would build it whole).
 *
 * "Has performance data" means a campaign-day in the last 30 days (UTC date) in campaign_daily, or marked in
 * rollup_pending (a day the aggregator has not rolled up yet: written by a trigger in the same transaction as the
 * facts, so together they are every campaign-day with facts). Every source is read in (advertiser, campaign) order with
 * the page's cursor and limit pushed into each branch, through its primary key / small table: a page costs about its
 * size, not a DISTINCT over 30 days of hourly facts (43,344 fact rows read for a page of 5 on 30 days × 60 campaigns
 * before, 144 now: campaigns-scale.integration.spec.ts). Only the last-24 h totals read hourly_fact, by campaign and
 * hour (hourly_fact_campaign_hour_idx), for the page's campaigns; their orders and sales are in the advertiser's
 * default window (its setting, else its Amazon account type's default), as in /v1/performance.
 *
 * The 30-day bound is in UTC dates on purpose: it only decides which campaigns without an entity row are listed, a
 * day either way at its edge changes nothing a user sees, and a per-advertiser local "today" would cost a lookup per
 * rollup row scanned.
 */
@Injectable()
export class CampaignsRepository {
  constructor(private readonly read: ReadDb) {}

  async list(f: {
    advertiserIds?: string[];
    q?: string;
    campaignId?: string;
    after?: [string, string];
    limit: number;
  }): Promise<CampaignRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const amsWhere = [`a.entity_type = 'campaign'`];
    const adsWhere = [`s.entity_type = 'campaign'`];
    const dailyWhere = [`local_date >= (now() AT TIME ZONE 'UTC')::date - 30`];
    const pendingWhere = [`local_date >= (now() AT TIME ZONE 'UTC')::date - 30`];
    const facts = (sql: string) => {
      dailyWhere.push(sql);
      pendingWhere.push(sql);
    };
    const entities = (sql: (t: string) => string) => {
      amsWhere.push(sql('a'));
      adsWhere.push(sql('s'));
    };
    if (f.advertiserIds) {
      const a = p(f.advertiserIds);
      entities((t) => `${t}.advertiser_id = ANY(${a}::text[])`);
      facts(`advertiser_id = ANY(${a}::text[])`);
    }
    if (f.campaignId) {
      const c = p(f.campaignId);
      entities((t) => `${t}.entity_id = ${c}`);
      facts(`campaign_id = ${c}`);
    }
    if (f.q) {
      // the name that counts is the one shown (entity_latest's): a row of one source matches only if the other source
      // has nothing newer; a campaign without an entity row has no name: it matches by id only
      const exact = p(f.q);
      const like = p(`%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      amsWhere.push(`((a.name ILIKE ${like} AND ${isLatestAmsEntitySql('a')}) OR a.entity_id = ${exact})`);
      adsWhere.push(`((s.name ILIKE ${like} AND ${isLatestAdsEntitySql('s')}) OR s.entity_id = ${exact})`);
      facts(`campaign_id = ${exact}`);
    }
    if (f.after) {
      const a = p(f.after[0]);
      const c = p(f.after[1]);
      // `advertiser_id >= a` lets the entity scan start at the cursor's advertiser; the row comparison does the rest
      entities((t) => `${t}.advertiser_id >= ${a} AND (${t}.advertiser_id, ${t}.entity_id) > (${a}, ${c})`);
      facts(`(advertiser_id, campaign_id) > (${a}, ${c})`);
    }
    const limit = p(f.limit);
    const sql = `
      WITH keys AS (
        (SELECT a.advertiser_id, a.entity_id AS campaign_id FROM ams_entity a WHERE ${amsWhere.join(' AND ')}
          ORDER BY a.advertiser_id, a.entity_id LIMIT ${limit})
        UNION
        (SELECT s.advertiser_id, s.entity_id AS campaign_id FROM ads_entity s WHERE ${adsWhere.join(' AND ')}
          ORDER BY s.advertiser_id, s.entity_id LIMIT ${limit})
        UNION
        (SELECT DISTINCT advertiser_id, campaign_id FROM campaign_daily WHERE ${dailyWhere.join(' AND ')}
          ORDER BY advertiser_id, campaign_id LIMIT ${limit})
        UNION
        (SELECT DISTINCT advertiser_id, campaign_id FROM rollup_pending WHERE ${pendingWhere.join(' AND ')}
          ORDER BY advertiser_id, campaign_id LIMIT ${limit})
      )
      SELECT k.advertiser_id, k.campaign_id, e.name, e.state, coalesce(e.ad_product, t.ad_product) AS ad_product,
             e.portfolio_id, e.budget_amount::text, e.budget_currency, e.budget_type, e.version::text AS entity_version,
             e.source AS entity_source, e.as_of AS entity_as_of,
             coalesce(t.impressions, 0)::text AS impressions, coalesce(t.clicks, 0)::text AS clicks,
             coalesce(t.cost, 0)::text AS cost, coalesce(t.orders, 0)::text AS orders, coalesce(t.sales, 0)::text AS sales
      FROM (SELECT * FROM keys ORDER BY advertiser_id, campaign_id LIMIT ${limit}) k
      LEFT JOIN LATERAL (${entityLatestLookupSql('k.advertiser_id', `'campaign'`, 'k.campaign_id')}) e ON true
      LEFT JOIN advertiser_setting st ON st.advertiser_id = k.advertiser_id
      LEFT JOIN LATERAL (${advertiserProfileLateralSql('k.advertiser_id', ['account_type'])}) pt ON true
      LEFT JOIN LATERAL (
        SELECT max(h.ad_product) AS ad_product, sum(h.impressions) AS impressions, sum(h.clicks) AS clicks,
               sum(h.cost) AS cost, sum(${metricIn('orders')}) AS orders, sum(${metricIn('sales')}) AS sales
        FROM hourly_fact h
        WHERE h.campaign_id = k.campaign_id AND h.advertiser_id = k.advertiser_id AND h.hour_start >= now() - interval '24 hours'
      ) t ON true
      ORDER BY k.advertiser_id, k.campaign_id`;
    return (await this.read.query(sql, params)) as CampaignRow[];
  }
}

/** Metric `m` of fact `h` in the advertiser's default window (setting `st`, else account type `pt.account_type`). */
const metricIn = (m: 'orders' | 'sales') => advertiserWindowMetricSql('h', 'st', 'pt.account_type', m);
