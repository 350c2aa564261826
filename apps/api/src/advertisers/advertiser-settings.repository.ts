import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type AttributionWindow } from '@ams/ams';
import { accountDefaultAttributionWindow, advertiserProfileLateralSql } from '@ams/db';

export interface SettingRow {
  attribution_window_sp: AttributionWindow;
  attribution_window_sb: AttributionWindow;
  attribution_window_sd: AttributionWindow;
  updated_at: Date | null;
}

/** The advertiser's Amazon profile as the connector listed it (see advertiserProfileLateralSql for which one). */
export interface AdvertiserProfileRow {
  profile_id: string;
  account_name: string | null;
  account_type: string;
  time_zone: string;
  country_code: string;
  marketplace_id: string;
  active: boolean;
}

/** A change of settings: an absent product keeps its stored window (AMS's default when there is none). */
export interface SettingsChange {
  sp?: AttributionWindow;
  sb?: AttributionWindow;
  sd?: AttributionWindow;
}

/**
 * advertiser_setting (writer: api): one row per advertiser that changed a default; no row means the defaults of its
 * Amazon account type (vendors SP 14 d, else AMS's SP 7 d; SB/SD 14 d), read from the connector's ads_profile.
 */
@Injectable()
export class AdvertiserSettingsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async get(advertiserId: string): Promise<SettingRow | undefined> {
    const [row] = (await this.ds.query(
      `SELECT attribution_window_sp, attribution_window_sb, attribution_window_sd, updated_at FROM advertiser_setting WHERE advertiser_id = $1`,
      [advertiserId],
    )) as SettingRow[];
    return row;
  }

  async profile(advertiserId: string): Promise<AdvertiserProfileRow | undefined> {
    const [row] = (await this.ds.query(
      advertiserProfileLateralSql('$1', [
        'profile_id',
        'account_name',
        'account_type',
        'time_zone',
        'country_code',
        'marketplace_id',
        'active',
      ]),
      [advertiserId],
    )) as AdvertiserProfileRow[];
    return row;
  }

  /**
   * Creates or changes the advertiser's row in one statement (a new row starts from the defaults of `accountType`, so
   * changing SB does not move a vendor's SP from 14 d to 7 d); returns it as stored.
   */
  async upsert(advertiserId: string, w: SettingsChange, accountType: string | null): Promise<SettingRow> {
    const [row] = (await this.ds.query(
      `INSERT INTO advertiser_setting (advertiser_id, attribution_window_sp, attribution_window_sb, attribution_window_sd)
       VALUES ($1, coalesce($2, $5), coalesce($3, $6), coalesce($4, $7))
       ON CONFLICT (advertiser_id) DO UPDATE SET
         attribution_window_sp = coalesce($2, advertiser_setting.attribution_window_sp),
         attribution_window_sb = coalesce($3, advertiser_setting.attribution_window_sb),
         attribution_window_sd = coalesce($4, advertiser_setting.attribution_window_sd),
         updated_at = now()
       RETURNING attribution_window_sp, attribution_window_sb, attribution_window_sd, updated_at`,
      [
        advertiserId,
        w.sp ?? null,
        w.sb ?? null,
        w.sd ?? null,
        accountDefaultAttributionWindow('sp', accountType),
        accountDefaultAttributionWindow('sb', accountType),
        accountDefaultAttributionWindow('sd', accountType),
      ],
    )) as SettingRow[];
    return row;
  }
}
