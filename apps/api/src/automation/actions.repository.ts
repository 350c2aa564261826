import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ActionState, ActionV1 } from '@ams/contracts';

/**
 * An `automation_action` row with its rule's name, as ActionV1 wants it: ids and money as text (exact), times as
 * timestamptz. (To be merged with the connector's shared `ACTION_COLUMNS_SQL` in libs/db.)
 */
const SELECT = `
  SELECT a.id::text, a.kind, a.rule_id::text, r.name AS rule_name, a.mode, a.state, a.advertiser_id, a.profile_id,
         a.ad_product, a.entity_type, a.entity_id, a.entity_name, a.campaign_id, a.ad_group_id, a.field,
         a.value_before, a.value_asked, a.value_after, a.reason, a.trigger_data, a.state_reason,
         a.local_date::text AS local_date, a.created_at, a.expires_at, a.decided_by, a.decided_at, a.executed_at,
         a.attempts, a.amazon_request_ids, a.result_code, a.reverts_action_id::text, a.reverted_by_action_id::text
    FROM automation_action a
    LEFT JOIN action_rule r ON r.id = a.rule_id`;

export interface ActionRow {
  id: string;
  kind: ActionV1['kind'];
  rule_id: string | null;
  rule_name: string | null;
  mode: ActionV1['mode'];
  state: ActionState;
  advertiser_id: string;
  profile_id: string;
  ad_product: ActionV1['adProduct'];
  entity_type: ActionV1['entityType'];
  entity_id: string;
  entity_name: string | null;
  campaign_id: string | null;
  ad_group_id: string | null;
  field: ActionV1['field'];
  value_before: string;
  value_asked: string;
  value_after: string | null;
  reason: string;
  trigger_data: Record<string, unknown>;
  state_reason: string | null;
  local_date: string;
  created_at: Date;
  expires_at: Date | null;
  decided_by: string | null;
  decided_at: Date | null;
  executed_at: Date | null;
  attempts: number;
  amazon_request_ids: string[];
  result_code: string | null;
  reverts_action_id: string | null;
  reverted_by_action_id: string | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function actionView(r: ActionRow): ActionV1 {
  return {
    id: r.id,
    kind: r.kind,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    mode: r.mode,
    state: r.state,
    advertiserId: r.advertiser_id,
    profileId: r.profile_id,
    adProduct: r.ad_product,
    entityType: r.entity_type,
    entityId: r.entity_id,
    entityName: r.entity_name,
    campaignId: r.campaign_id,
    adGroupId: r.ad_group_id,
    field: r.field,
    valueBefore: r.value_before,
    valueAsked: r.value_asked,
    valueAfter: r.value_after,
    reason: r.reason,
    trigger: r.trigger_data,
    stateReason: r.state_reason,
    localDate: r.local_date,
    createdAt: r.created_at.toISOString(),
    expiresAt: iso(r.expires_at),
    decidedBy: r.decided_by,
    decidedAt: iso(r.decided_at),
    executedAt: iso(r.executed_at),
    attempts: r.attempts,
    amazonRequestIds: r.amazon_request_ids,
    resultCode: r.result_code,
    revertsActionId: r.reverts_action_id,
    revertedByActionId: r.reverted_by_action_id,
  };
}

/** Reads the automation tables (writers: the alerter proposes, the connector decides and executes). */
@Injectable()
export class ActionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Newest first; `before`: ids below it (keyset on the primary key). */
  async list(f: {
    state?: ActionState;
    /** undefined: every advertiser */
    advertiserIds?: string[];
    ruleId?: string;
    before?: string;
    limit: number;
  }): Promise<ActionRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (f.state) where.push(`a.state = ${p(f.state)}`);
    if (f.advertiserIds) where.push(`a.advertiser_id = ANY(${p(f.advertiserIds)}::text[])`);
    if (f.ruleId) where.push(`a.rule_id = ${p(f.ruleId)}::bigint`);
    if (f.before) where.push(`a.id < ${p(f.before)}::bigint`);
    return (await this.ds.query(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id DESC LIMIT ${p(f.limit)}`,
      params,
    )) as ActionRow[];
  }

  async one(id: string): Promise<ActionRow | undefined> {
    const rows = (await this.ds.query(`${SELECT} WHERE a.id = $1::bigint`, [id])) as ActionRow[];
    return rows[0];
  }

  async advertiserOf(id: string): Promise<string | undefined> {
    const rows = (await this.ds.query(`SELECT advertiser_id FROM automation_action WHERE id = $1::bigint`, [id])) as {
      advertiser_id: string;
    }[];
    return rows[0]?.advertiser_id;
  }
}
