/**
 * Which body field of each supported dataset becomes which field of the normalized record, per ad product and
 * family (traffic / conversion); every body field not mapped here is kept in `extra`.
 */
import type { EntityDatasetId, PerformanceDatasetId } from './datasets';
import type { MetricName } from './metric-names';
import type { AdProduct, EntityRecord } from './record-types';
import { RECORD_CLASSES } from './records';
import { getSchema } from './schema';

export interface PerformanceMapping {
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
const CONVERSION_SOURCES: ReadonlyArray<readonly [MetricName, string]> = WINDOWS.flatMap(
  (w) =>
    [
      [`orders_${w}`, `attributed_conversions_${w}`],
      [`sales_${w}`, `attributed_sales_${w}`],
      [`units_${w}`, `attributed_units_ordered_${w}`],
    ] as const,
);

const DIMENSIONS: Record<
  AdProduct,
  Pick<PerformanceMapping, 'keywordId' | 'keywordText' | 'matchType' | 'placement'>
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
    if (adProduct === 'sb') metrics.push(['viewable_impressions', 'viewable_impressions']);
    if (adProduct === 'sd') metrics.push(['viewable_impressions', 'view_impressions']);
  }
  const mapped = new Set<string>(COMMON_PERFORMANCE_FIELDS);
  const dimensionFields = [dims.keywordId, dims.keywordText, dims.matchType, dims.placement];
  for (const f of dimensionFields) {
    if (f) mapped.add(f);
  }
  for (const [, f] of metrics) mapped.add(f);
  return { adProduct, family, ...dims, metrics, mapped };
}

export const PERFORMANCE_MAPPINGS: Record<PerformanceDatasetId, PerformanceMapping> = {
  'sp-traffic': performanceMapping('sp-traffic'),
  'sp-conversion': performanceMapping('sp-conversion'),
  'sb-traffic': performanceMapping('sb-traffic'),
  'sb-conversion': performanceMapping('sb-conversion'),
  'sd-traffic': performanceMapping('sd-traffic'),
  'sd-conversion': performanceMapping('sd-conversion'),
};

export const BUDGET_USAGE_MAPPED: ReadonlySet<string> = new Set(
  getSchema(RECORD_CLASSES['budget-usage']).byName.keys(),
);

export const BUDGET_RECOMMENDATION_MAPPED: ReadonlySet<string> = new Set(
  getSchema(RECORD_CLASSES['sp-budget-recommendations']).byName.keys(),
);

export const ENTITY_META: Record<EntityDatasetId, { entityType: EntityRecord['entityType']; idField: string }> = {
  campaigns: { entityType: 'campaign', idField: 'campaignId' },
  adgroups: { entityType: 'ad_group', idField: 'adGroupId' },
  ads: { entityType: 'ad', idField: 'adId' },
  targets: { entityType: 'target', idField: 'targetId' },
};
