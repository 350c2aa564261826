import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Latest known version of a campaign, ad group, ad or target, from the campaign-change datasets. */
@Entity({ name: 'ams_entity' })
export class AmsEntityEntity {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @PrimaryColumn('text', { name: 'entity_type' }) entityType!: 'campaign' | 'ad_group' | 'ad' | 'target';
  @PrimaryColumn('text', { name: 'entity_id' }) entityId!: string;
  @Column('bigint') version!: string;
  @Column('text', { name: 'marketplace_id' }) marketplaceId!: string;
  @Column('text', { name: 'campaign_id', nullable: true }) campaignId!: string | null;
  @Column('text', { name: 'ad_group_id', nullable: true }) adGroupId!: string | null;
  @Column('text', { name: 'portfolio_id', nullable: true }) portfolioId!: string | null;
  @Column('text', { nullable: true }) name!: string | null;
  @Column('text', { nullable: true }) state!: string | null;
  @Column('text', { name: 'ad_product', nullable: true }) adProduct!: string | null;
  @Column('numeric', { name: 'budget_amount', nullable: true }) budgetAmount!: string | null;
  @Column('text', { name: 'budget_currency', nullable: true }) budgetCurrency!: string | null;
  @Column('jsonb') raw!: Record<string, unknown>;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  /** `audit.lastUpdatedDateTime` of the record, when it has one: its time against the entity sync's (entity_latest) */
  @Column('timestamptz', { name: 'changed_at', nullable: true }) changedAt!: Date | null;
}
