/**
 * Record classes, one per dataset, with field names exactly as Amazon Marketing Stream sends them
 * (RESEARCH §2.2–2.9). They are the schema: `@AmsField` makes them usable with class-validator's `validateSync` and
 * drives the fast hand validator used by `validateRecord()`.
 *
 * Conventions: ids are non-empty strings (a JSON number for an id is an error) of at most 64 characters; texts at most
 * 1024 characters; counts are safe integers and money finite numbers, both may be negative (deltas). Conversion
 * metrics are optional (missing or null = 0). Undeclared fields are allowed — Amazon adds fields over time.
 */
import type { DatasetId } from './datasets';
import { AmsField, type FieldSpec, type SchemaClass } from './schema';

export const MAX_ID_LENGTH = 64;
export const MAX_TEXT_LENGTH = 1024;
export const MAX_CURRENCY_LENGTH = 16;

const spec = (s: FieldSpec): PropertyDecorator => AmsField(s);
const Id = (): PropertyDecorator => spec({ kind: 'id', required: true, maxLength: MAX_ID_LENGTH });
const OptionalId = (): PropertyDecorator => spec({ kind: 'id', required: false, maxLength: MAX_ID_LENGTH });
const Text = (): PropertyDecorator => spec({ kind: 'text', required: false, maxLength: MAX_TEXT_LENGTH });
const Currency = (): PropertyDecorator => spec({ kind: 'id', required: false, maxLength: MAX_CURRENCY_LENGTH });
const Count = (required = false): PropertyDecorator => spec({ kind: 'count', required });
const Money = (required = false): PropertyDecorator => spec({ kind: 'money', required });

// ------------------------------------------------------------------------------------------------------------------
// Performance datasets

/** Keys common to every SP/SB/SD traffic and conversion record. */
export abstract class PerformanceRecordBody {
  @Id() dataset_id!: string;
  @Id() idempotency_id!: string;
  @Id() marketplace_id!: string;
  @Id() advertiser_id!: string;
  @Currency() currency?: string | null;
  @Id() campaign_id!: string;
  @Id() ad_group_id!: string;
  @Id() ad_id!: string;
  /** start of the hour in the advertiser's time zone, with offset: 2025-06-03T10:00:00-07:00 */
  @spec({ kind: 'time-window-start', required: true })
  time_window_start!: string;
}

/** Sponsored Products keys (RESEARCH §2.2). keyword_id is a keyword or target id. */
export abstract class SpRecordBody extends PerformanceRecordBody {
  @OptionalId() keyword_id?: string | null;
  @Text() keyword_text?: string | null;
  @Text() match_type?: string | null;
  @Text() placement?: string | null;
}

/** Sponsored Brands keys (RESEARCH §2.4): keyword_type and placement_type instead of match_type and placement. */
export abstract class SbRecordBody extends PerformanceRecordBody {
  @OptionalId() keyword_id?: string | null;
  @Text() keyword_text?: string | null;
  @Text() keyword_type?: string | null;
  @Text() placement_type?: string | null;
}

/** Sponsored Display keys (RESEARCH §2.5): target_id / targeting_text, no placement. */
export abstract class SdRecordBody extends PerformanceRecordBody {
  @OptionalId() target_id?: string | null;
  @Text() targeting_text?: string | null;
}

/** `sp-traffic` */
export class SpTrafficBody extends SpRecordBody {
  @Count(true) clicks!: number;
  @Count(true) impressions!: number;
  @Money(true) cost!: number;
}

/** `sp-conversion` — attributed to the hour of the click. */
export class SpConversionBody extends SpRecordBody {
  @Count() attributed_conversions_1d?: number | null;
  @Count() attributed_conversions_7d?: number | null;
  @Count() attributed_conversions_14d?: number | null;
  @Count() attributed_conversions_30d?: number | null;
  @Count() attributed_conversions_1d_same_sku?: number | null;
  @Count() attributed_conversions_7d_same_sku?: number | null;
  @Count() attributed_conversions_14d_same_sku?: number | null;
  @Count() attributed_conversions_30d_same_sku?: number | null;
  @Money() attributed_sales_1d?: number | null;
  @Money() attributed_sales_7d?: number | null;
  @Money() attributed_sales_14d?: number | null;
  @Money() attributed_sales_30d?: number | null;
  @Money() attributed_sales_1d_same_sku?: number | null;
  @Money() attributed_sales_7d_same_sku?: number | null;
  @Money() attributed_sales_14d_same_sku?: number | null;
  @Money() attributed_sales_30d_same_sku?: number | null;
  @Count() attributed_units_ordered_1d?: number | null;
  @Count() attributed_units_ordered_7d?: number | null;
  @Count() attributed_units_ordered_14d?: number | null;
  @Count() attributed_units_ordered_30d?: number | null;
  @Count() attributed_units_ordered_1d_same_sku?: number | null;
  @Count() attributed_units_ordered_7d_same_sku?: number | null;
  @Count() attributed_units_ordered_14d_same_sku?: number | null;
  @Count() attributed_units_ordered_30d_same_sku?: number | null;
}

