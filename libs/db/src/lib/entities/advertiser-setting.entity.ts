import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per-advertiser settings (writer: api): the attribution window orders/sales/units use when a query names none.
 * No row means AMS's defaults (`defaultAttributionWindow` in @ams/ams).
 */
@Entity({ name: 'advertiser_setting' })
export class AdvertiserSettingEntity {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @Column('text', { name: 'attribution_window_sp' }) attributionWindowSp!: '1d' | '7d' | '14d' | '30d';
  @Column('text', { name: 'attribution_window_sb' }) attributionWindowSb!: '1d' | '7d' | '14d' | '30d';
  @Column('text', { name: 'attribution_window_sd' }) attributionWindowSd!: '1d' | '7d' | '14d' | '30d';
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
