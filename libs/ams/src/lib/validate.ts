/**
 * validateRecord(): the one entry point that turns any parsed JSON value into a normalized AMS record, or into a
 * quarantine code + human-readable reason. Never throws. The record types, metric names, dataset mappings and
 * dedup-key escaping live in their own files and are re-exported here.
 */
import {
  type EntityDatasetId,
  type PerformanceDatasetId,
  KNOWN_UNSUPPORTED_DATASETS,
  isEntityDataset,
  isPerformanceDataset,
  isRecommendationDataset,
  isSupportedDataset,
} from './datasets';
import {
  BUDGET_RECOMMENDATION_MAPPED,
  BUDGET_USAGE_MAPPED,
  ENTITY_META,
  PERFORMANCE_MAPPINGS,
} from './dataset-mappings';
import { escapeKeyPart } from './dedup-key';
import { type MetricName, ZERO_METRICS } from './metric-names';
import type {
  AdProduct,
  BudgetRecommendationRecord,
  BudgetUsageRecord,
  EntityRecord,
  PerformanceRecord,
} from './record-types';
import { hasUnstorableChars } from './text-safety';
import type { HourWindow } from './time';
import { RECORD_CLASSES } from './records';
import { checkJsonValue, describeValue, getSchema, isPlainObject, pathSegment, validateSchema } from './schema';
import type { QuarantineCode, ValidationFailure, ValidationResult } from './validation-result';

export { escapeKeyPart } from './dedup-key';
export { CONVERSION_METRICS, METRIC_NAMES, MONEY_METRICS, type MetricName, TRAFFIC_METRICS } from './metric-names';
export type {
  AdProduct,
  AmsRecord,
  BudgetRecommendationRecord,
  BudgetUsageRecord,
  EntityRecord,
  PerformanceRecord,
} from './record-types';
export {
  QUARANTINE_CODES,
  type QuarantineCode,
  type ValidationFailure,
  type ValidationResult,
  type ValidationSuccess,
} from './validation-result';

/** At most this many problems are listed in a reason; reasons stay below MAX_REASON_LENGTH characters. */
const MAX_REASONS = 20;
export const MAX_REASON_LENGTH = 4000;
const MAX_DATASET_ID_ECHO = 64;

// ------------------------------------------------------------------------------------------------------------------

function fail(code: QuarantineCode, reason: string, datasetId: string | null): ValidationFailure {
  return { ok: false, code, reason, datasetId };
}

