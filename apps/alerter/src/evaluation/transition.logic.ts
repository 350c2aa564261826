import type { JudgedStatus } from './condition.logic';

/** What the state machine needs of an existing alert. */
export interface AlertSnapshot {
  state: 'firing' | 'resolved';
  acknowledged: boolean;
  snoozedUntil: Date | null;
  firedAt: Date;
  lastNotifiedAt: Date | null;
}

export type Transition =
  /** nothing to record */
  | { type: 'none' }
  /** a new identity starts firing */
  | { type: 'fire'; notify: boolean }
  /** a resolved identity fires again: a new episode (acknowledgement cleared) */
  | { type: 'refire'; notify: boolean }
  | { type: 'resolve'; notify: boolean }
  /** still firing, repeat interval elapsed, neither acknowledged nor snoozed */
  | { type: 'remind' }
  /** still firing: refresh the last values only */
  | { type: 'update' };

export function isSnoozed(a: Pick<AlertSnapshot, 'snoozedUntil'>, now: Date): boolean {
  return a.snoozedUntil !== null && a.snoozedUntil.getTime() > now.getTime();
}

/**
 * The alert lifecycle: firing → resolved (→ firing again). One notification when it fires, one when
 * it resolves (only if its firing was announced), a reminder only after the repeat interval; an
 * acknowledged or snoozed alert does not remind, and a snoozed one does not announce a re-fire.
 * Judging the same data twice gives `none`/`update`: replays never notify twice.
 */
export function decideTransition(
  existing: AlertSnapshot | undefined,
  status: JudgedStatus,
  repeatIntervalMinutes: number,
  now: Date,
): Transition {
  if (status === 'breach') {
    if (!existing) return { type: 'fire', notify: true };
    if (existing.state === 'resolved') return { type: 'refire', notify: !isSnoozed(existing, now) };
    // an episode never announced (it fired while snoozed) is due as soon as nothing holds it back
    const announced =
      existing.lastNotifiedAt !== null && existing.lastNotifiedAt.getTime() >= existing.firedAt.getTime();
    const dueAt = announced ? (existing.lastNotifiedAt as Date).getTime() + repeatIntervalMinutes * 60_000 : 0;
    if (!existing.acknowledged && !isSnoozed(existing, now) && dueAt <= now.getTime()) return { type: 'remind' };
    return { type: 'update' };
  }
  if (existing?.state === 'firing') {
    const announced =
      existing.lastNotifiedAt !== null && existing.lastNotifiedAt.getTime() >= existing.firedAt.getTime();
    return { type: 'resolve', notify: announced };
  }
  return { type: 'none' };
}
