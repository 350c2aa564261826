import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MetricColumns } from './metric-columns';

/**
 * Rollups of hourly_fact, written only by the aggregator (a SUM recompute of the source facts, never an
 * increment). Ratios are not stored: sum the parts over the range you read, then compute them
 * (`computeRatios` in @ams/ams; a zero denominator gives null). `localDate` is the advertiser's local day
 * ('YYYY-MM-DD'), so a DST day holds 23 or 25 hours. A campaign-day listed in rollup_pending (RollupPendingEntity)
 * may not equal its facts yet.
 */
abstract class RollupColumns extends MetricColumns {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @PrimaryColumn('text', { name: 'campaign_id' }) campaignId!: string;
  @Column('text', { name: 'marketplace_id' }) marketplaceId!: string;
  @Column('text', { name: 'ad_product' }) adProduct!: string;
  @Column('text', { nullable: true }) currency!: string | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

/** Campaign × UTC hour. */
@Entity({ name: 'campaign_hourly' })
export class CampaignHourlyEntity extends RollupColumns {
  @PrimaryColumn('timestamptz', { name: 'hour_start' }) hourStart!: Date;
  @Column('smallint', { name: 'utc_offset_minutes' }) utcOffsetMinutes!: number;
  @Column('date', { name: 'local_date' }) localDate!: string;
}

/** Campaign × advertiser-local day. */
@Entity({ name: 'campaign_daily' })
export class CampaignDailyEntity extends RollupColumns {
  @PrimaryColumn('date', { name: 'local_date' }) localDate!: string;
}

/** Ad group × advertiser-local day. */
@Entity({ name: 'ad_group_daily' })
export class AdGroupDailyEntity extends RollupColumns {
  @PrimaryColumn('date', { name: 'local_date' }) localDate!: string;
  @PrimaryColumn('text', { name: 'ad_group_id' }) adGroupId!: string;
}

/** Keyword (SP/SB) or target (SD) × advertiser-local day; `keywordId` is '' for facts without one. */
@Entity({ name: 'keyword_daily' })
export class KeywordDailyEntity extends RollupColumns {
  @PrimaryColumn('date', { name: 'local_date' }) localDate!: string;
  @PrimaryColumn('text', { name: 'ad_group_id' }) adGroupId!: string;
  @PrimaryColumn('text', { name: 'keyword_id' }) keywordId!: string;
  @Column('text', { name: 'keyword_text', nullable: true }) keywordText!: string | null;
  @Column('text', { name: 'match_type', nullable: true }) matchType!: string | null;
}

/**
 * A mark: this campaign-day's daily rollups may not equal its facts yet (see migration RollupPending1764392100000).
 * Appended by triggers on hourly_fact in the writer's transaction, deleted by the aggregator (by ctid) when it
 * recomputes the day. The table has no key and may hold the same campaign-day many times: TypeORM needs primary
 * columns, so the three key columns are declared primary here; read marks with SQL, never save through this entity.
 */
@Entity({ name: 'rollup_pending' })
export class RollupPendingEntity {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @PrimaryColumn('text', { name: 'campaign_id' }) campaignId!: string;
  @PrimaryColumn('date', { name: 'local_date' }) localDate!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}
