/**
 * validateRecord(): the one entry point that turns any parsed JSON value into a normalized AMS record, or into a
 * quarantine code + human-readable reason. Never throws.
 */
import {
  type DatasetId,
  type EntityDatasetId,
  type PerformanceDatasetId,
  KNOWN_UNSUPPORTED_DATASETS,
  isEntityDataset,
  isPerformanceDataset,
  isSupportedDataset,
} from './datasets';
import { hasUnstorableChars } from './text-safety';
import type { HourWindow } from './time';
import { RECORD_CLASSES } from './records';
import {
  checkJsonValue,
  describeValue,
  getSchema,
  isPlainObject,
  pathSegment,
  validateSchema,
} from './schema';

export type AdProduct = 'sp' | 'sb' | 'sd';

export const TRAFFIC_METRICS = [
  'impressions',
  'clicks',
  'cost',
  'viewable_impressions',
] as const;
export const CONVERSION_METRICS = [
  'orders_1d',
  'orders_7d',
  'orders_14d',
  'orders_30d',
  'sales_1d',
  'sales_7d',
  'sales_14d',
  'sales_30d',
  'units_1d',
  'units_7d',
  'units_14d',
  'units_30d',
] as const;
export type MetricName =
  | (typeof TRAFFIC_METRICS)[number]
  | (typeof CONVERSION_METRICS)[number];
/** Every normalized metric, traffic first. */
export const METRIC_NAMES: readonly MetricName[] = Object.freeze([
  ...TRAFFIC_METRICS,
  ...CONVERSION_METRICS,
]);
const ZERO_METRICS = Object.freeze(
  Object.fromEntries(METRIC_NAMES.map((m) => [m, '0'])) as Record<
    MetricName,
    string
  >,
);

/** Metrics that are money (decimal with fraction); the others are integer counts. */
export const MONEY_METRICS: ReadonlySet<string> = new Set<string>([
  'cost',
  'sales_1d',
  'sales_7d',
  'sales_14d',
  'sales_30d',
]);

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

export type AmsRecord = PerformanceRecord | BudgetUsageRecord | EntityRecord;

export type QuarantineCode =
  | 'not-json'
  | 'too-large'
  | 'not-an-object'
  | 'unknown-dataset'
  | 'invalid-record'
  | 'unsupported-message'
  | 'empty';

export const QUARANTINE_CODES: readonly QuarantineCode[] = Object.freeze([
  'not-json',
  'too-large',
  'not-an-object',
  'unknown-dataset',
  'invalid-record',
  'unsupported-message',
  'empty',
] as const);

export type ValidationSuccess = {
  ok: true;
  record: AmsRecord;
  dedupKey: string;
};
export type ValidationFailure = {
  ok: false;
  code: QuarantineCode;
  reason: string;
  datasetId: string | null;
};
export type ValidationResult = ValidationSuccess | ValidationFailure;

/** At most this many problems are listed in a reason; reasons stay below MAX_REASON_LENGTH characters. */
const MAX_REASONS = 20;
export const MAX_REASON_LENGTH = 4000;
const MAX_DATASET_ID_ECHO = 64;

// ------------------------------------------------------------------------------------------------------------------
// Dedup keys: safe as a NATS `Nats-Msg-Id` header value

const KEY_SAFE = /^[\x21-\x24\x26-\x39\x3b-\x7e]*$/;

/**
 * Makes one key component printable ASCII without ':' — anything outside 0x21..0x7E, '%' and ':' becomes %XXXX
 * (UTF-16 code unit, 4 hex digits), which keeps keys injective. Real AMS ids never need escaping.
 */
