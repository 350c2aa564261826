/**
 * A product-neutral view of the write side (ADS-API §6.4): read what an entity is now, apply changes, one result
 * per change. Today it calls the per-product endpoints (SP v3, SB v4/v3, SD); the unified `/adsApi/v1` update
 * calls can replace them behind the same interface (§3.4).
 */
import { AdsApiClient, UPDATE_BATCH_MAX } from './ads-api-client';
import { AdsWriteInDoubtError } from './errors';
import { WriteItemResult } from './write-results';

export type AdProductCode = 'SP' | 'SB' | 'SD';
export type WritableEntityType = 'campaign' | 'ad_group' | 'keyword' | 'target';
export type EntityStateValue = 'ENABLED' | 'PAUSED' | 'ARCHIVED' | 'OTHER';

/** One change to one entity. Money and bids are decimal strings ("12.50"); send them as JSON numbers. */
export interface EntityChange {
  adProduct: AdProductCode;
  entityType: WritableEntityType;
  entityId: string;
  campaignId?: string;
  /** SB v3 keyword/target updates need both */
  adGroupId?: string;
  state?: 'ENABLED' | 'PAUSED';
  budget?: string;
  bid?: string;
}

/** What Amazon says an entity is now. */
export interface EntitySnapshot {
  adProduct: AdProductCode;
  entityType: WritableEntityType;
  entityId: string;
  found: boolean;
  state: EntityStateValue | null;
  /** campaigns: the budget set */
  budget: string | null;
  /** campaigns under an active budget rule: SP `budget.effectiveBudget`, SB/SD `ruleBasedBudget.value` (M); else null */
  effectiveBudget: string | null;
  /** keywords and targets: the bid; ad groups: the default bid */
  bid: string | null;
  /** SB v3 keywords/targets need these to be updated */
  campaignId?: string;
  adGroupId?: string;
}

export interface EntityChangeResult {
  change: EntityChange;
  ok: boolean;
  /** `SUCCESS`, or Amazon's reason/code */
  code: string;
  message: string | null;
  retryable: boolean;
  requestId: string | null;
  raw: unknown;
  /** from the success item's entity, when Amazon returned it (SP, SB v4) */
  after: EntitySnapshot | null;
}

export interface EntityWriter {
  /** Reads the current values of these entities (one product and type per call; pages/filters by id). Unknown ids come back found:false. */
  read(
    profileId: string,
    adProduct: AdProductCode,
    entityType: WritableEntityType,
    ids: readonly string[],
  ): Promise<EntitySnapshot[]>;
  /** Applies changes, chunked per product maximum; one result per change in input order. Throws AdsWriteInDoubtError for a chunk whose outcome is unknown (results of earlier chunks are attached to the error as `settled`). */
  apply(profileId: string, changes: readonly EntityChange[]): Promise<EntityChangeResult[]>;
}

/** Items per update request; SD has no keywords (0). */
export const WRITE_BATCH_LIMITS: Record<AdProductCode, Record<WritableEntityType, number>> = {
  SP: {
    campaign: UPDATE_BATCH_MAX.sp,
    ad_group: UPDATE_BATCH_MAX.sp,
    keyword: UPDATE_BATCH_MAX.sp,
    target: UPDATE_BATCH_MAX.sp,
  },
  SB: {
    campaign: UPDATE_BATCH_MAX.sbV4,
    ad_group: UPDATE_BATCH_MAX.sbV4,
    keyword: UPDATE_BATCH_MAX.sbV3,
    target: UPDATE_BATCH_MAX.sbV3,
  },
  SD: { campaign: UPDATE_BATCH_MAX.sd, ad_group: UPDATE_BATCH_MAX.sd, keyword: 0, target: UPDATE_BATCH_MAX.sd },
};

/** ids per read request: SP filters take ≤ 1000; the others go in a query string or a v4 body, 100 at a time */
const READ_IDS_PER_REQUEST: Record<AdProductCode, number> = { SP: 1000, SB: 100, SD: 100 };

