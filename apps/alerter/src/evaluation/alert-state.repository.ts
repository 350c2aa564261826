import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { NotificationKind, NotificationPayload } from '../delivery/notification.logic';
import type { AlertRule } from '../rules/rule.logic';
import type { Judgement, WindowParts } from './condition.logic';
import { type AlertSnapshot, decideTransition, type Transition } from './transition.logic';
import type { EvalWindow } from './window.logic';

/** Namespace of the alerter's advisory locks (first argument of pg_advisory_xact_lock(int, int)): 'ALRT'. */
const LOCK_NAMESPACE = 0x414c5254;

/** One entity's judged window (or budget scope), ready for the state machine. */
export interface Evaluated {
  rule: AlertRule;
  advertiserId: string;
  entityType: string;
  entityId: string;
  campaignId: string | null;
  /** null for rules that are not window-based */
  window: EvalWindow | null;
  judgement: Judgement;
  details: { parts?: WindowParts; baselineParts?: WindowParts; [k: string]: unknown };
  /** entity name known without a lookup (keyword text) */
  name: string | null;
  campaignName?: string | null;
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

export interface ApplyOutcome {
  transitions: Record<Transition['type'], number>;
  notifications: number;
}

/** `(rule, advertiser, …)` key of an evaluation unit → the advisory lock serialising it across replicas. */
export function lockKey(unitKey: string): number {
  return createHash('sha1').update(unitKey).digest().readInt32BE(0);
}

function identity(e: { advertiserId: string; ruleId: string; entityType: string; entityId: string; windowKey: string }): string {
  return [e.advertiserId, e.ruleId, e.entityType, e.entityId, e.windowKey].join('\u0000');
}

/**
 * Alert state (writer: alerter): applies judgements to alerts in the evaluation's transaction, and in
 * that same transaction records each state change in alert_event and each notification in the outbox.
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
    await em.query(`SELECT count(pg_advisory_xact_lock($1::int, k)) FROM unnest($2::int[]) AS k`, [LOCK_NAMESPACE, keys]);
  }

  async apply(
    em: EntityManager,
    items: Evaluated[],
    now: Date,
    names: (items: Evaluated[]) => Promise<void>,
  ): Promise<ApplyOutcome> {
    const transitions: ApplyOutcome['transitions'] = { none: 0, fire: 0, refire: 0, resolve: 0, remind: 0, update: 0 };
    const unique = new Map<string, Evaluated>();
    for (const it of items) unique.set(identity(idOf(it)), it);
    if (unique.size === 0) return { transitions, notifications: 0 };
    const all = [...unique.values()];

    const existing = await this.existing(em, all);
    const decided: Array<{ it: Evaluated; t: Transition; row?: ExistingRow }> = [];
    for (const it of all) {
      const row = existing.get(identity(idOf(it)));
      const snapshot: AlertSnapshot | undefined = row && {
        state: row.state,
        acknowledged: row.acknowledged,
        snoozedUntil: row.snoozed_until,
        firedAt: row.fired_at,
        lastNotifiedAt: row.last_notified_at,
      };
      const t = decideTransition(snapshot, it.judgement.status, it.rule.repeatIntervalMinutes, now);
      transitions[t.type]++;
      if (t.type !== 'none') decided.push({ it, t, row });
    }
    if (decided.length === 0) return { transitions, notifications: 0 };

    const notify = (t: Transition) => t.type === 'remind' || ((t.type === 'fire' || t.type === 'refire' || t.type === 'resolve') && t.notify);
    await names(decided.filter((d) => notify(d.t)).map((d) => d.it));

    // 1. new identities
    const fresh = decided.filter((d) => d.t.type === 'fire');
    const alertIds = new Map<Evaluated, { id: string; firedAt: Date }>();
    if (fresh.length) {
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
          fresh.map((d) => d.it.advertiserId),
          fresh.map((d) => d.it.rule.id),
          fresh.map((d) => d.it.entityType),
          fresh.map((d) => d.it.entityId),
          fresh.map((d) => d.it.campaignId),
          fresh.map((d) => d.it.window?.key ?? ''),
          fresh.map((d) => (d.it.window ? new Date(d.it.window.startUtcMs) : null)),
          fresh.map((d) => (d.it.window ? new Date(d.it.window.endUtcMs) : null)),
          fresh.map((d) => d.it.rule.threshold),
          fresh.map((d) => d.it.judgement.value),
          fresh.map((d) => d.it.judgement.baseline),
          fresh.map((d) => d.it.judgement.changePct),
          fresh.map((d) => JSON.stringify(detailsOf(d.it))),
          fresh.map((d) => (notify(d.t) ? now : null)),
          now,
        ],
      )) as Array<{ id: string; advertiser_id: string; rule_id: string; entity_type: string; entity_id: string; window_key: string }>;
      const byIdentity = new Map(
        rows.map((r) => [
          identity({ advertiserId: r.advertiser_id, ruleId: String(r.rule_id), entityType: r.entity_type, entityId: r.entity_id, windowKey: r.window_key }),
          String(r.id),
        ]),
      );
      for (const d of fresh) {
        const id = byIdentity.get(identity(idOf(d.it)));
        // the unit's advisory lock makes a concurrent insert impossible; if it happened, redo the batch
        if (!id) throw new Error('alert identity created concurrently: the batch will be evaluated again');
        alertIds.set(d.it, { id, firedAt: now });
      }
    }

    // 2. existing identities: re-fire, resolve, remind, refresh values
    const changed = decided.filter((d) => d.t.type !== 'fire');
    if (changed.length) {
      const rows = changed.map((d) => {
        const row = d.row as ExistingRow;
        const t = d.t;
        const firing = t.type !== 'resolve';
        const firedAt = t.type === 'refire' ? now : row.fired_at;
        alertIds.set(d.it, { id: String(row.id), firedAt });
        return {
          id: String(row.id),
          state: firing ? 'firing' : 'resolved',
          firedAt,
          resolvedAt: firing ? null : now,
          resetAck: t.type === 'refire',
          notifiedAt: notify(t) ? now : row.last_notified_at,
        };
      });
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
          rows.map((r) => r.id),
          rows.map((r) => r.state),
          rows.map((r) => r.firedAt),
          rows.map((r) => r.resolvedAt),
          rows.map((r) => r.resetAck),
          changed.map((d) => d.it.rule.threshold),
          changed.map((d) => d.it.judgement.value),
          changed.map((d) => d.it.judgement.baseline),
          changed.map((d) => d.it.judgement.changePct),
          changed.map((d) => JSON.stringify(detailsOf(d.it))),
          rows.map((r) => r.notifiedAt),
          now,
        ],
      );
    }

    // 3. history: every state change (and reminder) with its values
    const recorded = decided.filter((d) => d.t.type !== 'update');
    const eventIds = new Map<string, string>();
    if (recorded.length) {
      const rows = (await em.query(
        `INSERT INTO alert_event (alert_id, advertiser_id, rule_id, type, at, value, baseline, change_pct, threshold, details)
         SELECT alert_id, advertiser_id, rule_id, type, $10, value, baseline, change_pct, threshold, details::jsonb
           FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[],
                       $8::numeric[], $9::text[])
             AS t(alert_id, advertiser_id, rule_id, type, value, baseline, change_pct, threshold, details)
         RETURNING id, alert_id`,
        [
          recorded.map((d) => alertIds.get(d.it)?.id),
          recorded.map((d) => d.it.advertiserId),
          recorded.map((d) => d.it.rule.id),
          recorded.map((d) => EVENT_TYPE[d.t.type]),
          recorded.map((d) => d.it.judgement.value),
          recorded.map((d) => d.it.judgement.baseline),
          recorded.map((d) => d.it.judgement.changePct),
          recorded.map((d) => d.it.rule.threshold),
          recorded.map((d) => JSON.stringify({ ...detailsOf(d.it), notified: notify(d.t) })),
          now,
        ],
      )) as Array<{ id: string; alert_id: string }>;
      for (const r of rows) eventIds.set(String(r.alert_id), String(r.id));
    }

    // 4. the outbox, in this same transaction: a committed state change always has its notification
    const outgoing = decided.filter((d) => notify(d.t));
    if (outgoing.length) {
      const payloads = outgoing.map((d) => payloadOf(d.it, d.t, alertIds.get(d.it) as { id: string; firedAt: Date }, now));
      await em.query(
        `INSERT INTO notification_outbox (alert_id, alert_event_id, kind, destination, payload, created_at, next_attempt_at)
         SELECT alert_id, alert_event_id, kind, destination, payload::jsonb, $6, $6
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])
             AS t(alert_id, alert_event_id, kind, destination, payload)`,
        [
          payloads.map((p) => p.alertId),
          payloads.map((p) => eventIds.get(p.alertId) ?? null),
          payloads.map((p) => p.kind),
          outgoing.map((d) => d.it.rule.destination),
          payloads.map((p) => JSON.stringify(p)),
          now,
        ],
      );
    }
    return { transitions, notifications: outgoing.length };
  }

  private async existing(em: EntityManager, items: Evaluated[]): Promise<Map<string, ExistingRow>> {
    const ids = items.map(idOf);
    const rows = (await em.query(
      `SELECT a.id, a.advertiser_id, a.rule_id, a.entity_type, a.entity_id, a.window_key, a.state, a.acknowledged,
              a.snoozed_until, a.fired_at, a.last_notified_at
         FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])
           AS k(advertiser_id, rule_id, entity_type, entity_id, window_key)
         JOIN alert a USING (advertiser_id, rule_id, entity_type, entity_id, window_key)
        ORDER BY a.id
        FOR UPDATE OF a`,
      [ids.map((i) => i.advertiserId), ids.map((i) => i.ruleId), ids.map((i) => i.entityType), ids.map((i) => i.entityId), ids.map((i) => i.windowKey)],
    )) as ExistingRow[];
    return new Map(
      rows.map((r) => [
        identity({ advertiserId: r.advertiser_id, ruleId: String(r.rule_id), entityType: r.entity_type, entityId: r.entity_id, windowKey: r.window_key }),
        r,
      ]),
    );
  }
}

const EVENT_TYPE: Record<Transition['type'], string> = {
  none: 'none',
  fire: 'fired',
  refire: 'fired',
  resolve: 'resolved',
  remind: 'reminded',
  update: 'updated',
};

function idOf(it: Evaluated) {
  return { advertiserId: it.advertiserId, ruleId: it.rule.id, entityType: it.entityType, entityId: it.entityId, windowKey: it.window?.key ?? '' };
}

function detailsOf(it: Evaluated): Record<string, unknown> {
  return { ...it.details, note: it.judgement.note, status: it.judgement.status };
}

function payloadOf(it: Evaluated, t: Transition, alert: { id: string; firedAt: Date }, now: Date): NotificationPayload {
  const kind: NotificationKind = t.type === 'resolve' ? 'resolved' : t.type === 'remind' ? 'reminder' : 'firing';
  return {
    v: 1,
    kind,
    alertId: alert.id,
    rule: {
      id: it.rule.id,
      name: it.rule.name,
      metric: it.rule.metric,
      condition: it.rule.condition,
      threshold: it.rule.threshold,
      baseline: it.rule.baseline,
      severity: it.rule.severity,
    },
    entity: {
      type: it.entityType,
      id: it.entityId,
      name: it.name,
      advertiserId: it.advertiserId,
      campaignId: it.campaignId,
      campaignName: it.campaignName ?? null,
    },
    window: it.window
      ? { key: it.window.key, startUtc: new Date(it.window.startUtcMs).toISOString(), endUtc: new Date(it.window.endUtcMs).toISOString() }
      : null,
    value: it.judgement.value,
    baseline: it.judgement.baseline,
    changePct: it.judgement.changePct,
    note: it.judgement.note,
    at: now.toISOString(),
    firedAt: alert.firedAt.toISOString(),
  };
}