export function escapeKeyPart(s: string): string {
  if (KEY_SAFE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out +=
      c >= 0x21 && c <= 0x7e && c !== 0x25 && c !== 0x3a
        ? s[i]
        : `%${c.toString(16).padStart(4, '0')}`;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------------------
// Dataset mappings

interface PerformanceMapping {
  adProduct: AdProduct;
  family: 'traffic' | 'conversion';
  keywordId: string | null;
  keywordText: string | null;
  matchType: string | null;
  placement: string | null;
  metrics: ReadonlyArray<readonly [MetricName, string]>;
  /** body fields consumed by the normalized record (everything else goes to `extra`) */
  mapped: ReadonlySet<string>;
}

const COMMON_PERFORMANCE_FIELDS = [
  'dataset_id',
  'idempotency_id',
  'marketplace_id',
  'advertiser_id',
  'currency',
  'campaign_id',
  'ad_group_id',
  'ad_id',
  'time_window_start',
];

const WINDOWS = ['1d', '7d', '14d', '30d'] as const;
const CONVERSION_SOURCES: ReadonlyArray<readonly [MetricName, string]> =
  WINDOWS.flatMap(
    (w) =>
      [
        [`orders_${w}`, `attributed_conversions_${w}`],
        [`sales_${w}`, `attributed_sales_${w}`],
        [`units_${w}`, `attributed_units_ordered_${w}`],
      ] as const,
  );

const DIMENSIONS: Record<
  AdProduct,
  Pick<
    PerformanceMapping,
    'keywordId' | 'keywordText' | 'matchType' | 'placement'
  >
> = {
  sp: {
    keywordId: 'keyword_id',
    keywordText: 'keyword_text',
    matchType: 'match_type',
    placement: 'placement',
  },
  sb: {
    keywordId: 'keyword_id',
    keywordText: 'keyword_text',
    matchType: 'keyword_type',
    placement: 'placement_type',
  },
  sd: {
    keywordId: 'target_id',
    keywordText: 'targeting_text',
    matchType: null,
    placement: null,
  },
};

function performanceMapping(dataset: PerformanceDatasetId): PerformanceMapping {
  const adProduct = dataset.slice(0, 2) as AdProduct;
  const family = dataset.endsWith('-traffic') ? 'traffic' : 'conversion';
  const dims = DIMENSIONS[adProduct];
  let metrics: Array<readonly [MetricName, string]>;
  if (family === 'conversion') {
    metrics = [...CONVERSION_SOURCES];
  } else {
    metrics = [
      ['impressions', 'impressions'],
      ['clicks', 'clicks'],
      ['cost', 'cost'],
    ];
    if (adProduct === 'sb')
      metrics.push(['viewable_impressions', 'viewable_impressions']);
    if (adProduct === 'sd')
      metrics.push(['viewable_impressions', 'view_impressions']);
  }
  const mapped = new Set<string>(COMMON_PERFORMANCE_FIELDS);
  const dimensionFields = [
    dims.keywordId,
    dims.keywordText,
    dims.matchType,
    dims.placement,
  ];
  for (const f of dimensionFields) {
    if (f) mapped.add(f);
  }
  for (const [, f] of metrics) mapped.add(f);
  return { adProduct, family, ...dims, metrics, mapped };
}

const PERFORMANCE_MAPPINGS: Record<PerformanceDatasetId, PerformanceMapping> = {
  'sp-traffic': performanceMapping('sp-traffic'),
  'sp-conversion': performanceMapping('sp-conversion'),
  'sb-traffic': performanceMapping('sb-traffic'),
  'sb-conversion': performanceMapping('sb-conversion'),
  'sd-traffic': performanceMapping('sd-traffic'),
  'sd-conversion': performanceMapping('sd-conversion'),
};

const BUDGET_USAGE_MAPPED: ReadonlySet<string> = new Set(
  getSchema(RECORD_CLASSES['budget-usage']).byName.keys(),
);

const ENTITY_META: Record<
  EntityDatasetId,
  { entityType: EntityRecord['entityType']; idField: string }
> = {
  campaigns: { entityType: 'campaign', idField: 'campaignId' },
  adgroups: { entityType: 'ad_group', idField: 'adGroupId' },
  ads: { entityType: 'ad', idField: 'adId' },
  targets: { entityType: 'target', idField: 'targetId' },
};

// ------------------------------------------------------------------------------------------------------------------

function fail(
  code: QuarantineCode,
  reason: string,
  datasetId: string | null,
): ValidationFailure {
  return { ok: false, code, reason, datasetId };
}

function joinReasons(errors: readonly string[]): string {
  const shown = errors.slice(0, MAX_REASONS);
  let reason = shown.join('; ');
  if (errors.length > shown.length)
    reason += `; … and ${errors.length - shown.length} more`;
  if (reason.length > MAX_REASON_LENGTH)
    reason = `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
  return reason || 'record: is invalid';
}

/** The offending dataset_id, shortened and escaped so it is safe to store, log and use as a label. */
function echoDatasetId(ds: string): string {
  const escaped = escapeKeyPart(
    ds.length > MAX_DATASET_ID_ECHO ? ds.slice(0, MAX_DATASET_ID_ECHO) : ds,
  );
  return escaped.length > MAX_DATASET_ID_ECHO
    ? escaped.slice(0, MAX_DATASET_ID_ECHO)
    : escaped;
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
      if (hasUnstorableChars(key))
        errors.push(
          `${describeValue(key)}: field names must not contain NUL characters`,
        );
      else checkJsonValue(value, pathSegment('', key), errors);
    }
  }
  // Object.fromEntries defines own properties, so a "__proto__" field stays a plain field.
  return Object.fromEntries(entries);
}

function validatePerformance(
  dataset: PerformanceDatasetId,
  obj: Record<string, unknown>,
): ValidationResult {
  const errors: string[] = [];
  const cls = RECORD_CLASSES[dataset];
  const v = validateSchema(cls, obj, '', errors);
  const m = PERFORMANCE_MAPPINGS[dataset];
  const extra = collectExtra(obj, m.mapped, getSchema(cls).byName, errors);
  if (errors.length > 0)
    return fail('invalid-record', joinReasons(errors), dataset);

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
  const extra = collectExtra(
    obj,
    BUDGET_USAGE_MAPPED,
    getSchema(cls).byName,
    errors,
  );
  if (errors.length > 0)
    return fail('invalid-record', joinReasons(errors), 'budget-usage');
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

function validateEntity(
  dataset: EntityDatasetId,
  obj: Record<string, unknown>,
): ValidationResult {
  const errors: string[] = [];
  const cls = RECORD_CLASSES[dataset];
  const v = validateSchema(cls, obj, '', errors);
  // raw keeps the whole body; check everything that is not a declared scalar field (nested objects included).
  const declared = getSchema(cls).byName;
  const scalars = new Map([...declared].filter(([, s]) => s.kind !== 'object'));
  const raw = collectExtra(obj, new Set<string>(), scalars, errors);
  if (errors.length > 0)
    return fail('invalid-record', joinReasons(errors), dataset);

  const meta = ENTITY_META[dataset];
  const str = (field: string): string | null =>
    (v[field] as string | null | undefined) ?? null;
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
    budgetCurrency:
      (monetary?.['currencyCode'] as string | null | undefined) ?? null,
    raw,
  };
  const dedupKey = `${dataset}:${escapeKeyPart(record.advertiserId)}:${escapeKeyPart(record.entityId)}:v${record.version}`;
  return { ok: true, record, dedupKey };
}

function validateUnchecked(input: unknown): ValidationResult {
  if (!isPlainObject(input)) {
    return fail(
      'not-an-object',
      `record: must be a JSON object (got ${describeValue(input)})`,
      null,
    );
  }
  const ds = Object.hasOwn(input, 'dataset_id')
    ? input['dataset_id']
    : undefined;
  if (ds === undefined || ds === null) {
    return fail(
      'unknown-dataset',
      `dataset_id: is required${ds === null ? ' (got null)' : ''}`,
      null,
    );
  }
  if (typeof ds !== 'string') {
    return fail(
      'unknown-dataset',
      `dataset_id: must be a string (got ${describeValue(ds)})`,
      null,
    );
  }
  if (!isSupportedDataset(ds)) {
    const reason = KNOWN_UNSUPPORTED_DATASETS.has(ds)
      ? `dataset_id: "${ds}" is an Amazon Marketing Stream dataset that ams-sentinel does not process`
      : `dataset_id: unknown dataset ${describeValue(ds)}`;
    return fail('unknown-dataset', reason, echoDatasetId(ds));
  }
  if (isPerformanceDataset(ds)) return validatePerformance(ds, input);
  if (isEntityDataset(ds)) return validateEntity(ds, input);
  return validateBudgetUsage(input);
}

/** Validates and normalizes one AMS record (a parsed JSON value). Never throws. */
export function validateRecord(input: unknown): ValidationResult {
  try {
    return validateUnchecked(input);
  } catch (e) {
    let message = 'unknown error';
    try {
      if (e instanceof Error && typeof e.message === 'string')
        message = e.message;
    } catch {
      // keep the generic message
    }
    return fail(
      'invalid-record',
      `record: could not be validated (${describeValue(message)})`,
      null,
    );
  }
}