const STATES: Record<string, EntityStateValue> = {
  ENABLED: 'ENABLED',
  PAUSED: 'PAUSED',
  ARCHIVED: 'ARCHIVED',
  enabled: 'ENABLED',
  paused: 'PAUSED',
  archived: 'ARCHIVED',
};
const stateOf = (s: string): EntityStateValue => STATES[s] ?? 'OTHER';
const money = (n: number | undefined | null): string | null => (typeof n === 'number' ? String(n) : null);
/** `ruleBasedBudget.value` (SB/SD, optional, shape Medium) */
const ruleBased = (r: unknown): string | null => {
  const v = (r as { value?: unknown } | null | undefined)?.value;
  return typeof v === 'number' ? String(v) : null;
};

type Found = Omit<EntitySnapshot, 'adProduct' | 'entityType' | 'found'>;

export class AdsEntityWriter implements EntityWriter {
  constructor(private readonly client: AdsApiClient) {}

  async read(
    profileId: string,
    adProduct: AdProductCode,
    entityType: WritableEntityType,
    ids: readonly string[],
  ): Promise<EntitySnapshot[]> {
    const wanted = [...new Set(ids)];
    const found = new Map<string, Found>();
    const per = READ_IDS_PER_REQUEST[adProduct];
    for (let i = 0; i < wanted.length; i += per) {
      for (const f of await this.readChunk(profileId, adProduct, entityType, wanted.slice(i, i + per)))
        found.set(f.entityId, f);
    }
    return ids.map((entityId) => {
      const f = found.get(entityId);
      return f
        ? { adProduct, entityType, found: true, ...f }
        : {
            adProduct,
            entityType,
            entityId,
            found: false,
            state: null,
            budget: null,
            effectiveBudget: null,
            bid: null,
          };
    });
  }

  private async readChunk(
    profileId: string,
    adProduct: AdProductCode,
    entityType: WritableEntityType,
    ids: string[],
  ): Promise<Found[]> {
    const c = this.client;
    const base = { budget: null, effectiveBudget: null, bid: null };
    switch (`${adProduct}:${entityType}`) {
      case 'SP:campaign':
        return (await c.listSpCampaigns(profileId, { campaignIdFilter: ids })).map((x) => ({
          ...base,
          entityId: x.campaignId,
          state: stateOf(x.state),
          budget: money(x.budget.budget),
          effectiveBudget: money(x.budget.effectiveBudget),
        }));
      case 'SP:ad_group':
        return (await c.listSpAdGroups(profileId, { adGroupIdFilter: ids })).map((x) => ({
          ...base,
          entityId: x.adGroupId,
          campaignId: x.campaignId,
          state: stateOf(x.state),
          bid: money(x.defaultBid),
        }));
      case 'SP:keyword':
        return (await c.listSpKeywords(profileId, { keywordIdFilter: ids })).map((x) => ({
          ...base,
          entityId: x.keywordId,
          campaignId: x.campaignId,
          adGroupId: x.adGroupId,
          state: stateOf(x.state),
          bid: money(x.bid),
        }));
      case 'SP:target':
        return (await c.listSpTargets(profileId, { targetIdFilter: ids })).map((x) => ({
          ...base,
          entityId: x.targetId,
          campaignId: x.campaignId,
          adGroupId: x.adGroupId,
          state: stateOf(x.state),
          bid: money(x.bid),
        }));
      case 'SB:campaign':
        return (await c.listSbCampaigns(profileId, { campaignIdFilter: ids })).map((x) => ({
          ...base,
          entityId: x.campaignId,
          state: stateOf(x.state),
          budget: money(x.budget),
          effectiveBudget: ruleBased(x.ruleBasedBudget),
        }));
      case 'SB:ad_group':
        return (await c.listSbAdGroups(profileId, { adGroupIdFilter: ids })).map((x) => ({
          ...base,
          entityId: x.adGroupId,
          campaignId: x.campaignId,
          state: stateOf(x.state),
        }));
      case 'SB:keyword':
        return (await c.listSbKeywords(profileId, { keywordIdFilter: ids })).map((x) => ({
          ...base,
          entityId: x.keywordId,
          campaignId: x.campaignId,
          adGroupId: x.adGroupId,
          state: stateOf(x.state),
          bid: money(x.bid),
        }));
      case 'SB:target': {
        // no target id filter is documented for POST /sb/targets/list: list all, keep the asked ones
        const want = new Set(ids);
        return (await c.listSbTargets(profileId))
          .filter((x) => want.has(x.targetId))
          .map((x) => ({
            ...base,
            entityId: x.targetId,
            campaignId: x.campaignId,
            adGroupId: x.adGroupId,
            state: stateOf(x.state),
            bid: money(x.bid),
          }));
      }
      case 'SD:campaign':
        return (await c.listSdCampaigns(profileId, { campaignIdFilter: ids })).map((x) => ({
          ...base,
          entityId: x.campaignId,
          state: stateOf(x.state),
          budget: money(x.budget),
          effectiveBudget: ruleBased(x.ruleBasedBudget),
        }));
      case 'SD:ad_group':
        return (await c.listSdAdGroups(profileId, { adGroupIdFilter: ids })).map((x) => ({
          ...base,
          entityId: x.adGroupId,
          campaignId: x.campaignId,
          state: stateOf(x.state),
          bid: money(x.defaultBid),
        }));
      case 'SD:target':
        return (await c.listSdTargets(profileId, { targetIdFilter: ids })).map((x) => ({
          ...base,
          entityId: x.targetId,
          campaignId: x.campaignId,
          adGroupId: x.adGroupId,
          state: stateOf(x.state),
          bid: money(x.bid),
        }));
    }
    throw new RangeError(`${adProduct} has no ${entityType}s`);
  }

