import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-advertiser settings (writer: api). The attribution window used for orders/sales/units when
 * a query does not name one: AMS console defaults are SP 7 d (sellers; vendors use 14 d), SB/SD 14 d.
 */
export class AdvertiserSettings1764390200000 implements MigrationInterface {
  name = 'AdvertiserSettings1764390200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE advertiser_setting (
        advertiser_id text PRIMARY KEY,
        attribution_window_sp text NOT NULL DEFAULT '7d' CHECK (attribution_window_sp IN ('1d', '7d', '14d', '30d')),
        attribution_window_sb text NOT NULL DEFAULT '14d' CHECK (attribution_window_sb IN ('1d', '7d', '14d', '30d')),
        attribution_window_sd text NOT NULL DEFAULT '14d' CHECK (attribution_window_sd IN ('1d', '7d', '14d', '30d')),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS advertiser_setting`);
  }
}
