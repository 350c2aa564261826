/**
 * The write side of the emulator: the SP v3, SB v4/v3 and SD update calls of ADS-API §3, with Amazon's
 * documented batch maxima, per-item validation and per-product answers (207 multi-status or SB v3 target
 * results), partial success (valid items applied, invalid ones untouched) and a change log of every applied field.
 */
import { SeedAdGroup, SeedCampaign, SeedKeyword, SeedProfile, SeedTarget } from './seed';
import { ItemFault } from './faults';
import { rawInt } from './wire';

export type EmulatedAdProduct = 'SP' | 'SB' | 'SD';
export type EmulatedEntityType = 'campaign' | 'ad_group' | 'keyword' | 'target';
export type ChangeField = 'state' | 'budget' | 'bid' | 'effectiveBudget';

/**
 * One applied change of one field. A write of the value the entity already has is recorded too (`from === to`),
 * so a change applied twice shows; an effective change is one with `from !== to`. `bid` of an ad group is its
 * default bid; `effectiveBudget` is SP `budget.effectiveBudget` or SB/SD `ruleBasedBudget.value`.
 */
export interface EntityChangeRecord {
  /** Date.now() when it was applied */
  at: number;
  profileId: string;
  adProduct: EmulatedAdProduct;
  entityType: EmulatedEntityType;
  entityId: string;
  field: ChangeField;
  from: string | number | null;
  to: string | number | null;
  /** the `x-amzn-RequestId` of the PUT (null for outside edits) */
  requestId: string | null;
  /** `api`: a PUT; `outside`: the advertiser in Amazon's console (`setEntity`) */
  source: 'api' | 'outside';
}

/** What an outside edit (`setEntity`) may change. `effectiveBudget: null` removes the budget rule's value. */
export interface OutsideEdit {
  state?: 'ENABLED' | 'PAUSED' | 'ARCHIVED';
  budget?: number;
  bid?: number;
  effectiveBudget?: number | null;
}

type Entity = SeedCampaign | SeedAdGroup | SeedKeyword | SeedTarget;

interface WriteRoute {
  adProduct: EmulatedAdProduct;
  entityType: EmulatedEntityType;
  /** Content-Type of the request */
  contentType: string;
  /** Accept / Content-Type of the answer */
  answerType: string;
  max: number;
  /** `sp`: SP v3 / SB v4 `{root:[…]}` → 207 `{root:{success,error}}`; `array`: SB v3 keywords, SD; `sbTargets` */
  shape: 'sp' | 'array' | 'sbTargets';
  root: string;
  idField: string;
  /** the entity key of an SP/SB v4 success item (`Prefer: return=representation`) */
  entityField: string;
}

const sp = (entityType: EmulatedEntityType, type: string, root: string, idField: string, entityField: string) => ({
  adProduct: 'SP' as const,
  entityType,
  contentType: type,
  answerType: type,
  max: 1000,
  shape: 'sp' as const,
  root,
  idField,
  entityField,
});

/** `PUT <path>` → what it updates and how it answers (ADS-API §3.1–3.3). */
export const WRITE_ROUTES: Record<string, WriteRoute> = {
  '/sp/campaigns': sp('campaign', 'application/vnd.spCampaign.v3+json', 'campaigns', 'campaignId', 'campaign'),
  // Medium: the SP ad group media type follows the other SP v3 entities (ADS-API §7)
  '/sp/adGroups': sp('ad_group', 'application/vnd.spAdGroup.v3+json', 'adGroups', 'adGroupId', 'adGroup'),
  '/sp/keywords': sp('keyword', 'application/vnd.spKeyword.v3+json', 'keywords', 'keywordId', 'keyword'),
  '/sp/targets': sp(
    'target',
    'application/vnd.spTargetingClause.v3+json',
    'targetingClauses',
    'targetId',
    'targetingClause',
  ),
  '/sb/v4/campaigns': {
    ...sp('campaign', 'application/vnd.sbcampaignresource.v4+json', 'campaigns', 'campaignId', 'campaign'),
    adProduct: 'SB',
    max: 10,
  },
  '/sb/v4/adGroups': {
    ...sp('ad_group', 'application/vnd.sbadgroupresource.v4+json', 'adGroups', 'adGroupId', 'adGroup'),
    adProduct: 'SB',
    max: 10,
  },
  '/sb/keywords': {
    adProduct: 'SB',
    entityType: 'keyword',
    contentType: 'application/json',
    answerType: 'application/vnd.sbkeywordresponse.v3+json',
    max: 100,
    shape: 'array',
    root: '',
    idField: 'keywordId',
    entityField: '',
  },
  '/sb/targets': {
    adProduct: 'SB',
    entityType: 'target',
    contentType: 'application/json',
    answerType: 'application/vnd.updatetargetsresponse.v3+json',
    max: 100,
    shape: 'sbTargets',
    root: 'targets',
    idField: 'targetId',
    entityField: '',
  },
  '/sd/campaigns': sdRoute('campaign', 'campaignId'),
  '/sd/adGroups': sdRoute('ad_group', 'adGroupId'),
  '/sd/targets': sdRoute('target', 'targetId'),
};