function joinReasons(errors: readonly string[]): string {
  const shown = errors.slice(0, MAX_REASONS);
  let reason = shown.join('; ');
  if (errors.length > shown.length) reason += `; … and ${errors.length - shown.length} more`;
  if (reason.length > MAX_REASON_LENGTH) reason = `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
  return reason || 'record: is invalid';
}

/** The offending dataset_id, shortened and escaped so it is safe to store, log and use as a label. */
function echoDatasetId(ds: string): string {
  const escaped = escapeKeyPart(ds.length > MAX_DATASET_ID_ECHO ? ds.slice(0, MAX_DATASET_ID_ECHO) : ds);
  return escaped.length > MAX_DATASET_ID_ECHO ? escaped.slice(0, MAX_DATASET_ID_ECHO) : escaped;
}

/**
 * Copies every own field of `obj` that is not in `mapped`; unmodelled fields (not in `declared`) are checked to be
 * plain, storable JSON.
 */
function collectExtra(
  obj: Record<string, unknown>,
  mapped: ReadonlySet<string>,
  declared: ReadonlyMap<string, unknown>,
  errors: string[],
): Record<string, unknown> {
  const entries: Array<[string, unknown]> = [];
  for (const key of Object.keys(obj)) {
    if (mapped.has(key)) continue;
    const value = obj[key];
    if (value === undefined) continue; // not representable in JSON: treat as absent
    entries.push([key, value]);
    if (!declared.has(key)) {
      if (hasUnstorableChars(key)) errors.push(`${describeValue(key)}: field names must not contain NUL characters`);
      else checkJsonValue(value, pathSegment('', key), errors);
    }
  }
  // Object.fromEntries defines own properties, so a "__proto__" field stays a plain field.
  return Object.fromEntries(entries);
}

function validatePerformance(dataset: PerformanceDatasetId, obj: Record<string, unknown>): ValidationResult {
  const errors: string[] = [];
  const cls = RECORD_CLASSES[dataset];
  const v = validateSchema(cls, obj, '', errors);
  const m = PERFORMANCE_MAPPINGS[dataset];
  const extra = collectExtra(obj, m.mapped, getSchema(cls).byName, errors);
  if (errors.length > 0) return fail('invalid-record', joinReasons(errors), dataset);

  const metrics: Record<MetricName, string> = { ...ZERO_METRICS };
  for (const [name, field] of m.metrics) {
    const value = v[field];
    if (typeof value === 'string') metrics[name] = value;
  }
  const hour = v['time_window_start'] as HourWindow;
  const str = (field: string | null): string | null =>
    field === null ? null : ((v[field] as string | null | undefined) ?? null);
  const idempotencyId = v['idempotency_id'] as string;
  const record: PerformanceRecord = {
    kind: 'performance',
    datasetId: dataset,
    adProduct: m.adProduct,
    family: m.family,
    idempotencyId,
    advertiserId: v['advertiser_id'] as string,
    marketplaceId: v['marketplace_id'] as string,
    currency: str('currency'),
    campaignId: v['campaign_id'] as string,
    adGroupId: v['ad_group_id'] as string,
    adId: v['ad_id'] as string,
    keywordId: str(m.keywordId) ?? '',
    keywordText: str(m.keywordText),
    matchType: str(m.matchType),
    placement: str(m.placement) ?? '',
    hourStartUtc: hour.hourStartUtc,
    utcOffsetMinutes: hour.utcOffsetMinutes,
    localDate: hour.localDate,
    metrics,
    extra,
  };
  // scoped by advertiser like the database's unique key (advertiser_id, idempotency_id): the same id from
  // two advertisers is two records, in JetStream's duplicate window and in a batch as in PostgreSQL
  return { ok: true, record, dedupKey: `${escapeKeyPart(record.advertiserId)}:${escapeKeyPart(idempotencyId)}` };
}

function validateBudgetUsage(obj: Record<string, unknown>): ValidationResult {
  const errors: string[] = [];
  const cls = RECORD_CLASSES['budget-usage'];
  const v = validateSchema(cls, obj, '', errors);
  const extra = collectExtra(obj, BUDGET_USAGE_MAPPED, getSchema(cls).byName, errors);
  if (errors.length > 0) return fail('invalid-record', joinReasons(errors), 'budget-usage');
  const record: BudgetUsageRecord = {
    kind: 'budget-usage',
    datasetId: 'budget-usage',
    advertiserId: v['advertiser_id'] as string,
    marketplaceId: v['marketplace_id'] as string,
    budgetScopeId: v['budget_scope_id'] as string,
    budgetScopeType: v['budget_scope_type'] as 'CAMPAIGN' | 'PORTFOLIO',
    adProduct: v['advertising_product_type'] as AdProduct,
    budget: v['budget'] as string,
    usagePercentage: v['budget_usage_percentage'] as string,
    usageUpdatedAt: v['usage_updated_timestamp'] as string,
    extra,
  };
  const dedupKey = [
    'bu',
    escapeKeyPart(record.advertiserId),
    escapeKeyPart(record.marketplaceId),
    record.budgetScopeType,
    escapeKeyPart(record.budgetScopeId),
    record.usageUpdatedAt,
  ].join(':');
  return { ok: true, record, dedupKey };
}

/**
 * `sp-budget-recommendations`. The record class says what the numbers mean: a suggested budget above 0, estimates not
 * negative, percent_time_in_budget −1 (unknown) or within 0..1. Dedup key:
 * `br:<advertiser>:<campaign>:<recommendation_time ISO Z>` (the natural key).
 */
function validateBudgetRecommendation(obj: Record<string, unknown>): ValidationResult {
  const errors: string[] = [];
  const dataset = 'sp-budget-recommendations';
  const cls = RECORD_CLASSES[dataset];
  const v = validateSchema(cls, obj, '', errors);
  const extra = collectExtra(obj, BUDGET_RECOMMENDATION_MAPPED, getSchema(cls).byName, errors);
  if (errors.length > 0) return fail('invalid-record', joinReasons(errors), dataset);
  const num = (field: string): string | null => (v[field] as string | null | undefined) ?? null;
  const record: BudgetRecommendationRecord = {
    kind: 'budget-recommendation',
    datasetId: dataset,
    advertiserId: v['advertiser_id'] as string,
    marketplaceId: v['marketplace_id'] as string,
    campaignId: v['campaign_id'] as string,
    recommendationTime: v['recommendation_time'] as string,
    suggestedBudget: v['suggested_budget'] as string,
    reason: num('reason_for_suggestion'),
    missedSalesLower: num('estimated_missed_sales_lower'),
    missedSalesUpper: num('estimated_missed_sales_upper'),
    missedClicksLower: num('estimated_missed_clicks_lower'),
    missedClicksUpper: num('estimated_missed_clicks_upper'),
    missedImpressionsLower: num('estimated_missed_impressions_lower'),
    missedImpressionsUpper: num('estimated_missed_impressions_upper'),
    startDate: v['start_date'] as string,
    endDate: v['end_date'] as string,
    percentTimeInBudget: num('percent_time_in_budget'),
    extra,
  };
  const dedupKey = [
    'br',
    escapeKeyPart(record.advertiserId),
    escapeKeyPart(record.campaignId),
    record.recommendationTime,
  ].join(':');
  return { ok: true, record, dedupKey };
}

function validateEntity(dataset: EntityDatasetId, obj: Record<string, unknown>): ValidationResult {
  const errors: string[] = [];
  const cls = RECORD_CLASSES[dataset];
  const v = validateSchema(cls, obj, '', errors);
  // raw keeps the whole body; check everything that is not a declared scalar field (nested objects included).
  const declared = getSchema(cls).byName;
  const scalars = new Map([...declared].filter(([, s]) => s.kind !== 'object'));
  const raw = collectExtra(obj, new Set<string>(), scalars, errors);
  if (errors.length > 0) return fail('invalid-record', joinReasons(errors), dataset);

  const meta = ENTITY_META[dataset];
  const str = (field: string): string | null => (v[field] as string | null | undefined) ?? null;
  const budget = v['budget'] as {
    budgetCap: { monetaryBudget: Record<string, unknown> | null } | null;
  } | null;
  const monetary = budget?.budgetCap?.monetaryBudget ?? null;
  const record: EntityRecord = {
    kind: 'entity',
    datasetId: dataset,
    entityType: meta.entityType,
    advertiserId: v['advertiser_id'] as string,
    marketplaceId: v['marketplace_id'] as string,
    entityId: v[meta.idField] as string,
    version: v['version'] as number,
    campaignId: str('campaignId'),
    adGroupId: str('adGroupId'),
    portfolioId: str('portfolioId'),
    name: str('name'),
    state: str('state'),
    adProduct: str('adProduct'),
    budgetAmount: (monetary?.['amount'] as string | null | undefined) ?? null,
    budgetCurrency: (monetary?.['currencyCode'] as string | null | undefined) ?? null,
    raw,
  };
  const dedupKey = `${dataset}:${escapeKeyPart(record.advertiserId)}:${escapeKeyPart(record.entityId)}:v${record.version}`;
  return { ok: true, record, dedupKey };
}

function validateUnchecked(input: unknown): ValidationResult {
  if (!isPlainObject(input)) {
    return fail('not-an-object', `record: must be a JSON object (got ${describeValue(input)})`, null);
  }
  const ds = Object.hasOwn(input, 'dataset_id') ? input['dataset_id'] : undefined;
  if (ds === undefined || ds === null) {
    return fail('unknown-dataset', `dataset_id: is required${ds === null ? ' (got null)' : ''}`, null);
  }
  if (typeof ds !== 'string') {
    return fail('unknown-dataset', `dataset_id: must be a string (got ${describeValue(ds)})`, null);
  }
  if (!isSupportedDataset(ds)) {
    const reason = KNOWN_UNSUPPORTED_DATASETS.has(ds)
      ? `dataset_id: "${ds}" is an Amazon Marketing Stream dataset that ams-sentinel does not process`
      : `dataset_id: unknown dataset ${describeValue(ds)}`;
    return fail('unknown-dataset', reason, echoDatasetId(ds));
  }
  if (isPerformanceDataset(ds)) return validatePerformance(ds, input);
  if (isEntityDataset(ds)) return validateEntity(ds, input);
  if (isRecommendationDataset(ds)) return validateBudgetRecommendation(input);
  return validateBudgetUsage(input);
}

/** Validates and normalizes one AMS record (a parsed JSON value). Never throws. */
export function validateRecord(input: unknown): ValidationResult {
  try {
    return validateUnchecked(input);
  } catch (e) {
    let message = 'unknown error';
    try {
      if (e instanceof Error && typeof e.message === 'string') message = e.message;
    } catch {
      // keep the generic message
    }
    return fail('invalid-record', `record: could not be validated (${describeValue(message)})`, null);
  }
}
