/** The normalized AMS records that `validateRecord` produces: what the processor stores, whatever the dataset's field names. */
import type { DatasetId, EntityDatasetId } from './datasets';
import type { MetricName } from './metric-names';

export type AdProduct = 'sp' | 'sb' | 'sd';

export interface PerformanceRecord {
  kind: 'performance';
  datasetId: DatasetId;
  adProduct: AdProduct;
  family: 'traffic' | 'conversion';
  idempotencyId: string;
  advertiserId: string;
  marketplaceId: string;
  currency: string | null;
  campaignId: string;
  adGroupId: string;
  adId: string;
  /** sp/sb keyword_id, sd target_id; '' if absent */
  keywordId: string;
  /** sp/sb keyword_text, sd targeting_text */
  keywordText: string | null;
  /** sp match_type, sb keyword_type */
  matchType: string | null;
  /** sp placement, sb placement_type, sd '' */
  placement: string;
  hourStartUtc: string;
  utcOffsetMinutes: number;
  localDate: string;
  /** decimal strings; every metric present ('0' when absent / not applicable) */
  metrics: Record<MetricName, string>;
  /** every body field not mapped above, with its original JSON value */
  extra: Record<string, unknown>;
}

export interface BudgetUsageRecord {
  kind: 'budget-usage';
  datasetId: 'budget-usage';
  advertiserId: string;
  marketplaceId: string;
  budgetScopeId: string;
  budgetScopeType: 'CAMPAIGN' | 'PORTFOLIO';
  /** lower-cased advertising_product_type */
  adProduct: AdProduct;
  /** decimal string */
  budget: string;
  /** decimal string, can exceed 100 */
  usagePercentage: string;
  /** ISO-8601 UTC with milliseconds */
  usageUpdatedAt: string;
  extra: Record<string, unknown>;
}

export interface BudgetRecommendationRecord {
  kind: 'budget-recommendation';
  datasetId: 'sp-budget-recommendations';
  advertiserId: string;
  marketplaceId: string;
  campaignId: string;
  /** ISO-8601 UTC with milliseconds */
  recommendationTime: string;
  /** decimal string: the suggested daily budget */
  suggestedBudget: string;
  reason: string | null;
  /** decimal strings (null: not sent) */
  missedSalesLower: string | null;
  missedSalesUpper: string | null;
  missedClicksLower: string | null;
  missedClicksUpper: string | null;
  missedImpressionsLower: string | null;
  missedImpressionsUpper: string | null;
  /** YYYY-MM-DD: the 7-day window the estimates cover */
  startDate: string;
  endDate: string;
  /** decimal string 0..1, '-1' = unknown (as Amazon sent it); null: not sent */
  percentTimeInBudget: string | null;
  extra: Record<string, unknown>;
}

export interface EntityRecord {
  kind: 'entity';
  datasetId: EntityDatasetId;
  entityType: 'campaign' | 'ad_group' | 'ad' | 'target';
  advertiserId: string;
  marketplaceId: string;
  entityId: string;
  version: number;
  campaignId: string | null;
  adGroupId: string | null;
  portfolioId: string | null;
  name: string | null;
  state: string | null;
  adProduct: string | null;
  /** decimal string (campaigns: budget.budgetCap.monetaryBudget.amount) */
  budgetAmount: string | null;
  budgetCurrency: string | null;
  /** the whole body as received */
  raw: Record<string, unknown>;
}

export type AmsRecord = PerformanceRecord | BudgetUsageRecord | EntityRecord | BudgetRecommendationRecord;