function sdRoute(entityType: EmulatedEntityType, idField: string): WriteRoute {
  // Amazon documents no maximum for SD campaigns (ADS-API §3.3); 100 as for SD targets
  return {
    adProduct: 'SD',
    entityType,
    contentType: 'application/json',
    answerType: 'application/json',
    max: 100,
    shape: 'array',
    root: '',
    idField,
    entityField: '',
  };
}

/** Bid limits per currency (ADS-API §1.5: US SP 0.02–1000 USD, JP SP 2–100000 JPY); budgets 1–1,000,000. */
export function bidLimits(currencyCode: string): { min: number; max: number } {
  return currencyCode === 'JPY' ? { min: 2, max: 100_000 } : { min: 0.02, max: 1000 };
}
export const BUDGET_LIMITS = { min: 1, max: 1_000_000 };

interface ItemError {
  /** SP/SB v4 `errorType` (the `errorValue` selector) */
  errorType: string;
  reason: string;
  /** SB v3 / SD `code` */
  code: string;
  message: string;
  field?: string;
  trigger?: unknown;
}

export interface WriteAnswer {
  status: number;
  /** serialised with toWireJson */
  value: unknown;
  contentType: string;
  /** a whole-request refusal in the product's error format */
  error?: { code: string; message: string };
}

export interface WriteContext {
  profile: SeedProfile;
  route: WriteRoute;
  /** the request body, parsed with int64 literals kept as digit strings */
  body: unknown;
  prefer: boolean;
  itemFault?: ItemFault;
  requestId: string;
  record: (r: Omit<EntityChangeRecord, 'at' | 'profileId' | 'source'>) => void;
  /** the entity as the product's list serves it (for `Prefer: return=representation`) */
  wire: (adProduct: EmulatedAdProduct, entityType: EmulatedEntityType, entity: Entity) => unknown;
}

