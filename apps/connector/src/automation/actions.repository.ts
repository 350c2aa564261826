import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ACTION_COLUMNS_SQL, ACTION_FROM_SQL, type ActionView, type ActionViewRow, toActionView } from '@ams/db';
import type { ActionField, ActionGuardsV1, ActionSpecV1, ActionTriggerV1, AutomationMode } from '@ams/contracts';

/** A claimed action: what the executor needs of its row. */
export interface ClaimedAction {
  id: string;
  kind: 'rule' | 'daypart_restore' | 'revert';
  ruleId: string | null;
  mode: AutomationMode;
  advertiserId: string;
  profileId: string;
  adProduct: 'SP' | 'SB' | 'SD';
  entityType: 'campaign' | 'ad_group' | 'keyword' | 'target';
  entityId: string;
  campaignId: string | null;
  adGroupId: string | null;
  field: ActionField;
  valueBefore: string;
  valueAsked: string;
  localDate: string;
  attempts: number;
  triggerData: Record<string, unknown>;
  revertsActionId: string | null;
  /** the state it was claimed from: `executing` = in doubt (its lease ran out, or its send's outcome was unknown) */
  claimedFrom: 'queued' | 'executing';
}

export interface StoredRule {
  id: string;
  mode: AutomationMode;
  trigger: ActionTriggerV1;
  action: ActionSpecV1;
  guards: ActionGuardsV1;
  enabled: boolean;
  deleted: boolean;
}

export interface ProfileInfo {
  profileId: string;
  region: 'NA' | 'EU' | 'FE';
  timeZone: string;
}

/** What the executor records when an action ends or changes state. */
export interface ActionOutcome {
  state: 'done' | 'failed' | 'blocked' | 'superseded' | 'queued' | 'pending_approval';
  stateReason: string | null;
  valueAfter?: string | null;
  resultCode?: string | null;
  resultRaw?: unknown;
  requestIds?: readonly string[];
  executed?: boolean;
}

/** UPDATE … RETURNING through TypeORM's PostgreSQL driver answers `[rows, count]`. */
export function updatedRows<T>(result: unknown): T[] {
  return (result as [T[], number])[0];
}

/** States an action ends in. */
export const FINAL_ACTION_STATES = ['done', 'failed', 'blocked', 'superseded', 'expired', 'rejected'] as const;

/**
 * `automation_action` as the connector reads and writes it: the executor's queue (claimed with FOR UPDATE SKIP
 * LOCKED, so replicas never take the same row), every state change with its reason, and the audit of Amazon's answer.
 */
