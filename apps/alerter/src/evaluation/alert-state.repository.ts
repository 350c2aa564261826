import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type Evaluated, type ExistingAlert, identityKey, identityOf, type PlannedChange } from './alert-plan.logic';

/** Namespace of the alerter's advisory locks (first argument of pg_advisory_xact_lock(int, int)): 'ALRT'. */
const LOCK_NAMESPACE = 0x414c5254;

/** Where a planned change was written. */
export interface WrittenChange {
  alertId: string;
  /** the alert_event row of the change; null for a refresh ('update') */
  alertEventId: string | null;
}

interface ExistingRow {
  id: string;
  advertiser_id: string;
  rule_id: string;
  entity_type: string;
  entity_id: string;
  window_key: string;
  state: 'firing' | 'resolved';
  acknowledged: boolean;
  snoozed_until: Date | null;
  fired_at: Date;
  last_notified_at: Date | null;
}

/** `(rule, advertiser, …)` key of an evaluation unit → the advisory lock serialising it across replicas. */
export function lockKey(unitKey: string): number {
  return createHash('sha1').update(unitKey).digest().readInt32BE(0);
}

function rowKey(r: {
  advertiser_id: string;
  rule_id: string;
  entity_type: string;
  entity_id: string;
  window_key: string;
}): string {
  return identityKey({
    advertiserId: r.advertiser_id,
    ruleId: String(r.rule_id),
    entityType: r.entity_type,
    entityId: r.entity_id,
    windowKey: r.window_key,
  });
}

/**
 * Alert state (writer: alerter) of `alert` and `alert_event`: reads the alerts a batch may change (row-locked)
 * and writes what `planAlertChanges` decided, in the evaluation's transaction. It decides nothing.
 * Set-based: one statement per kind of write, whatever the batch size.
 */
@Injectable()
export class AlertStateRepository {
  /**
   * Serialises evaluations of the same units across replicas for the rest of the transaction, so
   * metrics read after the lock are never older than the state written by the previous holder.
   */
  async lock(em: EntityManager, unitKeys: Iterable<string>): Promise<void> {
    const keys = [...new Set([...unitKeys].map(lockKey))].sort((a, b) => a - b);
    if (keys.length === 0) return;
    await em.query(`SELECT count(pg_advisory_xact_lock($1::int, k)) FROM unnest($2::int[]) AS k`, [
      LOCK_NAMESPACE,
      keys,
    ]);
  }

  /** The existing alerts of these identities, locked `FOR UPDATE`, keyed by `identityKey`. */
  async existing(em: EntityManager, items: Evaluated[]): Promise<Map<string, ExistingAlert>> {
    if (items.length === 0) return new Map();
    const ids = items.map(identityOf);
    const rows = (await em.query(
      `SELECT a.id, a.advertiser_id, a.rule_id, a.entity_type, a.entity_id, a.window_key, a.state, a.acknowledged,
              a.snoozed_until, a.fired_at, a.last_notified_at
         FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])
           AS k(advertiser_id, rule_id, entity_type, entity_id, window_key)
         JOIN alert a USING (advertiser_id, rule_id, entity_type, entity_id, window_key)
        ORDER BY a.id
        FOR UPDATE OF a`,
      [
        ids.map((i) => i.advertiserId),
        ids.map((i) => i.ruleId),
        ids.map((i) => i.entityType),
        ids.map((i) => i.entityId),
        ids.map((i) => i.windowKey),
      ],
    )) as ExistingRow[];
    return new Map(
      rows.map((r) => [
        rowKey(r),
        {
          id: String(r.id),
          state: r.state,
          acknowledged: r.acknowledged,
          snoozedUntil: r.snoozed_until,
          firedAt: r.fired_at,
          lastNotifiedAt: r.last_notified_at,
        },
      ]),
    );
  }

  /** Writes the planned changes: new identities, updated alerts, then one history entry per state change or reminder. */
  async write(em: EntityManager, changes: PlannedChange[], now: Date): Promise<Map<PlannedChange, WrittenChange>> {
    const alertIds = new Map<PlannedChange, string>();
    await this.insertFresh(
      em,
      changes.filter((c) => !c.existing),
      now,
      alertIds,
    );
    await this.updateExisting(
      em,
      changes.filter((c) => c.existing),
      now,
      alertIds,
    );
    const eventIds = await this.insertEvents(
      em,
      changes.filter((c) => c.eventType !== null),
      now,
      alertIds,
    );
    const written = new Map<PlannedChange, WrittenChange>();
    for (const c of changes) {
      const alertId = alertIds.get(c) as string;
      written.set(c, { alertId, alertEventId: c.eventType === null ? null : (eventIds.get(alertId) ?? null) });
    }
    return written;
  }

