import {
  AlertEntity,
  AlertEventEntity,
  AlertRuleEntity,
  NotificationDestinationEntity,
  NotificationOutboxEntity,
} from './alerting.entity';
import { ApiKeyEntity, AuditLogEntity, ReprocessRunEntity } from './access.entity';
import {
  AdsConnectionEntity,
  AdsEntityEntity,
  AdsProfileEntity,
  AdsStreamSubscriptionEntity,
  AdsSyncStateEntity,
  DatasetFreshnessEntity,
} from './ads.entity';
import { AdvertiserSettingEntity } from './advertiser-setting.entity';
import { AmsEntityEntity } from './ams-entity.entity';
import {
  ActionRuleEntity,
  AutomationActionEntity,
  AutomationAdvertiserLimitEntity,
  AutomationDaypartEntity,
  AutomationDigestEntity,
  AutomationSettingEntity,
} from './automation.entity';
import { BudgetRecommendationEntity } from './budget-recommendation.entity';
import { BudgetUsageEventEntity, BudgetUsageLatestEntity } from './budget-usage.entity';
import { IngestControlEntity } from './ingest-control.entity';
import { HourlyFactEntity, PerformanceDeltaEntity } from './performance.entity';
import { QuarantineEntity } from './quarantine.entity';
import {
  AdGroupDailyEntity,
  CampaignDailyEntity,
  CampaignHourlyEntity,
  KeywordDailyEntity,
  RollupPendingEntity,
} from './rollup.entity';
import { SubscriptionConfirmationEntity } from './subscription-confirmation.entity';

export * from './metric-columns';
export * from './access.entity';
export * from './ads.entity';
export * from './advertiser-setting.entity';
export * from './alerting.entity';
export * from './ams-entity.entity';
export * from './automation.entity';
export * from './budget-recommendation.entity';
export * from './budget-usage.entity';
export * from './ingest-control.entity';
export * from './performance.entity';
export * from './quarantine.entity';
export * from './rollup.entity';
export * from './subscription-confirmation.entity';

/**
 * Every entity the data source maps: the typed map of the whole schema, one entity per table (entities-schema.integration.spec.ts
 * checks tables, columns, types and nullability against the migrations). Most apps write set-based SQL instead.
 */
export const ENTITIES = [
  ActionRuleEntity,
  AutomationActionEntity,
  AutomationAdvertiserLimitEntity,
  AutomationDaypartEntity,
  AutomationDigestEntity,
  AutomationSettingEntity,
  AlertEntity,
  AlertEventEntity,
  AlertRuleEntity,
  NotificationDestinationEntity,
  NotificationOutboxEntity,
  AdsConnectionEntity,
  AdsEntityEntity,
  AdsProfileEntity,
  AdsStreamSubscriptionEntity,
  AdsSyncStateEntity,
  DatasetFreshnessEntity,
  AdvertiserSettingEntity,
  AmsEntityEntity,
  ApiKeyEntity,
  AuditLogEntity,
  ReprocessRunEntity,
  BudgetRecommendationEntity,
  BudgetUsageEventEntity,
  BudgetUsageLatestEntity,
  IngestControlEntity,
  HourlyFactEntity,
  PerformanceDeltaEntity,
  QuarantineEntity,
  SubscriptionConfirmationEntity,
  AdGroupDailyEntity,
  CampaignDailyEntity,
  CampaignHourlyEntity,
  KeywordDailyEntity,
  RollupPendingEntity,
];
