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

/** What the listings of every ad product have in common, per entity type (ids as exact digit strings). */
interface CampaignLike {
  campaignId: string;
  portfolioId?: string | null;
  name: string;
  state: string;
}
interface AdGroupLike {
  adGroupId: string;
  campaignId: string;
  name: string;
  state: string;
}
interface KeywordLike {
  keywordId: string;
  campaignId: string;
  adGroupId: string;
  keywordText: string;
  matchType: string;
  state: string;
  bid?: number;
}
interface TargetLike {
  targetId: string;
  campaignId: string;
  adGroupId: string;
  state: string;
  bid?: number;
}

/** `extendedData` where a listing has it (SP v3 and SB v4 with extended fields), else nothing. */
const extended = (x: object): unknown => (x as { extendedData?: unknown }).extendedData;

function campaignRow(
  product: AdProduct,
  c: CampaignLike,
  budget: { amount: number | undefined; type: string | undefined },
  ctx: EntityContext,
): EntityRow {
  return {
    ...base(ctx, product, c),
    entityType: 'campaign',
    entityId: c.campaignId,
    campaignId: c.campaignId,
    portfolioId: c.portfolioId ?? null,
    name: c.name,
    state: upper(c.state),
    budgetAmount: money(budget.amount),
    budgetType: budget.type === undefined ? null : upper(budget.type),
    budgetCurrency: ctx.currencyCode,
    amazonUpdatedAt: amazonUpdatedAt(extended(c)),
  };
}

function adGroupRow(product: AdProduct, g: AdGroupLike, bid: number | undefined, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, product, g),
    entityType: 'ad_group',
    entityId: g.adGroupId,
    campaignId: g.campaignId,
    adGroupId: g.adGroupId,
    name: g.name,
    state: upper(g.state),
    bid: money(bid),
    amazonUpdatedAt: amazonUpdatedAt(extended(g)),
  };
}

/** A keyword is a `target` of kind `keyword` (AMS's targets dataset carries both); its name is the keyword text. */
function keywordRow(product: AdProduct, k: KeywordLike, ctx: EntityContext): EntityRow {
  return {
    ...base(ctx, product, k),
    entityType: 'target',
    targetKind: 'keyword',
    entityId: k.keywordId,
    campaignId: k.campaignId,
    adGroupId: k.adGroupId,
    name: k.keywordText,
    state: upper(k.state),
    bid: money(k.bid),
    matchType: upper(k.matchType),
    amazonUpdatedAt: amazonUpdatedAt(extended(k)),
  };
}

/** A product/audience/contextual target, named by its expression, e.g. `ASIN_SAME_AS=B0…`. */
function targetRow(
  product: AdProduct,
  t: TargetLike,
  expression: ReadonlyArray<{ type: string; value?: unknown }>,
  ctx: EntityContext,
): EntityRow {
  return {
    ...base(ctx, product, t),
    entityType: 'target',
    targetKind: 'target',
    entityId: t.targetId,
    campaignId: t.campaignId,
    adGroupId: t.adGroupId,
    name: expressionText(expression),
    state: upper(t.state),
    bid: money(t.bid),
    amazonUpdatedAt: amazonUpdatedAt(extended(t)),
  };
}

export const spCampaignRow = (c: SpCampaign, ctx: EntityContext): EntityRow =>
  campaignRow('SPONSORED_PRODUCTS', c, { amount: c.budget.budget, type: c.budget.budgetType }, ctx);
export const spAdGroupRow = (g: SpAdGroup, ctx: EntityContext): EntityRow =>
  adGroupRow('SPONSORED_PRODUCTS', g, g.defaultBid, ctx);
export const spKeywordRow = (k: SpKeyword, ctx: EntityContext): EntityRow => keywordRow('SPONSORED_PRODUCTS', k, ctx);
export const spTargetRow = (t: SpTarget, ctx: EntityContext): EntityRow =>
  targetRow('SPONSORED_PRODUCTS', t, t.expression, ctx);

export const sbCampaignRow = (c: SbCampaign, ctx: EntityContext): EntityRow =>
  campaignRow('SPONSORED_BRANDS', c, { amount: c.budget, type: c.budgetType }, ctx);
/** An SB v4 ad group: no bid of its own (SB bids sit on keywords and targets). */
export const sbAdGroupRow = (g: SbAdGroup, ctx: EntityContext): EntityRow =>
  adGroupRow('SPONSORED_BRANDS', g, undefined, ctx);
/** An SB v3 keyword: match type and state (`pending`…) UPPERCASE. */
export const sbKeywordRow = (k: SbKeyword, ctx: EntityContext): EntityRow => keywordRow('SPONSORED_BRANDS', k, ctx);
export const sbTargetRow = (t: SbTarget, ctx: EntityContext): EntityRow =>
  targetRow('SPONSORED_BRANDS', t, t.expressions, ctx);

/** SD sends lowercase states and budget types (`enabled`, `daily`): stored UPPERCASE like the rest. */
export const sdCampaignRow = (c: SdCampaign, ctx: EntityContext): EntityRow =>
  campaignRow('SPONSORED_DISPLAY', c, { amount: c.budget, type: c.budgetType }, ctx);
/** An SD ad group; its bid is the default bid. */
export const sdAdGroupRow = (g: SdAdGroup, ctx: EntityContext): EntityRow =>
  adGroupRow('SPONSORED_DISPLAY', g, g.defaultBid, ctx);
export const sdTargetRow = (t: SdTarget, ctx: EntityContext): EntityRow =>
  targetRow('SPONSORED_DISPLAY', t, t.expression, ctx);

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
