import { Column, Entity, PrimaryColumn } from 'typeorm';

abstract class BudgetUsageColumns {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @PrimaryColumn('text', { name: 'marketplace_id' }) marketplaceId!: string;
  @PrimaryColumn('text', { name: 'budget_scope_type' }) budgetScopeType!: 'CAMPAIGN' | 'PORTFOLIO';
  @PrimaryColumn('text', { name: 'budget_scope_id' }) budgetScopeId!: string;
  @Column('text', { name: 'ad_product' }) adProduct!: string;
  @Column('numeric') budget!: string;
  @Column('numeric', { name: 'usage_percentage' }) usagePercentage!: string;
}

@Entity({ name: 'budget_usage_event' })
export class BudgetUsageEventEntity extends BudgetUsageColumns {
  @PrimaryColumn('timestamptz', { name: 'usage_updated_at' }) usageUpdatedAt!: Date;
  @Column('jsonb') extra!: Record<string, unknown>;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
}

@Entity({ name: 'budget_usage_latest' })
export class BudgetUsageLatestEntity extends BudgetUsageColumns {
  @Column('timestamptz', { name: 'usage_updated_at' }) usageUpdatedAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
