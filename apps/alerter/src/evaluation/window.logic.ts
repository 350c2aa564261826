/**
 * Evaluation windows. A window is a block of `hours` consecutive hours of the advertiser's local
 * time, aligned to local midnight (1–24 h windows divide the local day; 48/72 h windows are whole
 * local days; 168 h windows are local weeks from Monday). The local time of an hour is its UTC start
 * plus that hour's UTC offset, so DST days simply hold 23 or 25 hourly rows.
 *
 * Local instants are handled as "local epoch milliseconds": the wall-clock reading as if it were UTC.
 */

export const HOUR_MS = 3_600_000;
/** 1970-01-05 (a Monday) in epoch hours: weekly windows start on Mondays. */
const MONDAY_HOURS = 96;

export interface EvalWindow {
  /** Identity part of window-based alerts, e.g. `2025-06-03T00:00/24h` (local start / length). */
  key: string;
  hours: number;
  /** local wall-clock bounds, epoch-ms as if UTC; end exclusive */
  localStartMs: number;
  localEndMs: number;
  /** UTC bounds using the offset of the hour that led to this window (exact except across a DST change) */
  startUtcMs: number;
  endUtcMs: number;
  utcOffsetMinutes: number;
}

/** The window of `hours` hours holding the hour that starts at `hourStartUtcMs` (UTC) with that offset. */
export function windowOf(hourStartUtcMs: number, utcOffsetMinutes: number, hours: number): EvalWindow {
  const localHour = Math.floor((hourStartUtcMs + utcOffsetMinutes * 60_000) / HOUR_MS);
  return windowAtLocalHour(localHour, utcOffsetMinutes, hours);
}

function windowAtLocalHour(localHour: number, utcOffsetMinutes: number, hours: number): EvalWindow {
  const anchor = hours === 168 ? MONDAY_HOURS : 0;
  const startHour = Math.floor((localHour - anchor) / hours) * hours + anchor;
  const localStartMs = startHour * HOUR_MS;
  const localEndMs = localStartMs + hours * HOUR_MS;
  const offsetMs = utcOffsetMinutes * 60_000;
  return {
    key: `${new Date(localStartMs).toISOString().slice(0, 16)}/${hours}h`,
    hours,
    localStartMs,
    localEndMs,
    startUtcMs: localStartMs - offsetMs,
    endUtcMs: localEndMs - offsetMs,
    utcOffsetMinutes,
  };
}

/** The latest window that ended at least `settlingHours` ago (local clock of the given offset). */
export function latestSettledWindow(
  nowMs: number,
  utcOffsetMinutes: number,
  hours: number,
  settlingHours: number,
): EvalWindow {
  const settledLocalHour = Math.floor((nowMs + utcOffsetMinutes * 60_000) / HOUR_MS) - settlingHours;
  // the window holding the hour before the settled instant ends at or before it
  const holding = windowAtLocalHour(settledLocalHour, utcOffsetMinutes, hours);
  return holding.localEndMs <= settledLocalHour * HOUR_MS
    ? holding
    : windowAtLocalHour(Math.floor(holding.localStartMs / HOUR_MS) - 1, utcOffsetMinutes, hours);
}

export interface WindowPolicy {
  hours: number;
  settlingHours: number;
  /** windows that ended longer ago than this are not evaluated */
  maxAgeHours: number;
}

/**
 * The windows to judge when the hour `hourStartUtcMs` changed: its own window (if settled, when the
 * rule needs settling) and, for rules with a settling delay, the latest settled window (so a window is
 * judged once it is old enough even if no late conversion touches it). Too-old windows are dropped.
 */
export function windowsToJudge(
  hourStartUtcMs: number,
  utcOffsetMinutes: number,
  policy: WindowPolicy,
  nowMs: number,
): EvalWindow[] {
  const candidates = [windowOf(hourStartUtcMs, utcOffsetMinutes, policy.hours)];
  if (policy.settlingHours > 0) {
    const settled = latestSettledWindow(nowMs, utcOffsetMinutes, policy.hours, policy.settlingHours);
    if (settled.key !== candidates[0].key) candidates.push(settled);
  }
  return candidates.filter(
    (w) =>
      w.startUtcMs <= nowMs &&
      w.endUtcMs >= nowMs - policy.maxAgeHours * HOUR_MS &&
      isSettled(w, policy.settlingHours, nowMs),
  );
}

/** Conversion metrics are judged only on windows that ended at least `settlingHours` ago. */
export function isSettled(w: Pick<EvalWindow, 'endUtcMs'>, settlingHours: number, nowMs: number): boolean {
  return settlingHours <= 0 || w.endUtcMs + settlingHours * HOUR_MS <= nowMs;
}

/**
 * The baseline of a change condition: the same part of the previous window (`previous`) or of the
 * same window one week earlier (`week_ago`). `lastLocalHourMs` is the latest hour with data in the
 * current window: a window still filling is compared with the same hours of its baseline.
 */
export function baselineBounds(
  w: Pick<EvalWindow, 'localStartMs' | 'localEndMs' | 'hours'>,
  baseline: 'previous' | 'week_ago',
  lastLocalHourMs: number,
): { localStartMs: number; localEndMs: number } {
  const shiftMs = (baseline === 'previous' ? w.hours : 168) * HOUR_MS;
  const end = Math.min(w.localEndMs, lastLocalHourMs + HOUR_MS);
  return { localStartMs: w.localStartMs - shiftMs, localEndMs: end - shiftMs };
}

/** `YYYY-MM-DD HH:MM:SS.mmm` — a local epoch-ms instant as a PostgreSQL `timestamp` literal. */
export function localTimestamp(localMs: number): string {
  return new Date(localMs).toISOString().replace('T', ' ').replace('Z', '');
}

/** Human text of a window: `2025-06-03 (local day)` or `2025-06-03 10:00–13:00 local`. */
export function describeWindow(key: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})\/(\d+)h$/.exec(key);
  if (!m) return key;
  const [, date, time, h] = m;
  const hours = Number(h);
  if (hours === 24 && time === '00:00') return `${date} (local day)`;
  if (hours % 24 === 0) return `${hours / 24} local days from ${date}`;
  const endHour = (Number(time.slice(0, 2)) + hours) % 24;
  return `${date} ${time}–${String(endHour).padStart(2, '0')}:00 local`;
}
