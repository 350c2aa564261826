import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Amazon's `sp-budget-recommendations`, each once by (advertiser, campaign, recommendation time). Writer: processor. */
@Entity({ name: 'budget_recommendation' })
export class BudgetRecommendationEntity {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @PrimaryColumn('text', { name: 'campaign_id' }) campaignId!: string;
  @PrimaryColumn('timestamptz', { name: 'recommendation_time' }) recommendationTime!: Date;
  @Column('text', { name: 'marketplace_id' }) marketplaceId!: string;
  @Column('numeric', { name: 'suggested_budget' }) suggestedBudget!: string;
  @Column('text', { name: 'reason_for_suggestion', nullable: true }) reasonForSuggestion!: string | null;
  @Column('numeric', { name: 'missed_sales_lower', nullable: true }) missedSalesLower!: string | null;
  @Column('numeric', { name: 'missed_sales_upper', nullable: true }) missedSalesUpper!: string | null;
  @Column('numeric', { name: 'missed_clicks_lower', nullable: true }) missedClicksLower!: string | null;
  @Column('numeric', { name: 'missed_clicks_upper', nullable: true }) missedClicksUpper!: string | null;
  @Column('numeric', { name: 'missed_impressions_lower', nullable: true }) missedImpressionsLower!: string | null;
  @Column('numeric', { name: 'missed_impressions_upper', nullable: true }) missedImpressionsUpper!: string | null;
  @Column('date', { name: 'start_date' }) startDate!: string;
  @Column('date', { name: 'end_date' }) endDate!: string;
  /** 0..1, −1 = unknown (as Amazon sent it) */
  @Column('numeric', { name: 'percent_time_in_budget', nullable: true }) percentTimeInBudget!: string | null;
  @Column('jsonb') extra!: Record<string, unknown>;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
}