/** `sb-traffic` */
export class SbTrafficBody extends SbRecordBody {
  @Count(true) clicks!: number;
  @Count(true) impressions!: number;
  @Money(true) cost!: number;
  /** MRC viewable impressions */
  @Count() viewable_impressions?: number | null;
}

/** `sb-conversion` — Amazon sends the 14-day window only; other windows are accepted if they ever appear. */
export class SbConversionBody extends SbRecordBody {
  @Count() attributed_conversions_1d?: number | null;
  @Count() attributed_conversions_7d?: number | null;
  @Count() attributed_conversions_14d?: number | null;
  @Count() attributed_conversions_30d?: number | null;
  @Count() attributed_conversions_14d_same_sku?: number | null;
  @Money() attributed_sales_1d?: number | null;
  @Money() attributed_sales_7d?: number | null;
  @Money() attributed_sales_14d?: number | null;
  @Money() attributed_sales_30d?: number | null;
  @Money() attributed_sales_14d_same_sku?: number | null;
  @Count() attributed_units_ordered_1d?: number | null;
  @Count() attributed_units_ordered_7d?: number | null;
  @Count() attributed_units_ordered_14d?: number | null;
  @Count() attributed_units_ordered_30d?: number | null;
  @Count() attributed_orders_new_to_brand_14d?: number | null;
  @Money() attributed_sales_new_to_brand_14d?: number | null;
  @Count() attributed_units_ordered_new_to_brand_14d?: number | null;
  @Count() view_attributed_conversions_14d?: number | null;
  @Money() view_attributed_sales_14d?: number | null;
  @Count() view_attributed_units_ordered_14d?: number | null;
  @Count() view_attributed_orders_new_to_brand_14d?: number | null;
  @Money() view_attributed_sales_new_to_brand_14d?: number | null;
  @Count() view_attributed_units_ordered_new_to_brand_14d?: number | null;
}

/** `sd-traffic` */
export class SdTrafficBody extends SdRecordBody {
  @Count(true) clicks!: number;
  @Count(true) impressions!: number;
  @Money(true) cost!: number;
  /** viewable impressions (vCPM campaigns only) */
  @Count() view_impressions?: number | null;
}

/** `sd-conversion` */
export class SdConversionBody extends SdRecordBody {
  @Count() attributed_conversions_1d?: number | null;
  @Count() attributed_conversions_7d?: number | null;
  @Count() attributed_conversions_14d?: number | null;
  @Count() attributed_conversions_30d?: number | null;
  @Count() attributed_conversions_1d_same_sku?: number | null;
  @Count() attributed_conversions_7d_same_sku?: number | null;
  @Count() attributed_conversions_14d_same_sku?: number | null;
  @Count() attributed_conversions_30d_same_sku?: number | null;
  @Money() attributed_sales_1d?: number | null;
  @Money() attributed_sales_7d?: number | null;
  @Money() attributed_sales_14d?: number | null;
  @Money() attributed_sales_30d?: number | null;
  @Money() attributed_sales_1d_same_sku?: number | null;
  @Money() attributed_sales_7d_same_sku?: number | null;
  @Money() attributed_sales_14d_same_sku?: number | null;
  @Money() attributed_sales_30d_same_sku?: number | null;
  @Count() attributed_units_ordered_1d?: number | null;
  @Count() attributed_units_ordered_7d?: number | null;
  @Count() attributed_units_ordered_14d?: number | null;
  @Count() attributed_units_ordered_30d?: number | null;
  @Count() view_attributed_conversions_14d?: number | null;
  @Money() view_attributed_sales_14d?: number | null;
  @Count() view_attributed_units_ordered_14d?: number | null;
  @Count() attributed_orders_new_to_brand_14d?: number | null;
  @Money() attributed_sales_new_to_brand_14d?: number | null;
  @Count() attributed_units_ordered_new_to_brand_14d?: number | null;
  @Count() view_attributed_orders_new_to_brand_14d?: number | null;
  @Money() view_attributed_sales_new_to_brand_14d?: number | null;
  @Count() view_attributed_units_ordered_new_to_brand_14d?: number | null;
}

// ------------------------------------------------------------------------------------------------------------------
// budget-usage (RESEARCH §2.6)

/** `budget-usage` — pushed at each 5 % step of budget consumption. No idempotency_id, no currency. */
export class BudgetUsageBody {
  @Id() dataset_id!: string;
  @Id() advertiser_id!: string;
  @Id() marketplace_id!: string;
  /** campaign id or portfolio id */
  @Id() budget_scope_id!: string;
  @spec({
    kind: 'enum',
    required: true,
    values: ['CAMPAIGN', 'PORTFOLIO'],
    normalizeCase: 'upper',
  })
  budget_scope_type!: 'CAMPAIGN' | 'PORTFOLIO';
  @spec({
    kind: 'enum',
    required: true,
    values: ['sp', 'sb', 'sd'],
    normalizeCase: 'lower',
  })
  advertising_product_type!: string;
  /** effective budget in the advertiser's currency */
  @Money(true) budget!: number;
  /** spend ÷ budget × 100; can exceed 100 */
  @spec({ kind: 'number', required: true }) budget_usage_percentage!: number;
  /** ISO-8601 with offset (UTC "Z" in practice) */
  @spec({ kind: 'timestamp', required: true }) usage_updated_timestamp!: string;
}

