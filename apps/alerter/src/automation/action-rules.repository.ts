import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type {
  ActionEntityLevel,
  ActionGuardsResolvedV1,
  ActionRuleV1,
  ActionSpecV1,
  ActionTriggerV1,
  AdProductCodeV1,
  AutomationMode,
} from '@ams/contracts';

/** A rule as stored, without its timestamps. */
export type ActionRule = Omit<ActionRuleV1, 'createdAt' | 'updatedAt'>;
export type ActionRuleDraftRow = Omit<ActionRule, 'id'>;

interface Row {
  id: string;
  name: string;
  advertiser_id: string;
  entity_level: ActionEntityLevel;
  scope_type: 'advertiser' | 'campaign' | 'ad_group';
  scope_id: string | null;
  ad_products: AdProductCodeV1[];
  mode: AutomationMode;
  trigger: ActionTriggerV1;
  action: ActionSpecV1;
  guards: ActionGuardsResolvedV1;
  destination: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id::text, name, advertiser_id, entity_level, scope_type, scope_id, ad_products, mode, trigger, action, guards,
  destination, enabled, created_at, updated_at`;

function toRule(r: Row): ActionRuleV1 {
  return {
    id: String(r.id),
    name: r.name,
    advertiserId: r.advertiser_id,
    entityLevel: r.entity_level,
    scopeType: r.scope_type,
    scopeId: r.scope_id,
    adProducts: r.ad_products,
    mode: r.mode,
    trigger: r.trigger,
    action: r.action,
    guards: r.guards,
    destination: r.destination,
    enabled: r.enabled,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** `action_rule` (writer: alerter). Deleted rules keep their row for the audit of their actions. */
@Injectable()
export class ActionRulesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async insert(d: ActionRuleDraftRow, em?: EntityManager): Promise<ActionRuleV1> {
    const [row] = (await (em ?? this.ds).query(
      `INSERT INTO action_rule (name, advertiser_id, entity_level, scope_type, scope_id, ad_products, mode, trigger, action,
                                guards, destination, enabled)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
      [
        d.name,
        d.advertiserId,
        d.entityLevel,
        d.scopeType,
        d.scopeId,
        d.adProducts,
        d.mode,
        JSON.stringify(d.trigger),
        JSON.stringify(d.action),
        JSON.stringify(d.guards),
        d.destination,
        d.enabled,
      ],
    )) as Row[];
    return toRule(row);
  }

  async update(id: string, d: ActionRuleDraftRow): Promise<ActionRuleV1 | null> {
    const rows = (await this.ds.query(
      `UPDATE action_rule SET name = $2, scope_type = $3, scope_id = $4, ad_products = $5, mode = $6, trigger = $7,
              action = $8, guards = $9, destination = $10, enabled = $11, updated_at = now()
        WHERE id = $1 AND deleted_at IS NULL RETURNING ${COLUMNS}`,
      [
        id,
        d.name,
        d.scopeType,
        d.scopeId,
        d.adProducts,
        d.mode,
        JSON.stringify(d.trigger),
        JSON.stringify(d.action),
        JSON.stringify(d.guards),
        d.destination,
        d.enabled,
      ],
    )) as [Row[], number];
    return rows[0][0] ? toRule(rows[0][0]) : null;
  }

  async remove(id: string): Promise<boolean> {
    const [, count] = (await this.ds.query(
      `UPDATE action_rule SET deleted_at = now(), enabled = false, updated_at = now() WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    )) as [unknown, number];
    return count > 0;
  }

  async get(id: string): Promise<ActionRuleV1 | null> {
    const rows = (await this.ds.query(`SELECT ${COLUMNS} FROM action_rule WHERE id = $1 AND deleted_at IS NULL`, [
      id,
    ])) as Row[];
    return rows[0] ? toRule(rows[0]) : null;
  }

  async list(advertiserId?: string): Promise<ActionRuleV1[]> {
    const rows = (await this.ds.query(
      `SELECT ${COLUMNS} FROM action_rule WHERE deleted_at IS NULL AND ($1::text IS NULL OR advertiser_id = $1) ORDER BY action_rule.id`,
      [advertiserId ?? null],
    )) as Row[];
    return rows.map(toRule);
  }

  /** Enabled rules of these trigger types (of these advertisers, when given). */
  async enabled(
    types: readonly ActionTriggerV1['type'][],
    advertiserIds?: readonly string[],
    em?: EntityManager,
  ): Promise<ActionRule[]> {
    const rows = (await (em ?? this.ds).query(
      `SELECT ${COLUMNS} FROM action_rule
        WHERE deleted_at IS NULL AND enabled AND trigger->>'type' = ANY($1)
          AND ($2::text[] IS NULL OR advertiser_id = ANY($2)) ORDER BY action_rule.id`,
      [types, advertiserIds ?? null],
    )) as Row[];
    return rows.map(toRule);
  }
}
