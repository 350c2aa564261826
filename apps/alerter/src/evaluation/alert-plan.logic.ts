import type { AlertRule } from '../rules/rule.logic';
import type { Judgement, WindowParts } from './condition.logic';
import { type AlertSnapshot, decideTransition, type Transition } from './transition.logic';
import type { EvalWindow } from './window.logic';

/** One entity's judged window (or budget scope, or queue), ready for the state machine. */
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
  /** what people need to know beyond the entity (pipeline health: profile, dataset, destination, since when) */
  facts?: NotificationFact[];
  /** what to do about it (pipeline health) */
  action?: string | null;
}

export interface NotificationFact {
  label: string;
  value: string;
}

/** The columns of `alert_identity_uq`: one alert per rule, entity and window. */
export interface AlertIdentity {
  advertiserId: string;
  ruleId: string;
  entityType: string;
  entityId: string;
  /** '' for rules that are not window-based */
  windowKey: string;
}

/** An alert as stored, as much as the planner needs of it. */
export interface ExistingAlert extends AlertSnapshot {
  id: string;
}

export type TransitionCounts = Record<Transition['type'], number>;

/** What `alert_event.type` records for each transition ('update' and 'none' record nothing). */
export type AlertEventType = 'fired' | 'resolved' | 'reminded';

/** One alert write decided by the planner: the alert's new state, its history entry and whether it is announced. */
export interface PlannedChange {
  item: Evaluated;
  transition: Exclude<Transition, { type: 'none' }>;
  /** absent for a new identity ('fire') */
  existing?: ExistingAlert;
  /** announced: an outbox entry is written and `last_notified_at` becomes now */
  notify: boolean;
  state: 'firing' | 'resolved';
  /** start of the current episode: now for fire and refire, else unchanged */
  firedAt: Date;
  resolvedAt: Date | null;
  /** a re-fire starts a new episode: the acknowledgement is cleared */
  resetAck: boolean;
  lastNotifiedAt: Date | null;
  /** null for a refresh of the last values ('update') */
  eventType: AlertEventType | null;
  /** `alert.last_details` (the event's details add `notified`) */
  details: Record<string, unknown>;
}

export interface AlertPlan {
  /** every judged identity counted once, 'none' included */
  transitions: TransitionCounts;
  /** the identities with something to write, in input order */
  changes: PlannedChange[];
}

export function identityOf(it: Evaluated): AlertIdentity {
  return {
    advertiserId: it.advertiserId,
    ruleId: it.rule.id,
    entityType: it.entityType,
    entityId: it.entityId,
    windowKey: it.window?.key ?? '',
  };
}

/** A map key for an identity (NUL never occurs in ids or window keys). */
export function identityKey(i: AlertIdentity): string {
  return [i.advertiserId, i.ruleId, i.entityType, i.entityId, i.windowKey].join('\u0000');
}

export function emptyCounts(): TransitionCounts {
  return { none: 0, fire: 0, refire: 0, resolve: 0, remind: 0, update: 0 };
}

const EVENT_TYPE: Record<Exclude<Transition['type'], 'none'>, AlertEventType | null> = {
  fire: 'fired',
  refire: 'fired',
  resolve: 'resolved',
  remind: 'reminded',
  update: null,
};

function announces(t: Transition): boolean {
  return t.type === 'remind' || ((t.type === 'fire' || t.type === 'refire' || t.type === 'resolve') && t.notify);
}

/**
 * Pure: what applying these judgements to the existing alerts (keyed by `identityKey`) changes at `now`.
 * A judgement repeated for one identity counts once (the last one wins). Each identity's transition comes
 * from `decideTransition`; the plan adds the notify policy's consequences (announced changes stamp
 * `last_notified_at`, a re-fire clears the acknowledgement) so the writers only copy it into the tables.
 */
export function planAlertChanges(
  items: Evaluated[],
  existing: ReadonlyMap<string, ExistingAlert>,
  now: Date,
): AlertPlan {
  const transitions = emptyCounts();
  const unique = new Map<string, Evaluated>();
  for (const it of items) unique.set(identityKey(identityOf(it)), it);
  const changes: PlannedChange[] = [];
  for (const [key, item] of unique) {
    const row = existing.get(key);
    const t = decideTransition(row, item.judgement.status, item.rule.repeatIntervalMinutes, now);
    transitions[t.type]++;
    if (t.type === 'none') continue;
    const notify = announces(t);
    const firing = t.type !== 'resolve';
    const fresh = t.type === 'fire' || t.type === 'refire';
    changes.push({
      item,
      transition: t,
      ...(row ? { existing: row } : {}),
      notify,
      state: firing ? 'firing' : 'resolved',
      firedAt: fresh || !row ? now : row.firedAt,
      resolvedAt: firing ? null : now,
      resetAck: t.type === 'refire',
      lastNotifiedAt: notify ? now : (row?.lastNotifiedAt ?? null),
      eventType: EVENT_TYPE[t.type],
      details: { ...item.details, note: item.judgement.note, status: item.judgement.status },
    });
  }
  return { transitions, changes };
}