  async apply(profileId: string, changes: readonly EntityChange[]): Promise<EntityChangeResult[]> {
    changes.forEach(checkChange);
    // one group per product and type, in the order they first appear; results go back to input positions
    const groups = new Map<string, number[]>();
    changes.forEach((ch, i) => {
      const k = `${ch.adProduct}:${ch.entityType}`;
      groups.set(k, [...(groups.get(k) ?? []), i]);
    });
    const results = new Array<EntityChangeResult | undefined>(changes.length);
    const settled = () => results.filter((r): r is EntityChangeResult => r !== undefined);
    for (const [k, positions] of groups) {
      const group = positions.map((i) => changes[i]);
      let items: WriteItemResult[];
      try {
        items = await this.send(profileId, k, group);
      } catch (err) {
        if (err instanceof AdsWriteInDoubtError) {
          (err.settled as readonly WriteItemResult[]).forEach((r) => {
            results[positions[r.index]] = toResult(group[r.index], r);
          });
          const sentLater = new Set(err.notSent);
          const notSent = [...groups.entries()]
            .filter(([g]) => [...groups.keys()].indexOf(g) > [...groups.keys()].indexOf(k))
            .flatMap(([, ps]) => ps.map((i) => changes[i].entityId));
          const e = err as AdsWriteInDoubtError<EntityChangeResult>;
          e.settled = settled();
          e.notSent = [...sentLater, ...notSent];
        }
        throw err;
      }
      items.forEach((r) => (results[positions[r.index]] = toResult(group[r.index], r)));
    }
    return results as EntityChangeResult[];
  }