/** Serves one PUT: a whole-request 400, or per-item results in the product's shape. */
export function applyWrite(w: WriteContext): WriteAnswer {
  const { route } = w;
  const refuse = (message: string): WriteAnswer => ({
    status: 400,
    value: undefined,
    contentType: route.answerType,
    error: { code: 'INVALID_ARGUMENT', message },
  });
  const items =
    route.shape === 'array' ? w.body : ((w.body as Record<string, unknown> | undefined)?.[route.root] ?? undefined);
  if (!Array.isArray(items))
    return refuse(route.shape === 'array' ? 'body must be a JSON array' : `body must be {"${route.root}": [...]}`);
  if (items.length < 1 || items.length > route.max)
    return refuse(`${route.root || 'the array'} must have 1-${route.max} items, got ${items.length}`);
  if (route.shape !== 'sp' && items.some((x) => !isObject(x) || !isInt64(x[route.idField])))
    return refuse(`${route.idField} must be an int64 number in every item`);

  const outcomes = items.map((raw, index) => {
    if (w.itemFault?.index === index) return { id: idOf(raw, route), error: faultError(w.itemFault) };
    const found = isObject(raw) ? locate(w.profile, route, raw) : undefined;
    const error = isObject(raw) ? validate(w, raw, found) : malformed('', 'an object', raw);
    if (error || !found) return { id: idOf(raw, route), error: error ?? notFound(route) };
    apply(w, raw as Record<string, unknown>, found);
    return { id: idOf(raw, route), entity: found };
  });

  if (route.shape === 'sp') {
    const success: unknown[] = [];
    const error: unknown[] = [];
    outcomes.forEach((o, index) => {
      if (!o.error)
        success.push({
          index,
          [route.idField]: o.id,
          ...(w.prefer && o.entity ? { [route.entityField]: w.wire(route.adProduct, route.entityType, o.entity) } : {}),
        });
      else
        error.push({
          index,
          errors: [
            {
              errorType: o.error.errorType,
              errorValue: {
                [o.error.errorType]: {
                  reason: o.error.reason,
                  message: o.error.message,
                  cause: {
                    location: `$.${route.root}[${index}]${o.error.field ? `.${o.error.field}` : ''}`,
                    ...(o.error.trigger !== undefined ? { trigger: String(o.error.trigger) } : {}),
                  },
                },
              },
            },
          ],
        });
    });
    return { status: 207, value: { [route.root]: { success, error } }, contentType: route.answerType };
  }
  if (route.shape === 'sbTargets') {
    const ok = outcomes.flatMap((o, i) => (o.error ? [] : [{ targetRequestIndex: i, targetId: rawInt(o.id ?? '0') }]));
    const failed = outcomes.flatMap((o, i) =>
      o.error ? [{ targetRequestIndex: i, code: o.error.code, details: o.error.message }] : [],
    );
    return {
      status: 207,
      value: { updateTargetSuccessResults: ok, updateTargetErrorResults: failed },
      contentType: route.answerType,
    };
  }
  return {
    status: 207,
    value: outcomes.map((o) => ({
      [route.idField]: rawInt(o.id ?? '0'),
      code: o.error ? o.error.code : 'SUCCESS',
      ...(o.error ? { description: o.error.message } : {}),
    })),
    contentType: route.answerType,
  };
}

