/**
 * One mapping of `automation_action` rows to the contract's `ActionV1` (`@ams/contracts` automation.ts), for the
 * connector (command replies) and the api (GET /v1/actions), which read the same table. libs/db does not import
 * the contracts: `ActionView` is structurally identical to `ActionV1` (a spec in the connector checks it compiles).
 *
 *   SELECT ${ACTION_COLUMNS_SQL} FROM ${ACTION_FROM_SQL} WHERE a.id = $1
 */
export const ACTION_FROM_SQL = `automation_action a LEFT JOIN action_rule r ON r.id = a.rule_id`;

export const ACTION_COLUMNS_SQL = `a.id::text AS id, a.kind, a.rule_id::text AS rule_id, r.name AS rule_name, a.mode,
  a.state, a.advertiser_id, a.profile_id, a.ad_product, a.entity_type, a.entity_id, a.entity_name, a.campaign_id,
  a.ad_group_id, a.field, a.value_before, a.value_asked, a.value_after, a.reason, a.trigger_data, a.state_reason,
  a.local_date::text AS local_date, a.created_at, a.expires_at, a.decided_by, a.decided_at, a.executed_at, a.attempts,
  a.amazon_request_ids, a.result_code, a.reverts_action_id::text AS reverts_action_id,
  a.reverted_by_action_id::text AS reverted_by_action_id`;

/** A row as `SELECT ${ACTION_COLUMNS_SQL}` returns it (node-postgres: timestamptz as Date, text[] as string[]). */
export interface ActionViewRow {
  id: string;
  kind: string;
  rule_id: string | null;
  rule_name: string | null;
  mode: string;
  state: string;
  advertiser_id: string;
  profile_id: string;
  ad_product: string;
  entity_type: string;
  entity_id: string;
  entity_name: string | null;
  campaign_id: string | null;
  ad_group_id: string | null;
  field: string;
  value_before: string;
  value_asked: string;
  value_after: string | null;
  reason: string;
  trigger_data: Record<string, unknown> | null;
  state_reason: string | null;
  local_date: string;
  created_at: Date | string;
  expires_at: Date | string | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  executed_at: Date | string | null;
  attempts: number;
  amazon_request_ids: string[] | null;
  result_code: string | null;
  reverts_action_id: string | null;
  reverted_by_action_id: string | null;
}

/** `ActionV1` of `@ams/contracts`, field for field (the string unions are the contract's). */
export interface ActionView {
  id: string;
  kind: 'rule' | 'daypart_restore' | 'revert';
  ruleId: string | null;
  ruleName: string | null;
  mode: 'dry_run' | 'approval' | 'auto';
  state:
    | 'dry_run'
    | 'pending_approval'
    | 'queued'
    | 'executing'
    | 'done'
    | 'failed'
    | 'rejected'
    | 'expired'
    | 'blocked'
    | 'superseded';
  advertiserId: string;
  profileId: string;
  adProduct: 'SP' | 'SB' | 'SD';
  entityType: 'campaign' | 'ad_group' | 'keyword' | 'target';
  entityId: string;
  entityName: string | null;
  campaignId: string | null;
  adGroupId: string | null;
  field: 'budget' | 'bid' | 'state';
  valueBefore: string;
  valueAsked: string;
  valueAfter: string | null;
  reason: string;
  trigger: Record<string, unknown>;
  stateReason: string | null;
  localDate: string;
  createdAt: string;
  expiresAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  executedAt: string | null;
  attempts: number;
  amazonRequestIds: string[];
  resultCode: string | null;
  revertsActionId: string | null;
  revertedByActionId: string | null;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

/** A row of `SELECT ${ACTION_COLUMNS_SQL}` as the contract's action (a plain object). */
export function toActionView(r: ActionViewRow): ActionView {
  return {
    id: r.id,
    kind: r.kind as ActionView['kind'],
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    mode: r.mode as ActionView['mode'],
    state: r.state as ActionView['state'],
    advertiserId: r.advertiser_id,
    profileId: r.profile_id,
    adProduct: r.ad_product as ActionView['adProduct'],
    entityType: r.entity_type as ActionView['entityType'],
    entityId: r.entity_id,
    entityName: r.entity_name,
    campaignId: r.campaign_id,
    adGroupId: r.ad_group_id,
    field: r.field as ActionView['field'],
    valueBefore: r.value_before,
    valueAsked: r.value_asked,
    valueAfter: r.value_after,
    reason: r.reason,
    trigger: r.trigger_data ?? {},
    stateReason: r.state_reason,
    localDate: r.local_date,
    createdAt: iso(r.created_at) as string,
    expiresAt: iso(r.expires_at),
    decidedBy: r.decided_by,
    decidedAt: iso(r.decided_at),
    executedAt: iso(r.executed_at),
    attempts: r.attempts,
    amazonRequestIds: r.amazon_request_ids ?? [],
    resultCode: r.result_code,
    revertsActionId: r.reverts_action_id,
    revertedByActionId: r.reverted_by_action_id,
  };
}
