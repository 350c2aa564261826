import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** An alerting rule (writer: alerter). Thresholds are decimals: percent, ratio (roas) or money. */
@Entity({ name: 'alert_rule' })
export class AlertRuleEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text', { name: 'default_key', nullable: true, unique: true }) defaultKey!: string | null;
  @Column('text') name!: string;
  @Column('text') metric!: string;
  @Column('text') condition!: string;
  @Column('numeric') threshold!: string;
  @Column('text', { nullable: true }) baseline!: string | null;
  @Column('integer', { name: 'window_hours', nullable: true }) windowHours!: number | null;
  @Column('text', { name: 'entity_level' }) entityLevel!: string;
  @Column('text', { name: 'scope_type' }) scopeType!: string;
  @Column('text', { name: 'scope_id', nullable: true }) scopeId!: string | null;
  @Column('bigint', { name: 'min_impressions' }) minImpressions!: string;
  @Column('bigint', { name: 'min_clicks' }) minClicks!: string;
  @Column('numeric', { name: 'min_spend' }) minSpend!: string;
  @Column('integer', { name: 'settling_hours' }) settlingHours!: number;
  @Column('text') severity!: string;
  @Column('text') destination!: string;
  @Column('integer', { name: 'repeat_interval_minutes' }) repeatIntervalMinutes!: number;
  @Column('boolean') enabled!: boolean;
  @Column('boolean') customized!: boolean;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

/** One alert identity: rule + entity (+ window for window-based rules) and its current state (writer: alerter). */
@Entity({ name: 'alert' })
export class AlertEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text', { name: 'advertiser_id' }) advertiserId!: string;
  @Column('bigint', { name: 'rule_id' }) ruleId!: string;
  @Column('text', { name: 'entity_type' }) entityType!: string;
  @Column('text', { name: 'entity_id' }) entityId!: string;
  @Column('text', { name: 'campaign_id', nullable: true }) campaignId!: string | null;
  /** '' for rules that are not window-based (budget usage). */
  @Column('text', { name: 'window_key' }) windowKey!: string;
  @Column('timestamptz', { name: 'window_start', nullable: true }) windowStart!: Date | null;
  @Column('timestamptz', { name: 'window_end', nullable: true }) windowEnd!: Date | null;
  @Column('text') state!: 'firing' | 'resolved';
  @Column('boolean') acknowledged!: boolean;
  @Column('timestamptz', { name: 'acknowledged_at', nullable: true }) acknowledgedAt!: Date | null;
  @Column('text', { name: 'acknowledged_by', nullable: true }) acknowledgedBy!: string | null;
  @Column('timestamptz', { name: 'snoozed_until', nullable: true }) snoozedUntil!: Date | null;
  @Column('numeric', { name: 'last_value', nullable: true }) lastValue!: string | null;
  @Column('numeric', { name: 'last_baseline', nullable: true }) lastBaseline!: string | null;
  @Column('numeric', { name: 'last_change_pct', nullable: true }) lastChangePct!: string | null;
  @Column('numeric') threshold!: string;
  @Column('jsonb', { name: 'last_details' }) lastDetails!: Record<string, unknown>;
  @Column('timestamptz', { name: 'fired_at' }) firedAt!: Date;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt!: Date | null;
  @Column('timestamptz', { name: 'last_evaluated_at' }) lastEvaluatedAt!: Date;
  @Column('timestamptz', { name: 'last_notified_at', nullable: true }) lastNotifiedAt!: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}

/** History of an alert: fired, resolved, reminded, acknowledged, snoozed, unsnoozed (writer: alerter). */
@Entity({ name: 'alert_event' })
export class AlertEventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('bigint', { name: 'alert_id' }) alertId!: string;
  @Column('text', { name: 'advertiser_id' }) advertiserId!: string;
  @Column('bigint', { name: 'rule_id' }) ruleId!: string;
  @Column('text') type!: string;
  @Column('timestamptz') at!: Date;
  @Column('numeric', { nullable: true }) value!: string | null;
  @Column('numeric', { nullable: true }) baseline!: string | null;
  @Column('numeric', { name: 'change_pct', nullable: true }) changePct!: string | null;
  @Column('numeric', { nullable: true }) threshold!: string | null;
  @Column('jsonb') details!: Record<string, unknown>;
}

/** A notification to deliver exactly once (writer: alerter). */
@Entity({ name: 'notification_outbox' })
export class NotificationOutboxEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('bigint', { name: 'alert_id', nullable: true }) alertId!: string | null;
  @Column('bigint', { name: 'alert_event_id', nullable: true }) alertEventId!: string | null;
  /** messages about automation actions (kind `action`, `digest`) */
  @Column('bigint', { name: 'action_id', nullable: true }) actionId!: string | null;
  @Column('text') kind!: 'firing' | 'resolved' | 'reminder' | 'action' | 'action_result' | 'digest';
  @Column('text') destination!: string;
  @Column('jsonb') payload!: Record<string, unknown>;
  @Column('text') status!: 'pending' | 'sending' | 'sent' | 'delivered-to-log' | 'failed';
  @Column('integer') attempts!: number;
  @Column('integer', { name: 'error_count' }) errorCount!: number;
  @Column('timestamptz', { name: 'next_attempt_at' }) nextAttemptAt!: Date;
  @Column('timestamptz', { name: 'last_attempt_at', nullable: true }) lastAttemptAt!: Date | null;
  @Column('integer', { name: 'last_status', nullable: true }) lastStatus!: number | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('uuid', { name: 'claim_token', nullable: true }) claimToken!: string | null;
  @Column('timestamptz', { name: 'lease_until', nullable: true }) leaseUntil!: Date | null;
  @Column('boolean', { name: 'in_doubt' }) inDoubt!: boolean;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt!: Date | null;
}

/** Send pacing of one Slack destination, shared by the alerter's replicas (writer: alerter). */
@Entity({ name: 'notification_destination' })
export class NotificationDestinationEntity {
  @PrimaryColumn('text') name!: string;
  @Column('timestamptz', { name: 'next_send_at' }) nextSendAt!: Date;
  @Column('integer', { name: 'last_status', nullable: true }) lastStatus!: number | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