function faultError(f: ItemFault): ItemError {
  if (f.kind === 'item-throttled')
    return {
      errorType: 'throttledError',
      reason: 'THROTTLED',
      code: 'THROTTLED',
      message: 'Request was throttled (injected)',
    };
  return {
    errorType: f.errorType ?? 'otherError',
    reason: f.code ?? 'INTERNAL_ERROR',
    code: f.code ?? 'INTERNAL_ERROR',
    message: 'Item failed (injected)',
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt64 = (v: unknown) =>
  (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'string' && /^\d{1,20}$/.test(v));

function idOf(raw: unknown, route: WriteRoute): string | null {
  const v = isObject(raw) ? raw[route.idField] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

const adProductOf = (profile: SeedProfile, campaignId: string) =>
  profile.campaigns.find((c) => c.campaignId === campaignId)?.adProduct.toUpperCase();

/** The entity the item names, if it exists in this profile under this product. */
function locate(profile: SeedProfile, route: WriteRoute, raw: Record<string, unknown>): Entity | undefined {
  const id = idOf(raw, route);
  if (id === null) return undefined;
  const list: Entity[] =
    route.entityType === 'campaign'
      ? profile.campaigns
      : route.entityType === 'ad_group'
        ? profile.adGroups
        : route.entityType === 'keyword'
          ? profile.keywords
          : profile.targets;
  const e = list.find((x) => entityId(x) === id);
  if (!e || adProductOf(profile, e.campaignId) !== route.adProduct) return undefined;
  return e;
}

export function entityId(e: Entity): string {
  if ('keywordId' in e) return e.keywordId;
  if ('targetId' in e) return e.targetId;
  if ('adGroupId' in e) return e.adGroupId;
  return e.campaignId;
}

const notFound = (route: WriteRoute): ItemError => ({
  errorType: 'entityNotFoundError',
  reason: 'ENTITY_NOT_FOUND',
  code: 'NOT_FOUND',
  message: `${route.idField} not found`,
  field: route.idField,
});

function malformed(field: string, expected: string, trigger: unknown): ItemError {
  return {
    errorType: 'malformedValueError',
    reason: 'MALFORMED_VALUE',
    code: 'INVALID_ARGUMENT',
    message: `${field || 'item'} must be ${expected}`,
    field: field || undefined,
    trigger,
  };
}

/** The first problem of an item, in Amazon's order: id, entity state, then each field. */
function validate(w: WriteContext, raw: Record<string, unknown>, found: Entity | undefined): ItemError | undefined {
  const { route } = w;
  if (raw[route.idField] === undefined)
    return {
      errorType: 'missingValueError',
      reason: 'MISSING_VALUE',
      code: 'INVALID_ARGUMENT',
      message: `${route.idField} is required`,
      field: route.idField,
    };
  if (!found) return notFound(route);
  // SB v3 keyword and target updates name their ad group and campaign (ADS-API §3.2)
  if (route.adProduct === 'SB' && route.shape !== 'sp') {
    const e = found as SeedKeyword | SeedTarget;
    for (const f of ['adGroupId', 'campaignId'] as const) {
      if (!isInt64(raw[f])) return malformed(f, 'an int64 number', raw[f]);
      if (String(raw[f]) !== e[f]) return { ...notFound(route), message: `${f} does not match`, field: f };
    }
  }
  if (found.state === 'ARCHIVED')
    return {
      errorType: 'entityStateError',
      reason: 'ENTITY_ARCHIVED',
      code: 'INVALID_ARGUMENT',
      message: 'an archived entity cannot be changed',
    };
  const lowercase = route.shape !== 'sp';
  const states = lowercase ? ['enabled', 'paused', 'archived'] : ['ENABLED', 'PAUSED'];
  if (raw['state'] !== undefined && !states.includes(raw['state'] as string))
    return malformed('state', `one of ${states.join('|')}`, raw['state']);
  const budgetField = route.entityType === 'campaign' ? 'budget' : undefined;
  if (budgetField && raw['budget'] !== undefined) {
    let budget: unknown = raw['budget'];
    let field = 'budget';
    if (route.adProduct === 'SP') {
      if (!isObject(budget)) return malformed('budget', '{budget, budgetType}', budget);
      if (budget['budgetType'] !== undefined && budget['budgetType'] !== 'DAILY')
        return malformed('budget.budgetType', 'DAILY', budget['budgetType']);
      budget = budget['budget'];
      field = 'budget.budget';
    }
    if (typeof budget !== 'number' || !Number.isFinite(budget)) return malformed(field, 'a number', budget);
    if (budget < BUDGET_LIMITS.min || budget > BUDGET_LIMITS.max) {
      const low = budget < BUDGET_LIMITS.min;
      return {
        errorType: 'budgetError',
        reason: low ? 'BUDGET_TOO_LOW' : 'BUDGET_TOO_HIGH',
        code: 'INVALID_ARGUMENT',
        message: `budget must be ${BUDGET_LIMITS.min}-${BUDGET_LIMITS.max}`,
        field,
        trigger: budget,
      };
    }
  }
  const bidField = route.entityType === 'ad_group' ? 'defaultBid' : route.entityType === 'campaign' ? null : 'bid';
  if (route.adProduct === 'SB' && route.entityType === 'ad_group' && raw['defaultBid'] !== undefined)
    return malformed('defaultBid', 'absent (SB ad groups have no bid)', raw['defaultBid']);
  if (bidField && raw[bidField] !== undefined) {
    const bid = raw[bidField];
    if (typeof bid !== 'number' || !Number.isFinite(bid)) return malformed(bidField, 'a number', bid);
    const { min, max } = bidLimits(w.profile.currencyCode);
    if (bid < min || bid > max)
      return {
        errorType: route.adProduct === 'SP' ? 'rangeError' : 'biddingError',
        reason: bid < min ? 'TOO_LOW' : 'TOO_HIGH',
        code: 'INVALID_ARGUMENT',
        message: `${bidField} must be ${min}-${max} ${w.profile.currencyCode}`,
        field: bidField,
        trigger: bid,
      };
  }
  return undefined;
}

/** Applies the item's fields to the entity and records each one. */
function apply(w: WriteContext, raw: Record<string, unknown>, e: Entity): void {
  const base = { adProduct: w.route.adProduct, entityType: w.route.entityType, entityId: entityId(e) };
  if (typeof raw['state'] === 'string') {
    const to = (raw['state'] as string).toUpperCase() as Entity['state'];
    w.record({ ...base, field: 'state', from: e.state, to, requestId: w.requestId });
    e.state = to;
  }
  if ('budget' in e && raw['budget'] !== undefined) {
    const to = (isObject(raw['budget']) ? raw['budget']['budget'] : raw['budget']) as number;
    w.record({ ...base, field: 'budget', from: e.budget, to, requestId: w.requestId });
    e.budget = to;
  }
  const bidKey = 'defaultBid' in e ? 'defaultBid' : 'bid';
  if (!('budget' in e) && typeof raw[bidKey] === 'number') {
    const to = raw[bidKey] as number;
    const t = e as SeedAdGroup | SeedKeyword | SeedTarget;
    const from = 'defaultBid' in t ? t.defaultBid : t.bid;
    w.record({ ...base, field: 'bid', from, to, requestId: w.requestId });
    if ('defaultBid' in t) t.defaultBid = to;
    else t.bid = to;
  }
}

/** Finds an entity of any profile by product, type and id (outside edits). */
export function findEntity(
  profiles: Iterable<SeedProfile>,
  adProduct: EmulatedAdProduct,
  entityType: EmulatedEntityType,
  id: string,
): { profile: SeedProfile; entity: Entity } | undefined {
  const route = Object.values(WRITE_ROUTES).find((r) => r.adProduct === adProduct && r.entityType === entityType);
  if (!route) return undefined;
  for (const profile of profiles) {
    const entity = locate(profile, route, { [route.idField]: id });
    if (entity) return { profile, entity };
  }
  return undefined;
}

/** An outside edit (the advertiser in Amazon's console): applies `edit` and returns what changed. */
export function editEntity(
  adProduct: EmulatedAdProduct,
  entity: Entity,
  edit: OutsideEdit,
): Array<{ field: ChangeField; from: string | number | null; to: string | number | null }> {
  if ((edit.budget !== undefined || edit.effectiveBudget !== undefined) && !('budget' in entity))
    throw new Error('only campaigns have a budget');
  if (edit.bid !== undefined && 'budget' in entity) throw new Error('campaigns have no bid');
  const out: Array<{ field: ChangeField; from: string | number | null; to: string | number | null }> = [];
  if (edit.state !== undefined) {
    out.push({ field: 'state', from: entity.state, to: edit.state });
    entity.state = edit.state;
  }
  if ('budget' in entity) {
    if (edit.budget !== undefined) {
      out.push({ field: 'budget', from: entity.budget, to: edit.budget });
      entity.budget = edit.budget;
    }
    if (edit.effectiveBudget !== undefined) {
      const to = edit.effectiveBudget;
      if (adProduct === 'SP') {
        out.push({ field: 'effectiveBudget', from: entity.effectiveBudget ?? null, to });
        if (to === null) delete entity.effectiveBudget;
        else entity.effectiveBudget = to;
      } else {
        out.push({ field: 'effectiveBudget', from: entity.ruleBasedBudget?.value ?? null, to });
        if (to === null) delete entity.ruleBasedBudget;
        else entity.ruleBasedBudget = { ...entity.ruleBasedBudget, value: to };
      }
    }
  } else if (edit.bid !== undefined) {
    const t = entity as SeedAdGroup | SeedKeyword | SeedTarget;
    out.push({ field: 'bid', from: 'defaultBid' in t ? t.defaultBid : t.bid, to: edit.bid });
    if ('defaultBid' in t) t.defaultBid = edit.bid;
    else t.bid = edit.bid;
  }
  return out;
}

/** JSON.parse that keeps integer literals of 16+ digits (int64 ids beyond 2^53) as exact digit strings. */
export function parseLossless(text: string): unknown {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
}