  private async insertFresh(
    em: EntityManager,
    fresh: PlannedChange[],
    now: Date,
    alertIds: Map<PlannedChange, string>,
  ): Promise<void> {
    if (fresh.length === 0) return;
    const rows = (await em.query(
      `INSERT INTO alert (advertiser_id, rule_id, entity_type, entity_id, campaign_id, window_key, window_start, window_end,
                          state, threshold, last_value, last_baseline, last_change_pct, last_details, fired_at,
                          last_evaluated_at, last_notified_at)
       SELECT advertiser_id, rule_id, entity_type, entity_id, campaign_id, window_key, window_start, window_end,
              'firing', threshold, last_value, last_baseline, last_change_pct, last_details::jsonb, $15, $15, last_notified_at
         FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                     $8::timestamptz[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::text[], $14::timestamptz[])
           AS t(advertiser_id, rule_id, entity_type, entity_id, campaign_id, window_key, window_start, window_end,
                threshold, last_value, last_baseline, last_change_pct, last_details, last_notified_at)
       ORDER BY 1, 2, 3, 4, 6
       ON CONFLICT ON CONSTRAINT alert_identity_uq DO NOTHING
       RETURNING id, advertiser_id, rule_id, entity_type, entity_id, window_key`,
      [
        fresh.map((c) => c.item.advertiserId),
        fresh.map((c) => c.item.rule.id),
        fresh.map((c) => c.item.entityType),
        fresh.map((c) => c.item.entityId),
        fresh.map((c) => c.item.campaignId),
        fresh.map((c) => c.item.window?.key ?? ''),
        fresh.map((c) => (c.item.window ? new Date(c.item.window.startUtcMs) : null)),
        fresh.map((c) => (c.item.window ? new Date(c.item.window.endUtcMs) : null)),
        ...lastValues(fresh),
        fresh.map((c) => c.lastNotifiedAt),
        now,
      ],
    )) as Array<{
      id: string;
      advertiser_id: string;
      rule_id: string;
      entity_type: string;
      entity_id: string;
      window_key: string;
    }>;
    const byIdentity = new Map(rows.map((r) => [rowKey(r), String(r.id)]));
    for (const c of fresh) {
      const id = byIdentity.get(identityKey(identityOf(c.item)));
      // the unit's advisory lock makes a concurrent insert impossible; if it happened, redo the batch
      if (!id) throw new Error('alert identity created concurrently: the batch will be evaluated again');
      alertIds.set(c, id);
    }
  }

  private async updateExisting(
    em: EntityManager,
    changed: PlannedChange[],
    now: Date,
    alertIds: Map<PlannedChange, string>,
  ): Promise<void> {
    if (changed.length === 0) return;
    for (const c of changed) alertIds.set(c, (c.existing as ExistingAlert).id);
    await em.query(
      `UPDATE alert a
          SET state = t.state, fired_at = t.fired_at, resolved_at = t.resolved_at,
              acknowledged = CASE WHEN t.reset_ack THEN false ELSE a.acknowledged END,
              acknowledged_at = CASE WHEN t.reset_ack THEN NULL ELSE a.acknowledged_at END,
              acknowledged_by = CASE WHEN t.reset_ack THEN NULL ELSE a.acknowledged_by END,
              threshold = t.threshold, last_value = t.last_value, last_baseline = t.last_baseline,
              last_change_pct = t.last_change_pct, last_details = t.last_details::jsonb,
              last_evaluated_at = $12, last_notified_at = t.last_notified_at
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::boolean[], $6::numeric[],
                     $7::numeric[], $8::numeric[], $9::numeric[], $10::text[], $11::timestamptz[])
           AS t(id, state, fired_at, resolved_at, reset_ack, threshold, last_value, last_baseline, last_change_pct,
                last_details, last_notified_at)
        WHERE a.id = t.id`,
      [
        changed.map((c) => (c.existing as ExistingAlert).id),
        changed.map((c) => c.state),
        changed.map((c) => c.firedAt),
        changed.map((c) => c.resolvedAt),
        changed.map((c) => c.resetAck),
        ...lastValues(changed),
        changed.map((c) => c.lastNotifiedAt),
        now,
      ],
    );
  }

  /** History: every state change (and reminder) with its values. Returns alert id → event id. */
  private async insertEvents(
    em: EntityManager,
    recorded: PlannedChange[],
    now: Date,
    alertIds: Map<PlannedChange, string>,
  ): Promise<Map<string, string>> {
    if (recorded.length === 0) return new Map();
    const rows = (await em.query(
      `INSERT INTO alert_event (alert_id, advertiser_id, rule_id, type, at, value, baseline, change_pct, threshold, details)
       SELECT alert_id, advertiser_id, rule_id, type, $10, value, baseline, change_pct, threshold, details::jsonb
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[],
                     $8::numeric[], $9::text[])
           AS t(alert_id, advertiser_id, rule_id, type, value, baseline, change_pct, threshold, details)
       RETURNING id, alert_id`,
      [
        recorded.map((c) => alertIds.get(c)),
        recorded.map((c) => c.item.advertiserId),
        recorded.map((c) => c.item.rule.id),
        recorded.map((c) => c.eventType),
        recorded.map((c) => c.item.judgement.value),
        recorded.map((c) => c.item.judgement.baseline),
        recorded.map((c) => c.item.judgement.changePct),
        recorded.map((c) => c.item.rule.threshold),
        recorded.map((c) => JSON.stringify({ ...c.details, notified: c.notify })),
        now,
      ],
    )) as Array<{ id: string; alert_id: string }>;
    return new Map(rows.map((r) => [String(r.alert_id), String(r.id)]));
  }
}

/** The judged values an alert keeps, one array per column: threshold, last_value, last_baseline, last_change_pct, last_details. */
function lastValues(changes: PlannedChange[]): unknown[][] {
  return [
    changes.map((c) => c.item.rule.threshold),
    changes.map((c) => c.item.judgement.value),
    changes.map((c) => c.item.judgement.baseline),
    changes.map((c) => c.item.judgement.changePct),
    changes.map((c) => JSON.stringify(c.details)),
  ];
}
