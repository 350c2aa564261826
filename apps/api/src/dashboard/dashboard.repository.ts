import { Injectable } from '@nestjs/common';
import { advertiserProfileLateralSql } from '@ams/db';
import { ReadDb } from '../replica/read-db.service';

export interface AdvertiserRow {
  advertiser_id: string;
  account_name: string | null;
  account_type: string | null;
  time_zone: string | null;
  currency_code: string | null;
  country_code: string | null;
}

export interface FreshnessRow {
  dataset_id: string;
  last_received_at: Date;
  latest_hour_start: Date | null;
}

/**
 * What the web app needs beside the resources: the advertisers there are (a profile, a setting, a record or a rollup)
 * and when each dataset last delivered. Reads ads_profile, advertiser_setting, dataset_freshness, campaign_daily, on the
 * replica while it keeps up (ReadDb), like every read path.
 */
@Injectable()
export class DashboardRepository {
  constructor(private readonly read: ReadDb) {}

  /**
   * Every advertiser with a profile, a setting, a dataset record or a daily rollup (undefined: all; else only these),
   * with its profile (see advertiserProfileLateralSql) and, without one, the currency of a daily rollup. The rollup's
   * advertisers are read by a loose index scan of campaign_daily's primary key (one probe per advertiser).
   */
  async advertisers(advertiserIds?: string[]): Promise<AdvertiserRow[]> {
    return await this.read.query<AdvertiserRow>(
      `WITH RECURSIVE daily AS (
         (SELECT advertiser_id FROM campaign_daily ORDER BY advertiser_id LIMIT 1)
         UNION ALL
         SELECT (SELECT c.advertiser_id FROM campaign_daily c WHERE c.advertiser_id > daily.advertiser_id
                  ORDER BY c.advertiser_id LIMIT 1)
           FROM daily WHERE daily.advertiser_id IS NOT NULL
       ), ids AS (
         SELECT advertiser_id FROM daily WHERE advertiser_id IS NOT NULL
         UNION SELECT advertiser_id FROM ads_profile
         UNION SELECT advertiser_id FROM advertiser_setting
         UNION SELECT advertiser_id FROM dataset_freshness
       )
       SELECT ids.advertiser_id, p.account_name, p.account_type, p.time_zone, p.country_code,
              coalesce(p.currency_code,
                (SELECT c.currency FROM campaign_daily c
                  WHERE c.advertiser_id = ids.advertiser_id AND c.currency IS NOT NULL LIMIT 1)) AS currency_code
         FROM ids
         LEFT JOIN LATERAL (${advertiserProfileLateralSql('ids.advertiser_id', [
           'account_name',
           'account_type',
           'time_zone',
           'country_code',
           'currency_code',
         ])}) p ON true
        WHERE $1::text[] IS NULL OR ids.advertiser_id = ANY($1::text[])
        ORDER BY ids.advertiser_id`,
      [advertiserIds ?? null],
    );
  }

  async freshness(advertiserId: string): Promise<FreshnessRow[]> {
    return await this.read.query<FreshnessRow>(
      `SELECT dataset_id, last_received_at, latest_hour_start FROM dataset_freshness
        WHERE advertiser_id = $1 ORDER BY dataset_id`,
      [advertiserId],
    );
  }
}
