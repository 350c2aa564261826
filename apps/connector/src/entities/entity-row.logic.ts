import type {
  SbAdGroup,
  SbCampaign,
  SbKeyword,
  SbTarget,
  SdAdGroup,
  SdCampaign,
  SdTarget,
  SpAdGroup,
  SpCampaign,
  SpKeyword,
  SpTarget,
} from '@ams/ads-api';
import { decimalText } from '../profiles/profile-row.logic';

export type AdProduct = 'SPONSORED_PRODUCTS' | 'SPONSORED_BRANDS' | 'SPONSORED_DISPLAY';

/** A row of `ads_entity`, in AMS's vocabulary (entity types, ad products, UPPERCASE states). */
export interface EntityRow {
  advertiserId: string;
  entityType: 'campaign' | 'ad_group' | 'target';
  entityId: string;
  profileId: string;
  marketplaceId: string;
  adProduct: AdProduct;
  targetKind: 'keyword' | 'target' | null;
  campaignId: string | null;
  adGroupId: string | null;
  portfolioId: string | null;
  name: string | null;
  state: string | null;
  budgetAmount: string | null;
  budgetType: string | null;
  budgetCurrency: string | null;
  bid: string | null;
  matchType: string | null;
  amazonUpdatedAt: string | null;
  /** when the listing request that returned the row was sent (ISO) */
  observedAt: string;
  raw: unknown;
}

/** The profile a listing belongs to, and when the page's request was sent. */
export interface EntityContext {
  profileId: string;
  advertiserId: string;
  marketplaceId: string;
  currencyCode: string;
  observedAt: Date;
}

function base(ctx: EntityContext, adProduct: AdProduct, raw: unknown) {
  return {
    advertiserId: ctx.advertiserId,
    profileId: ctx.profileId,
    marketplaceId: ctx.marketplaceId,
    adProduct,
    observedAt: ctx.observedAt.toISOString(),
    raw,
    targetKind: null,
    campaignId: null,
    adGroupId: null,
    portfolioId: null,
    budgetAmount: null,
    budgetType: null,
    budgetCurrency: null,
    bid: null,
    matchType: null,
    amazonUpdatedAt: null,
  };
}

const upper = (s: string) => s.toUpperCase();
const money = (n: number | undefined): string | null => (n === undefined ? null : decimalText(n));

/** `extendedData.lastUpdateDateTime` (SP v3 with includeExtendedDataFields), when there is a readable one. */
export function amazonUpdatedAt(extendedData: unknown): string | null {
  if (typeof extendedData !== 'object' || extendedData === null) return null;
  const v = (extendedData as Record<string, unknown>)['lastUpdateDateTime'];
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function spCampaignRow(c: SpCampaign, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_PRODUCTS', c),
    entityType: 'campaign',
    entityId: c.campaignId,
    campaignId: c.campaignId,
    portfolioId: c.portfolioId ?? null,
    name: c.name,
    state: upper(c.state),
    budgetAmount: money(c.budget.budget),
    budgetType: upper(c.budget.budgetType),
    budgetCurrency: ctx.currencyCode,
    amazonUpdatedAt: amazonUpdatedAt(c.extendedData),
  };
}

export function spAdGroupRow(g: SpAdGroup, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_PRODUCTS', g),
    entityType: 'ad_group',
    entityId: g.adGroupId,
    campaignId: g.campaignId,
    adGroupId: g.adGroupId,
    name: g.name,
    state: upper(g.state),
    bid: money(g.defaultBid),
    amazonUpdatedAt: amazonUpdatedAt(g.extendedData),
  };
}

/** A keyword is a `target` of kind `keyword` (AMS's targets dataset carries both); its name is the keyword text. */
export function spKeywordRow(k: SpKeyword, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_PRODUCTS', k),
    entityType: 'target',
    targetKind: 'keyword',
    entityId: k.keywordId,
    campaignId: k.campaignId,
    adGroupId: k.adGroupId,
    name: k.keywordText,
    state: upper(k.state),
    bid: money(k.bid),
    matchType: upper(k.matchType),
    amazonUpdatedAt: amazonUpdatedAt(k.extendedData),
  };
}

