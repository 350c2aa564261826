import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type {
  ActionEntityLevel,
  ActionField,
  ActionKind,
  ActionState,
  AdProductCodeV1,
  AutomationMode,
} from '@ams/contracts';
import { entityLatestLookupSql } from '@ams/db';
import type { AutomationNotice } from '../delivery/notification.logic';

const AD_PRODUCT_CODES: Record<string, AdProductCodeV1> = {
  SPONSORED_PRODUCTS: 'SP',
  SPONSORED_BRANDS: 'SB',
  SPONSORED_DISPLAY: 'SD',
};
const AD_PRODUCT_NAMES: Record<AdProductCodeV1, string> = {
  SP: 'SPONSORED_PRODUCTS',
  SB: 'SPONSORED_BRANDS',
  SD: 'SPONSORED_DISPLAY',
};

/** An entity an action rule may change, as the entity sync (or a newer AMS change record) shows it. */
export interface ActionCandidate {
  advertiserId: string;
  level: ActionEntityLevel;
  entityId: string;
  campaignId: string | null;
  adGroupId: string | null;
  name: string | null;
  /** ENABLED, PAUSED, ARCHIVED, … (upper case) */
  state: string | null;
  budget: string | null;
  bid: string | null;
  adProduct: AdProductCodeV1;
  profileId: string;
  marketplaceId: string;
  timeZone: string;
}

export interface CandidateQuery {
  advertiserId: string;
  level: ActionEntityLevel;
  adProducts: readonly AdProductCodeV1[];
  campaignId?: string | null;
  adGroupId?: string | null;
  entityIds?: readonly string[] | null;
}

export interface NewAction {
  kind: ActionKind;
  ruleId: string | null;
  decisionKey: string;
  mode: AutomationMode;
  state: ActionState;
  candidate: ActionCandidate;
  field: ActionField;
  valueBefore: string;
  valueAsked: string;
  budgetIncrease: string;
  reason: string;
  triggerData: Record<string, unknown>;
  stateReason: string | null;
  localDate: string;
  /** null: now() (a replayed proposal is stamped at the instant judged, which the cooldown compares with) */
  createdAt: Date | null;
  expiresAt: Date | null;
}

export interface DaypartRow {
  baseValue: string;
  multiplier: string;
  windowKey: string | null;
}

/** What automation reads (entities, profiles) and writes (actions, dayparting bases), in the caller's transaction. */
@Injectable()
export class AutomationRepository {
  /** The entities of one level an action rule may change, with their current value and profile. */
  async candidates(em: EntityManager, q: CandidateQuery): Promise<ActionCandidate[]> {
    const type = q.level === 'keyword' || q.level === 'target' ? 'target' : q.level;
    const kind = q.level === 'keyword' || q.level === 'target' ? q.level : null;
    const rows = (await em.query(
      `SELECT s.advertiser_id, s.entity_id, s.campaign_id, s.ad_group_id, coalesce(l.name, s.name) AS name,
              upper(coalesce(l.state, s.state)) AS state, coalesce(l.budget_amount, s.budget_amount)::text AS budget,
              s.bid::text AS bid, s.ad_product, s.profile_id, s.marketplace_id, p.time_zone
         FROM ads_entity s
         JOIN ads_profile p ON p.profile_id = s.profile_id
         LEFT JOIN LATERAL (${entityLatestLookupSql('s.advertiser_id', 's.entity_type', 's.entity_id')}) l ON true
        WHERE s.advertiser_id = $1 AND s.entity_type = $2 AND ($3::text IS NULL OR s.target_kind = $3)
          AND s.ad_product = ANY($4) AND ($5::text IS NULL OR s.campaign_id = $5)
          AND ($6::text IS NULL OR s.ad_group_id = $6) AND ($7::text[] IS NULL OR s.entity_id = ANY($7))
          AND upper(coalesce(l.state, s.state, '')) NOT IN ('ARCHIVED', 'USER_DELETED')
        ORDER BY s.entity_id`,
      [
        q.advertiserId,
        type,
        kind,
        q.adProducts.map((p) => AD_PRODUCT_NAMES[p]),
        q.campaignId ?? null,
        q.adGroupId ?? null,
        q.entityIds ?? null,
      ],
    )) as Array<{
      advertiser_id: string;
      entity_id: string;
      campaign_id: string | null;
      ad_group_id: string | null;
      name: string | null;
      state: string | null;
      budget: string | null;
      bid: string | null;
      ad_product: string;
      profile_id: string;
      marketplace_id: string;
      time_zone: string;
    }>;
    return rows.map((r) => ({
      advertiserId: r.advertiser_id,
      level: q.level,
      entityId: r.entity_id,
      campaignId: q.level === 'campaign' ? r.entity_id : r.campaign_id,
      adGroupId: r.ad_group_id,
      name: r.name,
      state: r.state,
      budget: r.budget,
      bid: r.bid,
      adProduct: AD_PRODUCT_CODES[r.ad_product],
      profileId: r.profile_id,
      marketplaceId: r.marketplace_id,
      timeZone: r.time_zone,
    }));
  }