@Injectable()
export class ActionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  get manager(): EntityManager {
    return this.ds.manager;
  }

  /** `pending_approval` past `expires_at` → `expired`; the ids. */
  async expirePending(): Promise<string[]> {
    const rows = updatedRows<{ id: string }>(
      await this.ds.query(
        `UPDATE automation_action
          SET state = 'expired', lease_until = NULL, updated_at = now(),
              state_reason = 'not approved within ' ||
                greatest(1, round(extract(epoch FROM expires_at - created_at) / 60))::int || ' minutes'
        WHERE state = 'pending_approval' AND expires_at < now()
        RETURNING id::text AS id`,
      ),
    );
    return rows.map((r) => r.id);
  }

  /**
   * Claims up to `limit` actions: `queued` ones and, with `inDoubtToo`, `executing` ones whose lease ran out. Each is
   * moved to `executing` with a lease and its attempt counted, in one statement.
   */
  async claim(limit: number, leaseSeconds: number, inDoubtToo: boolean): Promise<ClaimedAction[]> {
    const rows = updatedRows<Record<string, unknown>>(
      await this.ds.query(
        `WITH picked AS (
         SELECT id, state AS was FROM automation_action
          WHERE state = 'queued' OR ($3 AND state = 'executing' AND lease_until < now())
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE automation_action a
          SET state = 'executing', attempts = a.attempts + 1, updated_at = now(),
              lease_until = now() + make_interval(secs => $2)
         FROM picked p WHERE a.id = p.id
       RETURNING a.id::text AS id, a.kind, a.rule_id::text AS rule_id, a.mode, a.advertiser_id, a.profile_id,
         a.ad_product, a.entity_type, a.entity_id, a.campaign_id, a.ad_group_id, a.field, a.value_before,
         a.value_asked, a.local_date::text AS local_date, a.attempts, a.trigger_data,
         a.reverts_action_id::text AS reverts_action_id, p.was`,
        [limit, leaseSeconds, inDoubtToo],
      ),
    );
    return rows
      .map(
        (r): ClaimedAction => ({
          id: r['id'] as string,
          kind: r['kind'] as ClaimedAction['kind'],
          ruleId: r['rule_id'] as string | null,
          mode: r['mode'] as AutomationMode,
          advertiserId: r['advertiser_id'] as string,
          profileId: r['profile_id'] as string,
          adProduct: r['ad_product'] as ClaimedAction['adProduct'],
          entityType: r['entity_type'] as ClaimedAction['entityType'],
          entityId: r['entity_id'] as string,
          campaignId: r['campaign_id'] as string | null,
          adGroupId: r['ad_group_id'] as string | null,
          field: r['field'] as ActionField,
          valueBefore: r['value_before'] as string,
          valueAsked: r['value_asked'] as string,
          localDate: r['local_date'] as string,
          attempts: Number(r['attempts']),
          triggerData: (r['trigger_data'] as Record<string, unknown> | null) ?? {},
          revertsActionId: r['reverts_action_id'] as string | null,
          claimedFrom: r['was'] as ClaimedAction['claimedFrom'],
        }),
      )
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  /**
   * Actions an executor settled (or expired, or an operator rejected) in the last `hours`: what a connector that died
   * mid-round may have recorded without announcing. Proposals the alerter itself blocked (never claimed) are not
   * among them: no executor ever handled those.
   */
  async settledSince(hours: number): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT id::text AS id FROM automation_action
        WHERE state = ANY($1) AND (attempts > 0 OR state IN ('expired', 'rejected'))
          AND updated_at > now() - make_interval(hours => $2)
        ORDER BY automation_action.id`,
      [[...FINAL_ACTION_STATES], hours],
    );
    return rows.map((r) => r.id);
  }

  async rules(ids: readonly string[]): Promise<Map<string, StoredRule>> {
    if (!ids.length) return new Map();
    const rows: {
      id: string;
      mode: AutomationMode;
      trigger: ActionTriggerV1;
      action: ActionSpecV1;
      guards: ActionGuardsV1;
      enabled: boolean;
      deleted: boolean;
    }[] = await this.ds.query(
      `SELECT id::text AS id, mode, trigger, action, guards, enabled, deleted_at IS NOT NULL AS deleted
         FROM action_rule WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  async profiles(ids: readonly string[]): Promise<Map<string, ProfileInfo>> {
    if (!ids.length) return new Map();
    const rows: { profile_id: string; region: ProfileInfo['region']; time_zone: string }[] = await this.ds.query(
      `SELECT profile_id, region, time_zone FROM ads_profile WHERE profile_id = ANY($1)`,
      [ids],
    );
    return new Map(
      rows.map((r) => [r.profile_id, { profileId: r.profile_id, region: r.region, timeZone: r.time_zone }]),
    );
  }

  /**
   * Records an outcome of an `executing` action (only while this executor holds it). A revert that is done marks its
   * original `reverted_by_action_id` in the same statement: nobody sees the one without the other.
   */
  async record(id: string, o: ActionOutcome): Promise<boolean> {
    const rows = (await this.ds.query(
      `WITH u AS (
         UPDATE automation_action
            SET state = $2, state_reason = $3, updated_at = now(), lease_until = NULL,
                value_after = CASE WHEN $4::boolean THEN $5 ELSE value_after END,
                result_code = COALESCE($6, result_code),
                result_raw = COALESCE($7::jsonb, result_raw),
                amazon_request_ids = amazon_request_ids || $8::text[],
                executed_at = CASE WHEN $9::boolean THEN now() ELSE executed_at END
          WHERE id = $1 AND state = 'executing'
          RETURNING id, state, reverts_action_id
       ), original AS (
         UPDATE automation_action o SET reverted_by_action_id = u.id, updated_at = now()
           FROM u WHERE u.state = 'done' AND o.id = u.reverts_action_id
         RETURNING o.id
       )
       SELECT u.id::text AS id FROM u`,
      [
        id,
        o.state,
        o.stateReason,
        o.valueAfter !== undefined,
        o.valueAfter ?? null,
        o.resultCode ?? null,
        o.resultRaw === undefined ? null : JSON.stringify(o.resultRaw),
        [...(o.requestIds ?? [])],
        o.executed ?? false,
      ],
    )) as Array<{ id: string }>;
    return rows.length > 0;
  }

  /** What is about to be sent (re-judged values included), so a read-back after an interruption knows what was asked. */
  async recordSending(
    id: string,
    v: { valueBefore: string; valueAsked: string; budgetIncrease: string; reason: string | null },
  ): Promise<void> {
    await this.ds.query(
      `UPDATE automation_action
          SET value_before = $2, value_asked = $3, budget_increase = $4::numeric,
              state_reason = COALESCE($5, state_reason), updated_at = now()
        WHERE id = $1 AND state = 'executing'`,
      [id, v.valueBefore, v.valueAsked, v.budgetIncrease, v.reason],
    );
  }

  /** Back to `queued`; `undoAttempt` when it was never tried (deferred behind another action on its entity). */
  async requeue(id: string, reason: string | null, undoAttempt: boolean): Promise<void> {
    await this.ds.query(
      `UPDATE automation_action
          SET state = 'queued', lease_until = NULL, state_reason = COALESCE($2, state_reason), updated_at = now(),
              attempts = attempts - CASE WHEN $3::boolean THEN 1 ELSE 0 END
        WHERE id = $1 AND state = 'executing'`,
      [id, reason, undoAttempt],
    );
  }

  /** The send's outcome is unknown: stays `executing`, its lease over, so the next round reads it back first. */
  async markInDoubt(ids: readonly string[], reason: string, requestIds: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.ds.query(
      `UPDATE automation_action
          SET lease_until = now(), state_reason = $2, amazon_request_ids = amazon_request_ids || $3::text[],
              updated_at = now()
        WHERE id = ANY($1::bigint[]) AND state = 'executing'`,
      [ids, reason, [...requestIds]],
    );
  }

  /** The entity changed outside and the rule asks for approval: pending again, the new values, a fresh expiry. */
  async backToApproval(
    id: string,
    v: { valueBefore: string; valueAsked: string; budgetIncrease: string; reason: string },
  ): Promise<void> {
    await this.ds.query(
      `UPDATE automation_action
          SET state = 'pending_approval', value_before = $2, value_asked = $3, budget_increase = $4::numeric,
              state_reason = $5, lease_until = NULL, decided_by = NULL, decided_at = NULL, updated_at = now(),
              expires_at = now() + COALESCE(expires_at - created_at, interval '24 hours')
        WHERE id = $1 AND state = 'executing'`,
      [id, v.valueBefore, v.valueAsked, v.budgetIncrease, v.reason],
    );
  }

  async view(id: string, em: EntityManager = this.ds.manager): Promise<ActionView | null> {
    const rows: ActionViewRow[] = await em.query(
      `SELECT ${ACTION_COLUMNS_SQL} FROM ${ACTION_FROM_SQL} WHERE a.id = $1::bigint`,
      [id],
    );
    return rows[0] ? toActionView(rows[0]) : null;
  }
}
