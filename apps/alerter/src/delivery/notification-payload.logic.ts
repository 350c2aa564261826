import type { Evaluated } from '../evaluation/alert-plan.logic';
import type { Transition } from '../evaluation/transition.logic';
import type { NotificationKind, NotificationPayload } from './notification.logic';

/** The alert an announced change belongs to, once written. */
export interface AnnouncedAlert {
  id: string;
  /** start of the episode being announced */
  firedAt: Date;
}

export function notificationKind(t: Transition): NotificationKind {
  return t.type === 'resolve' ? 'resolved' : t.type === 'remind' ? 'reminder' : 'firing';
}

/**
 * Pure: the outbox payload of one announced change, frozen at `now` (what Slack will be told, however
 * late it is sent). Names are those known when the change was planned; ids are always present.
 */
export function notificationPayload(
  it: Evaluated,
  t: Transition,
  alert: AnnouncedAlert,
  now: Date,
): NotificationPayload {
  return {
    v: 1,
    kind: notificationKind(t),
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
      ? {
          key: it.window.key,
          startUtc: new Date(it.window.startUtcMs).toISOString(),
          endUtc: new Date(it.window.endUtcMs).toISOString(),
        }
      : null,
    value: it.judgement.value,
    baseline: it.judgement.baseline,
    changePct: it.judgement.changePct,
    note: it.judgement.note,
    at: now.toISOString(),
    firedAt: alert.firedAt.toISOString(),
    ...(it.facts?.length ? { facts: it.facts } : {}),
    // what to do is said while it fires; a resolution needs nothing done
    ...(it.action && t.type !== 'resolve' ? { action: it.action } : {}),
  };
}