/** A product/audience target; its name is its expression, e.g. `ASIN_SAME_AS=B0…` (predicates joined by spaces). */
export function spTargetRow(t: SpTarget, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_PRODUCTS', t),
    entityType: 'target',
    targetKind: 'target',
    entityId: t.targetId,
    campaignId: t.campaignId,
    adGroupId: t.adGroupId,
    name: expressionText(t.expression),
    state: upper(t.state),
    bid: money(t.bid),
    amazonUpdatedAt: amazonUpdatedAt(t.extendedData),
  };
}

/**
 * An expression as text: predicates joined by spaces, each `type` or `type=value`; a value that is itself a list of
 * predicates (SD: `views` of `exactProduct` over a `lookback`) nests in parentheses: `views=(exactProduct lookback=30)`.
 */
export function expressionText(expression: ReadonlyArray<{ type: string; value?: unknown }>): string {
  return expression.map(predicateText).join(' ');
}

function predicateText(e: { type: string; value?: unknown }): string {
  const v = e.value;
  if (v === undefined || v === null) return e.type;
  if (typeof v === 'string') return `${e.type}=${v}`;
  if (Array.isArray(v) && v.every(isPredicate)) return `${e.type}=(${expressionText(v)})`;
  return `${e.type}=${JSON.stringify(v)}`;
}

function isPredicate(x: unknown): x is { type: string; value?: unknown } {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

export function sbCampaignRow(c: SbCampaign, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_BRANDS', c),
    entityType: 'campaign',
    entityId: c.campaignId,
    campaignId: c.campaignId,
    portfolioId: c.portfolioId ?? null,
    name: c.name,
    state: upper(c.state),
    budgetAmount: money(c.budget),
    budgetType: upper(c.budgetType),
    budgetCurrency: ctx.currencyCode,
    amazonUpdatedAt: amazonUpdatedAt(c.extendedData),
  };
}

/** SD sends lowercase states and budget types (`enabled`, `daily`): stored UPPERCASE like the rest. */
export function sdCampaignRow(c: SdCampaign, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_DISPLAY', c),
    entityType: 'campaign',
    entityId: c.campaignId,
    campaignId: c.campaignId,
    portfolioId: c.portfolioId ?? null,
    name: c.name,
    state: upper(c.state),
    budgetAmount: money(c.budget),
    budgetType: upper(c.budgetType),
    budgetCurrency: ctx.currencyCode,
  };
}

/** An SB v4 ad group: no bid of its own (SB bids sit on keywords and targets). */
export function sbAdGroupRow(g: SbAdGroup, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_BRANDS', g),
    entityType: 'ad_group',
    entityId: g.adGroupId,
    campaignId: g.campaignId,
    adGroupId: g.adGroupId,
    name: g.name,
    state: upper(g.state),
    amazonUpdatedAt: amazonUpdatedAt(g.extendedData),
  };
}

/** An SB v3 keyword: a `target` of kind `keyword` named by its text; match type and state (`pending`…) UPPERCASE. */
export function sbKeywordRow(k: SbKeyword, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_BRANDS', k),
    entityType: 'target',
    targetKind: 'keyword',
    entityId: k.keywordId,
    campaignId: k.campaignId,
    adGroupId: k.adGroupId,
    name: k.keywordText,
    state: upper(k.state),
    bid: money(k.bid),
    matchType: upper(k.matchType),
  };
}

/** An SB v3 product target, named by its expressions (`asinSameAs=B0…`). */
export function sbTargetRow(t: SbTarget, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_BRANDS', t),
    entityType: 'target',
    targetKind: 'target',
    entityId: t.targetId,
    campaignId: t.campaignId,
    adGroupId: t.adGroupId,
    name: expressionText(t.expressions),
    state: upper(t.state),
    bid: money(t.bid),
  };
}

/** An SD ad group; its bid is the default bid. */
export function sdAdGroupRow(g: SdAdGroup, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_DISPLAY', g),
    entityType: 'ad_group',
    entityId: g.adGroupId,
    campaignId: g.campaignId,
    adGroupId: g.adGroupId,
    name: g.name,
    state: upper(g.state),
    bid: money(g.defaultBid),
  };
}

/** An SD target (product, audience, contextual), named by its expression. */
export function sdTargetRow(t: SdTarget, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, 'SPONSORED_DISPLAY', t),
    entityType: 'target',
    targetKind: 'target',
    entityId: t.targetId,
    campaignId: t.campaignId,
    adGroupId: t.adGroupId,
    name: expressionText(t.expression),
    state: upper(t.state),
    bid: money(t.bid),
  };
}