  private send(profileId: string, key: string, g: EntityChange[]): Promise<WriteItemResult[]> {
    const c = this.client;
    const lower = (s?: 'ENABLED' | 'PAUSED') => (s === undefined ? undefined : s === 'ENABLED' ? 'enabled' : 'paused');
    switch (key) {
      case 'SP:campaign':
        return c.updateSpCampaigns(
          profileId,
          g.map((x) => ({
            campaignId: x.entityId,
            state: x.state,
            budget: x.budget === undefined ? undefined : { budget: x.budget, budgetType: 'DAILY' as const },
          })),
        );
      case 'SP:ad_group':
        return c.updateSpAdGroups(
          profileId,
          g.map((x) => ({ adGroupId: x.entityId, state: x.state, defaultBid: x.bid })),
        );
      case 'SP:keyword':
        return c.updateSpKeywords(
          profileId,
          g.map((x) => ({ keywordId: x.entityId, state: x.state, bid: x.bid })),
        );
      case 'SP:target':
        return c.updateSpTargets(
          profileId,
          g.map((x) => ({ targetId: x.entityId, state: x.state, bid: x.bid })),
        );
      case 'SB:campaign':
        return c.updateSbCampaigns(
          profileId,
          g.map((x) => ({ campaignId: x.entityId, state: x.state, budget: x.budget })),
        );
      case 'SB:ad_group':
        return c.updateSbAdGroups(
          profileId,
          g.map((x) => ({ adGroupId: x.entityId, state: x.state })),
        );
      case 'SB:keyword':
        return c.updateSbKeywords(
          profileId,
          g.map((x) => ({
            keywordId: x.entityId,
            adGroupId: x.adGroupId as string,
            campaignId: x.campaignId as string,
            state: lower(x.state),
            bid: x.bid,
          })),
        );
      case 'SB:target':
        return c.updateSbTargets(
          profileId,
          g.map((x) => ({
            targetId: x.entityId,
            adGroupId: x.adGroupId as string,
            campaignId: x.campaignId as string,
            state: lower(x.state),
            bid: x.bid,
          })),
        );
      case 'SD:campaign':
        return c.updateSdCampaigns(
          profileId,
          g.map((x) => ({ campaignId: x.entityId, state: lower(x.state), budget: x.budget })),
        );
      case 'SD:ad_group':
        return c.updateSdAdGroups(
          profileId,
          g.map((x) => ({ adGroupId: x.entityId, state: lower(x.state), defaultBid: x.bid })),
        );
      case 'SD:target':
        return c.updateSdTargets(
          profileId,
          g.map((x) => ({ targetId: x.entityId, state: lower(x.state), bid: x.bid })),
        );
    }
    throw new RangeError(`cannot write ${key}`);
  }
}

/** A change the products cannot take is the caller's mistake: refused before anything is sent. */
function checkChange(ch: EntityChange, i: number): void {
  const where = `changes[${i}] (${ch.adProduct} ${ch.entityType} ${ch.entityId})`;
  if (!WRITE_BATCH_LIMITS[ch.adProduct]?.[ch.entityType]) throw new RangeError(`${where}: not writable`);
  if (ch.state === undefined && ch.budget === undefined && ch.bid === undefined)
    throw new RangeError(`${where}: nothing to change`);
  if (ch.budget !== undefined && ch.entityType !== 'campaign')
    throw new RangeError(`${where}: only campaigns have a budget`);
  if (ch.bid !== undefined && (ch.entityType === 'campaign' || (ch.adProduct === 'SB' && ch.entityType === 'ad_group')))
    throw new RangeError(`${where}: no bid to set`);
  if (ch.adProduct === 'SB' && (ch.entityType === 'keyword' || ch.entityType === 'target'))
    if (!ch.campaignId || !ch.adGroupId) throw new RangeError(`${where}: SB v3 updates need campaignId and adGroupId`);
}

function toResult(change: EntityChange, r: WriteItemResult): EntityChangeResult {
  return {
    change,
    ok: r.ok,
    code: r.code,
    message: r.message,
    retryable: r.retryable,
    requestId: r.requestId,
    raw: r.raw,
    after: r.entity === undefined ? null : snapshotOf(change, r.entity),
  };
}

/** The entity of an SP / SB v4 success item as a snapshot. */
function snapshotOf(change: EntityChange, e: unknown): EntitySnapshot {
  const x = e as {
    state: string;
    budget?: number | { budget: number; effectiveBudget?: number };
    defaultBid?: number;
    bid?: number;
    ruleBasedBudget?: unknown;
    campaignId?: string;
    adGroupId?: string;
  };
  const budget = typeof x.budget === 'object' ? x.budget.budget : x.budget;
  const effective = typeof x.budget === 'object' ? money(x.budget.effectiveBudget) : ruleBased(x.ruleBasedBudget);
  return {
    adProduct: change.adProduct,
    entityType: change.entityType,
    entityId: change.entityId,
    found: true,
    state: stateOf(x.state),
    budget: change.entityType === 'campaign' ? money(budget) : null,
    effectiveBudget: change.entityType === 'campaign' ? effective : null,
    bid: money(x.defaultBid ?? x.bid),
  };
}
