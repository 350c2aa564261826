/**
 * Retention horizons: what is kept, computed the same way by every app from the same settings and the wall clock.
 *
 * - `performance_delta` (every distinct delta, the dedupe memory) is kept RETENTION_DELTA_DAYS; its monthly partitions
 *   are dropped whole once they end before `deltaHorizon`. The processor refuses into quarantine any record whose hour
 *   is older than `dedupeHorizon` (DEDUPE_MARGIN_DAYS inside the delta horizon): a duplicate of a record whose delta
 *   may already be gone is never counted a second time.
 * - `hourly_fact` (the finest grain) is kept RETENTION_FACT_DAYS; its partitions are dropped once they end before
 *   `factHorizon`. Rollups are kept. A local day is recomputed only from `firstRecomputableDate` on: every hour of it
 *   (±14 h offsets) is at or after `factHorizon`, so its facts are all there; older days keep the rollups they have.
 *
 * Horizons are UTC midnights, so they move once a day and every replica agrees on them within a day's boundary.
 */

export const DAY_MS = 86_400_000;

/** Days the dedupe horizon stays inside the delta horizon: clock skew, a retention run at the boundary. */
export const DEDUPE_MARGIN_DAYS = 2;

/**
 * Least RETENTION_DELTA_DAYS: AMS revises conversions for up to 60 days after the click (new records on the click's
 * hour) and SQS keeps an unconsumed message at most 14 days, so a true duplicate can reach us up to 74 days after its
 * hour; the dedupe horizon (retention minus DEDUPE_MARGIN_DAYS) must be longer than that.
 * Sources: ams/RESEARCH.md §3 (conversion revisions 60 days; at-least-once delivery) and §1 (SQS retention ≤ 14 days).
 */
export const MIN_RETENTION_DELTA_DAYS = 60 + 14 + DEDUPE_MARGIN_DAYS + 1;

export const DEFAULT_RETENTION_DELTA_DAYS = 90;
export const DEFAULT_RETENTION_FACT_DAYS = 400;

/** The UTC midnight `days` days before the UTC date of `now`. */
export function daysBefore(now: Date, days: number): Date {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(midnight - days * DAY_MS);
}

/** Deltas with an hour at or after this are kept (a partition is dropped only when it ends at or before it). */
export function deltaHorizon(now: Date, retentionDeltaDays: number): Date {
  return daysBefore(now, retentionDeltaDays);
}

/** Records with an hour before this are refused (quarantined): their duplicate could no longer be recognised. */
export function dedupeHorizon(now: Date, retentionDeltaDays: number): Date {
  return daysBefore(now, retentionDeltaDays - DEDUPE_MARGIN_DAYS);
}

/** Hourly facts with an hour at or after this are kept. */
export function factHorizon(now: Date, retentionFactDays: number): Date {
  return daysBefore(now, retentionFactDays);
}

/**
 * The first advertiser-local date whose hours (offsets within ±14 h) all lie at or after the fact horizon: days from
 * this one on may be recomputed from the facts; older ones keep their rollups.
 */
export function firstRecomputableDate(now: Date, retentionFactDays: number): string {
  return new Date(factHorizon(now, retentionFactDays).getTime() + DAY_MS).toISOString().slice(0, 10);
}

/** The first UTC instant of the month of `d`. */
export function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/** The first instant of the month `n` months after the month of `d`. */
export function addMonths(d: Date, n: number): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
}

/** Settings of the bounded (row-by-row) retention of the smaller tables, and the limits of one run. */
export interface RowRetention {
  quarantineDays: number;
  budgetUsageDays: number;
  alertEventDays: number;
  notificationDays: number;
  confirmationDays: number;
  /** rows deleted per statement */
  batch: number;
  /** rows deleted per table and run, at most */
  maxPerRun: number;
}
