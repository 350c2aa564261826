import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MetricColumns } from './metric-columns';

@Entity({ name: 'performance_delta' })
export class PerformanceDeltaEntity extends MetricColumns {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @PrimaryColumn('text', { name: 'idempotency_id' }) idempotencyId!: string;
  @Column('text', { name: 'dataset_id' }) datasetId!: string;
  @Column('text', { name: 'ad_product' }) adProduct!: string;
  @Column('text', { name: 'marketplace_id' }) marketplaceId!: string;
  @Column('text', { nullable: true }) currency!: string | null;
  @Column('text', { name: 'campaign_id' }) campaignId!: string;
  @Column('text', { name: 'ad_group_id' }) adGroupId!: string;
  @Column('text', { name: 'ad_id' }) adId!: string;
  @Column('text', { name: 'keyword_id' }) keywordId!: string;
  @Column('text') placement!: string;
  @Column('text', { name: 'keyword_text', nullable: true }) keywordText!: string | null;
  @Column('text', { name: 'match_type', nullable: true }) matchType!: string | null;
  /** part of the key: the table is partitioned by month on it (a redelivered record carries the same hour) */
  @PrimaryColumn('timestamptz', { name: 'hour_start' }) hourStart!: Date;
  @Column('smallint', { name: 'utc_offset_minutes' }) utcOffsetMinutes!: number;
  @Column('jsonb') extra!: Record<string, unknown>;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
}

@Entity({ name: 'hourly_fact' })
export class HourlyFactEntity extends MetricColumns {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @PrimaryColumn('text', { name: 'marketplace_id' }) marketplaceId!: string;
  @PrimaryColumn('text', { name: 'campaign_id' }) campaignId!: string;
  @PrimaryColumn('text', { name: 'ad_group_id' }) adGroupId!: string;
  @PrimaryColumn('text', { name: 'ad_id' }) adId!: string;
  @PrimaryColumn('text', { name: 'keyword_id' }) keywordId!: string;
  @PrimaryColumn('text') placement!: string;
  @PrimaryColumn('timestamptz', { name: 'hour_start' }) hourStart!: Date;
  @Column('smallint', { name: 'utc_offset_minutes' }) utcOffsetMinutes!: number;
  @Column('text', { name: 'ad_product' }) adProduct!: string;
  @Column('text', { nullable: true }) currency!: string | null;
  @Column('text', { name: 'keyword_text', nullable: true }) keywordText!: string | null;
  @Column('text', { name: 'match_type', nullable: true }) matchType!: string | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
