import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type AttributionWindow, defaultAttributionWindow } from '@ams/ams';

export interface SettingRow {
  attribution_window_sp: AttributionWindow;
  attribution_window_sb: AttributionWindow;
  attribution_window_sd: AttributionWindow;
  updated_at: Date | null;
}

/** A change of settings: an absent product keeps its stored window (AMS's default when there is none). */
export interface SettingsChange {
  sp?: AttributionWindow;
  sb?: AttributionWindow;
  sd?: AttributionWindow;
}

/** advertiser_setting (writer: api): one row per advertiser that changed a default; no row means AMS's defaults. */
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

  /** Creates or changes the advertiser's row in one statement (a new row starts from AMS's defaults); returns it as stored. */
  async upsert(advertiserId: string, w: SettingsChange): Promise<SettingRow> {
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
        defaultAttributionWindow('sp'),
        defaultAttributionWindow('sb'),
        defaultAttributionWindow('sd'),
      ],
    )) as SettingRow[];
    return row;
  }
}
