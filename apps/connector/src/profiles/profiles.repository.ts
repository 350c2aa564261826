import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AdsRegionCode } from '@ams/contracts';
import type { ProfileRow } from './profile-row.logic';

export interface KnownProfile {
  profileId: string;
  region: AdsRegionCode;
  advertiserId: string;
  marketplaceId: string;
  currencyCode: string;
  active: boolean;
}

/** `ads_profile` (writer: connector). */
@Injectable()
export class ProfilesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Upserts what one host listed and marks inactive the profiles of the regions it covers that it no longer lists,
   * in one transaction. Returns how many were deactivated.
   */
  async storeListing(rows: ProfileRow[], covers: readonly AdsRegionCode[], syncedAt: Date): Promise<number> {
    return this.ds.transaction(async (em) => {
      if (rows.length) {
        const cols: unknown[][] = Array.from({ length: 11 }, () => []);
        for (const r of rows)
          [
            r.profileId,
            r.region,
            r.advertiserId,
            r.marketplaceId,
            r.countryCode,
            r.currencyCode,
            r.timeZone,
            r.accountType,
            r.accountName,
            r.accountSubType,
            r.dailyBudget,
          ].forEach((v, i) => cols[i].push(v));
        await em.query(
          `INSERT INTO ads_profile (profile_id, region, advertiser_id, marketplace_id, country_code, currency_code,
                                    time_zone, account_type, account_name, account_sub_type, daily_budget, active,
                                    synced_at)
           SELECT DISTINCT ON (profile_id) *, true, $12::timestamptz
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                       $9::text[], $10::text[], $11::numeric[])
             AS t(profile_id, region, advertiser_id, marketplace_id, country_code, currency_code, time_zone,
                  account_type, account_name, account_sub_type, daily_budget)
           ORDER BY profile_id
           ON CONFLICT (profile_id) DO UPDATE SET region = EXCLUDED.region, advertiser_id = EXCLUDED.advertiser_id,
             marketplace_id = EXCLUDED.marketplace_id, country_code = EXCLUDED.country_code,
             currency_code = EXCLUDED.currency_code, time_zone = EXCLUDED.time_zone,
             account_type = EXCLUDED.account_type, account_name = EXCLUDED.account_name,
             account_sub_type = EXCLUDED.account_sub_type, daily_budget = EXCLUDED.daily_budget, active = true,
             synced_at = EXCLUDED.synced_at`,
          [...cols, syncedAt],
        );
      }
      const gone = (await em.query(
        `UPDATE ads_profile SET active = false, synced_at = $3
         WHERE active AND region = ANY($1::text[]) AND NOT (profile_id = ANY($2::text[]))
         RETURNING profile_id`,
        [covers, rows.map((r) => r.profileId), syncedAt],
      )) as [unknown[], number] | unknown[];
      return Array.isArray(gone[0]) ? (gone[0] as unknown[]).length : gone.length;
    });
  }

  async find(profileId: string): Promise<KnownProfile | undefined> {
    const rows = await this.select('WHERE profile_id = $1', [profileId]);
    return rows[0];
  }

  async active(): Promise<KnownProfile[]> {
    return this.select('WHERE active ORDER BY profile_id', []);
  }

  private async select(where: string, params: unknown[]): Promise<KnownProfile[]> {
    const rows = (await this.ds.query(
      `SELECT profile_id, region, advertiser_id, marketplace_id, currency_code, active FROM ads_profile ${where}`,
      params,
    )) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      profileId: r['profile_id'] as string,
      region: r['region'] as AdsRegionCode,
      advertiserId: r['advertiser_id'] as string,
      marketplaceId: r['marketplace_id'] as string,
      currencyCode: r['currency_code'] as string,
      active: r['active'] as boolean,
    }));
  }
}
