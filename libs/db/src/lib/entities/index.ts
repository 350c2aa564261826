import {
  AlertEntity,
  AlertEventEntity,
  AlertRuleEntity,
  NotificationDestinationEntity,
  NotificationOutboxEntity,
} from './alerting.entity';
import { AmsEntityEntity } from './ams-entity.entity';
import { BudgetUsageEventEntity, BudgetUsageLatestEntity } from './budget-usage.entity';
import { HourlyFactEntity, PerformanceDeltaEntity } from './performance.entity';
import { QuarantineEntity } from './quarantine.entity';
import { AdGroupDailyEntity, CampaignDailyEntity, CampaignHourlyEntity, KeywordDailyEntity } from './rollup.entity';
import { SubscriptionConfirmationEntity } from './subscription-confirmation.entity';

export * from './metric-columns';
export {
  AlertEntity,
  AlertEventEntity,
  AlertRuleEntity,
  NotificationDestinationEntity,
  NotificationOutboxEntity,
  AmsEntityEntity,
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
};

export const ENTITIES = [
  AlertEntity,
  AlertEventEntity,
  AlertRuleEntity,
  NotificationDestinationEntity,
  NotificationOutboxEntity,
  AmsEntityEntity,
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