// ------------------------------------------------------------------------------------------------------------------
// sp-budget-recommendations

/** Amazon's estimates: a finite number ≥ 0 (missing or null: not sent), normalized to a decimal string. */
const Estimate = (): PropertyDecorator => spec({ kind: 'number', required: false, min: 0 });

/**
 * `sp-budget-recommendations` — Amazon's suggested daily budget for a Sponsored Products campaign that runs out of
 * budget, with its estimate of the impressions, clicks and sales missed over a 7-day window and the share of that
 * window the campaign was in budget. Pushed hourly while Amazon has a recommendation. No idempotency_id: the natural
 * key is (advertiser_id, campaign_id, recommendation_time); a newer recommendation replaces the older as the current.
 */
export class BudgetRecommendationBody {
  @Id() dataset_id!: string;
  @Id() marketplace_id!: string;
  @Id() advertiser_id!: string;
  /** ISO-8601 with offset */
  @spec({ kind: 'timestamp', required: true }) recommendation_time!: string;
  @Id() campaign_id!: string;
  /** the suggested daily budget in the advertiser's currency (a double in the source: kept as its decimal text) */
  @spec({ kind: 'money', required: true, min: 0, minExclusive: true }) suggested_budget!: number;
  @Text() reason_for_suggestion?: string | null;
  @Estimate() estimated_missed_sales_lower?: number | null;
  @Estimate() estimated_missed_sales_upper?: number | null;
  @Estimate() estimated_missed_clicks_lower?: number | null;
  @Estimate() estimated_missed_clicks_upper?: number | null;
  @Estimate() estimated_missed_impressions_lower?: number | null;
  @Estimate() estimated_missed_impressions_upper?: number | null;
  /** first day of the 7-day window the estimates cover */
  @spec({ kind: 'date', required: true }) start_date!: string;
  /** last day of that window */
  @spec({ kind: 'date', required: true }) end_date!: string;
  /** share of the window in budget: 0..1 (1.0 = always), −1 = unknown */
  @spec({ kind: 'number', required: false, min: 0, max: 1, except: -1 }) percent_time_in_budget?: number | null;
}

// ------------------------------------------------------------------------------------------------------------------
// Campaign-management change events (RESEARCH §2.9): camelCase, `version` increases with each change

export class MonetaryBudgetBody {
  @Money(true) amount!: number;
  @Currency() currencyCode?: string | null;
}

export class BudgetCapBody {
  @spec({ kind: 'object', required: false, schema: () => MonetaryBudgetBody })
  monetaryBudget?: MonetaryBudgetBody | null;
}

export class CampaignBudgetBody {
  @spec({ kind: 'object', required: false, schema: () => BudgetCapBody })
  budgetCap?: BudgetCapBody | null;
}

export abstract class EntityRecordBody {
  @Id() dataset_id!: string;
  @Id() advertiser_id!: string;
  @Id() marketplace_id!: string;
  @spec({ kind: 'version', required: true }) version!: number;
  /** SPONSORED_PRODUCTS / SPONSORED_BRANDS / SPONSORED_DISPLAY */
  @Text() adProduct?: string | null;
  @Text() state?: string | null;
}

/** `campaigns` */
export class CampaignEntityBody extends EntityRecordBody {
  @Id() campaignId!: string;
  @OptionalId() portfolioId?: string | null;
  @Text() name?: string | null;
  @spec({ kind: 'object', required: false, schema: () => CampaignBudgetBody })
  budget?: CampaignBudgetBody | null;
}

/** `adgroups` */
export class AdGroupEntityBody extends EntityRecordBody {
  @Id() adGroupId!: string;
  @Id() campaignId!: string;
  @Text() name?: string | null;
}

/** `ads` */
export class AdEntityBody extends EntityRecordBody {
  @Id() adId!: string;
  @Id() adGroupId!: string;
  @Id() campaignId!: string;
  @Text() name?: string | null;
}

/** `targets` — campaign-level (negative) targets may have no ad group. */
export class TargetEntityBody extends EntityRecordBody {
  @Id() targetId!: string;
  @OptionalId() adGroupId?: string | null;
  @Id() campaignId!: string;
}

/** The record class of every supported dataset. */
export const RECORD_CLASSES = Object.freeze({
  'sp-traffic': SpTrafficBody,
  'sp-conversion': SpConversionBody,
  'sb-traffic': SbTrafficBody,
  'sb-conversion': SbConversionBody,
  'sd-traffic': SdTrafficBody,
  'sd-conversion': SdConversionBody,
  'budget-usage': BudgetUsageBody,
  campaigns: CampaignEntityBody,
  adgroups: AdGroupEntityBody,
  ads: AdEntityBody,
  targets: TargetEntityBody,
  'sp-budget-recommendations': BudgetRecommendationBody,
} as const satisfies Record<DatasetId, SchemaClass>);