  /** Serialises automation decisions of one advertiser across replicas until the transaction ends. */
  async lockAdvertiser(em: EntityManager, advertiserId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('automation:' || $1, 0))`, [advertiserId]);
  }

  /** Inserts the action unless its decision was already taken (same decision key). Returns its id, or null. */
  async insertAction(em: EntityManager, a: NewAction): Promise<string | null> {
    const c = a.candidate;
    const rows = (await em.query(
      `INSERT INTO automation_action (kind, rule_id, decision_key, mode, state, advertiser_id, profile_id, ad_product,
         entity_type, entity_id, entity_name, campaign_id, ad_group_id, field, value_before, value_asked, budget_increase,
         reason, trigger_data, state_reason, local_date, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
               coalesce($23::timestamptz, now()))
       ON CONFLICT (decision_key) DO NOTHING RETURNING id::text`,
      [
        a.kind,
        a.ruleId,
        a.decisionKey,
        a.mode,
        a.state,
        c.advertiserId,
        c.profileId,
        c.adProduct,
        c.level,
        c.entityId,
        c.name,
        c.campaignId,
        c.adGroupId,
        a.field,
        a.valueBefore,
        a.valueAsked,
        a.budgetIncrease,
        a.reason,
        JSON.stringify(a.triggerData),
        a.stateReason,
        a.localDate,
        a.expiresAt,
        a.createdAt,
      ],
    )) as Array<{ id: string }>;
    return rows[0]?.id ?? null;
  }

  /** Whether this decision was already written (blocked decisions have their own key and may be judged again). */
  async decided(em: EntityManager, decisionKey: string): Promise<boolean> {
    const rows = (await em.query(`SELECT 1 FROM automation_action WHERE decision_key = $1`, [
      decisionKey,
    ])) as unknown[];
    return rows.length > 0;
  }

  async daypart(em: EntityManager, ruleId: string, c: ActionCandidate): Promise<DaypartRow | null> {
    const rows = (await em.query(
      `SELECT base_value, multiplier, window_key FROM automation_daypart
        WHERE rule_id = $1 AND advertiser_id = $2 AND entity_type = $3 AND entity_id = $4`,
      [ruleId, c.advertiserId, c.level, c.entityId],
    )) as Array<{ base_value: string; multiplier: string; window_key: string | null }>;
    return rows[0]
      ? { baseValue: rows[0].base_value, multiplier: rows[0].multiplier, windowKey: rows[0].window_key }
      : null;
  }

  async saveDaypart(
    em: EntityManager,
    ruleId: string,
    c: ActionCandidate,
    field: 'budget' | 'bid',
    row: DaypartRow,
  ): Promise<void> {
    await em.query(
      `INSERT INTO automation_daypart (rule_id, advertiser_id, entity_type, entity_id, field, base_value, multiplier, window_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (rule_id, advertiser_id, entity_type, entity_id)
       DO UPDATE SET base_value = EXCLUDED.base_value, multiplier = EXCLUDED.multiplier,
                     window_key = EXCLUDED.window_key, updated_at = now()`,
      [ruleId, c.advertiserId, c.level, c.entityId, field, row.baseValue, row.multiplier, row.windowKey],
    );
  }

  /** A Slack message about an action, once per action and kind (the unique index makes a second insert a no-op). */
  async enqueueNotice(
    em: EntityManager,
    actionId: string | null,
    kind: AutomationNotice['kind'],
    destination: string,
    payload: object,
    now: Date,
  ): Promise<boolean> {
    const rows = (await em.query(
      `INSERT INTO notification_outbox (action_id, kind, destination, payload, created_at, next_attempt_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $5) ON CONFLICT DO NOTHING RETURNING id`,
      [actionId, kind, destination, JSON.stringify(payload), now],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Claims the digest of one advertiser's local day (false: another replica or an earlier tick posted it). */
  async claimDigest(em: EntityManager, advertiserId: string, localDate: string): Promise<boolean> {
    const rows = (await em.query(
      `INSERT INTO automation_digest (advertiser_id, local_date) VALUES ($1, $2::date) ON CONFLICT DO NOTHING RETURNING 1`,
      [advertiserId, localDate],
    )) as unknown[];
    return rows.length > 0;
  }
}
