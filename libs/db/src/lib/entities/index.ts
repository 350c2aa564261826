import { AmsEntityEntity } from './ams-entity.entity';
import { BudgetUsageEventEntity, BudgetUsageLatestEntity } from './budget-usage.entity';
import { HourlyFactEntity, PerformanceDeltaEntity } from './performance.entity';
import { QuarantineEntity } from './quarantine.entity';
import { SubscriptionConfirmationEntity } from './subscription-confirmation.entity';

export * from './metric-columns';
export {
  AmsEntityEntity,
  BudgetUsageEventEntity,
  BudgetUsageLatestEntity,
  HourlyFactEntity,
  PerformanceDeltaEntity,
  QuarantineEntity,
  SubscriptionConfirmationEntity,
};

export const ENTITIES = [
  AmsEntityEntity,
  BudgetUsageEventEntity,
  BudgetUsageLatestEntity,
  HourlyFactEntity,
  PerformanceDeltaEntity,
  QuarantineEntity,
  SubscriptionConfirmationEntity,
];
