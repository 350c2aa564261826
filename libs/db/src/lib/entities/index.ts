import {
  AlertEntity,
  AlertEventEntity,
  AlertRuleEntity,
  NotificationDestinationEntity,
  NotificationOutboxEntity,
} from './alerting.entity';
import { ApiKeyEntity, AuditLogEntity, ReprocessRunEntity } from './access.entity';
import { AmsEntityEntity } from './ams-entity.entity';
import { BudgetUsageEventEntity, BudgetUsageLatestEntity } from './budget-usage.entity';
import { HourlyFactEntity, PerformanceDeltaEntity } from './performance.entity';
import { QuarantineEntity } from './quarantine.entity';
import { AdGroupDailyEntity, CampaignDailyEntity, CampaignHourlyEntity, KeywordDailyEntity } from './rollup.entity';
import { SubscriptionConfirmationEntity } from './subscription-confirmation.entity';

export * from './metric-columns';
export * from './access.entity';
export * from './alerting.entity';
export * from './ams-entity.entity';
export * from './budget-usage.entity';
export * from './performance.entity';
export * from './quarantine.entity';
export * from './rollup.entity';
export * from './subscription-confirmation.entity';

/** Every entity the data source maps. */
export const ENTITIES = [
  AlertEntity,
  AlertEventEntity,
  AlertRuleEntity,
  NotificationDestinationEntity,
  NotificationOutboxEntity,
  AmsEntityEntity,
  ApiKeyEntity,
  AuditLogEntity,
  ReprocessRunEntity,
  BudgetUsageEventEntity,
  BudgetUsageLatestEntity,
  HourlyFactEntity,
  PerformanceDeltaEntity,
  QuarantineEntity,
  SubscriptionConfirmationEntity,
  AdGroupDailyEntity,
  CampaignDailyEntity,
  CampaignHourlyEntity,
  KeywordDailyEntity,
];
