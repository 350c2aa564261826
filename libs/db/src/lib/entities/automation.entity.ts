import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** An action rule (writer: alerter). Trigger, action and guards are the contract's JSON (`@ams/contracts` automation). */
@Entity({ name: 'action_rule' })
export class ActionRuleEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'advertiser_id' }) advertiserId!: string;
  @Column('text', { name: 'entity_level' }) entityLevel!: 'campaign' | 'ad_group' | 'keyword' | 'target';
  @Column('text', { name: 'scope_type' }) scopeType!: 'advertiser' | 'campaign' | 'ad_group';
  @Column('text', { name: 'scope_id', nullable: true }) scopeId!: string | null;
  @Column('text', { name: 'ad_products', array: true }) adProducts!: ('SP' | 'SB' | 'SD')[];
  @Column('text') mode!: 'dry_run' | 'approval' | 'auto';
  @Column('jsonb') trigger!: Record<string, unknown>;
  @Column('jsonb') action!: Record<string, unknown>;
  @Column('jsonb') guards!: Record<string, unknown>;
  @Column('text') destination!: string;
  @Column('boolean') enabled!: boolean;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
}

/** One proposed change: proposal, outbox row and audit (writers: alerter proposes, connector executes). */
@Entity({ name: 'automation_action' })
export class AutomationActionEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text') kind!: 'rule' | 'daypart_restore' | 'revert';
  @Column('bigint', { name: 'rule_id', nullable: true }) ruleId!: string | null;
  @Column('text', { name: 'decision_key' }) decisionKey!: string;
  @Column('text') mode!: 'dry_run' | 'approval' | 'auto';
  @Column('text') state!: string;
  @Column('text', { name: 'advertiser_id' }) advertiserId!: string;
  @Column('text', { name: 'profile_id' }) profileId!: string;
  @Column('text', { name: 'ad_product' }) adProduct!: 'SP' | 'SB' | 'SD';
  @Column('text', { name: 'entity_type' }) entityType!: 'campaign' | 'ad_group' | 'keyword' | 'target';
  @Column('text', { name: 'entity_id' }) entityId!: string;
  @Column('text', { name: 'entity_name', nullable: true }) entityName!: string | null;
  @Column('text', { name: 'campaign_id', nullable: true }) campaignId!: string | null;
  @Column('text', { name: 'ad_group_id', nullable: true }) adGroupId!: string | null;
  @Column('text') field!: 'budget' | 'bid' | 'state';
  @Column('text', { name: 'value_before' }) valueBefore!: string;
  @Column('text', { name: 'value_asked' }) valueAsked!: string;
  @Column('text', { name: 'value_after', nullable: true }) valueAfter!: string | null;
  @Column('numeric', { name: 'budget_increase' }) budgetIncrease!: string;
  @Column('text') reason!: string;
  @Column('jsonb', { name: 'trigger_data' }) triggerData!: Record<string, unknown>;
  @Column('text', { name: 'state_reason', nullable: true }) stateReason!: string | null;
  @Column('date', { name: 'local_date' }) localDate!: string;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt!: Date | null;
  @Column('text', { name: 'decided_by', nullable: true }) decidedBy!: string | null;
  @Column('timestamptz', { name: 'decided_at', nullable: true }) decidedAt!: Date | null;
  @Column('integer') attempts!: number;
  @Column('timestamptz', { name: 'lease_until', nullable: true }) leaseUntil!: Date | null;
  @Column('timestamptz', { name: 'executed_at', nullable: true }) executedAt!: Date | null;
  @Column('text', { name: 'amazon_request_ids', array: true }) amazonRequestIds!: string[];
  @Column('text', { name: 'result_code', nullable: true }) resultCode!: string | null;
  @Column('jsonb', { name: 'result_raw', nullable: true }) resultRaw!: unknown;
  @Column('bigint', { name: 'reverts_action_id', nullable: true }) revertsActionId!: string | null;
  @Column('bigint', { name: 'reverted_by_action_id', nullable: true }) revertedByActionId!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

/** The kill switch (writer: connector): one row. */
@Entity({ name: 'automation_setting' })
export class AutomationSettingEntity {
  @PrimaryColumn('text') id!: 'global';
  @Column('boolean') enabled!: boolean;
  @Column('text', { name: 'updated_by', nullable: true }) updatedBy!: string | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

/** The daily cap on budget increases of one advertiser (writer: connector). */
@Entity({ name: 'automation_advertiser_limit' })
export class AutomationAdvertiserLimitEntity {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @Column('numeric', { name: 'max_daily_budget_increase' }) maxDailyBudgetIncrease!: string;
  @Column('text', { name: 'updated_by' }) updatedBy!: string;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

/** A dayparting rule's base value and multiplier in force, per entity (writer: alerter). */
@Entity({ name: 'automation_daypart' })
export class AutomationDaypartEntity {
  @PrimaryColumn('bigint', { name: 'rule_id' }) ruleId!: string;
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @PrimaryColumn('text', { name: 'entity_type' }) entityType!: string;
  @PrimaryColumn('text', { name: 'entity_id' }) entityId!: string;
  @Column('text') field!: 'budget' | 'bid';
  @Column('text', { name: 'base_value' }) baseValue!: string;
  @Column('text') multiplier!: string;
  @Column('text', { name: 'window_key', nullable: true }) windowKey!: string | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

/** A daily automation digest posted (writer: alerter): one per advertiser and local day. */
@Entity({ name: 'automation_digest' })
export class AutomationDigestEntity {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @PrimaryColumn('date', { name: 'local_date' }) localDate!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}
