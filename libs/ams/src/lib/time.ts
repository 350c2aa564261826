/** One AMS hour: `time_window_start` is the start of an hour in the advertiser's local time, with its UTC offset. */
export interface HourWindow {
  /** the instant the hour starts, ISO-8601 UTC with milliseconds, e.g. 2025-06-03T17:00:00.000Z */
  hourStartUtc: string;
  /** the advertiser's UTC offset for that hour in minutes, e.g. -420 for -07:00 */
  utcOffsetMinutes: number;
  /** advertiser-local calendar date, YYYY-MM-DD */
  localDate: string;
  /** advertiser-local hour 0..23 */
  localHour: number;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

const MIN_YEAR = 1970;
const MAX_YEAR = 9998;
const MAX_OFFSET_MINUTES = 14 * 60;

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string;
  offsetMinutes: number;
  date: string;
}

function show(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Parses and checks an ISO-8601 date-time with an explicit offset; throws Error with a field-free message. */
function parseParts(s: unknown, example: string): Parts {
  if (typeof s !== 'string') throw new Error(`must be a string (got ${s === null ? 'null' : typeof s})`);
  const m = s.length <= 64 ? ISO_RE.exec(s) : null;
  if (!m) throw new Error(`must be an ISO-8601 date-time like ${example} (got ${show(s)})`);
  const offset = m[8];
  if (offset === undefined) {
    throw new Error(`must have an explicit UTC offset such as -07:00 or Z (got ${show(s)})`);
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(offset.length - 2));
    if (om > 59) throw new Error(`UTC offset minutes must be 0..59 (got ${show(s)})`);
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
    if (Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES) {
      throw new Error(`UTC offset must be within ±14:00 (got ${show(s)})`);
    }
    if (offsetMinutes === 0) offsetMinutes = 0; // normalise -00:00
  }
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new Error(`year must be between ${MIN_YEAR} and ${MAX_YEAR} (got ${show(s)})`);
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new Error(`is not a real calendar date (got ${show(s)})`);
  }
  if (hour > 23) throw new Error(`hour must be 0..23 (got ${show(s)})`);
  if (minute > 59) throw new Error(`minute must be 0..59 (got ${show(s)})`);
  if (second > 59) throw new Error(`second must be 0..59 (got ${show(s)})`);
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    fraction: m[7] ?? '',
    offsetMinutes,
    date: `${m[1]}-${m[2]}-${m[3]}`,
  };
}

function toUtcMillis(p: Parts, ms: number): number {
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, ms) - p.offsetMinutes * 60_000;
}

const cache = new Map<string, HourWindow>();
const CACHE_MAX = 512;

/**
 * Parses time_window_start like "2025-06-03T10:00:00-07:00", "...+05:30" or "...Z". Requires an explicit offset,
 * local minute = 0, second = 0 (no fraction) and a real calendar date. Throws Error with a clear message otherwise.
 */
export function parseTimeWindowStart(s: string): HourWindow {
  const hit = typeof s === 'string' ? cache.get(s) : undefined;
  if (hit) return { ...hit };
  const p = parseParts(s, '2025-06-03T10:00:00-07:00');
  if (p.minute !== 0) throw new Error(`local minute must be 0 (got ${show(s)})`);
  if (p.second !== 0 || /[1-9]/.test(p.fraction)) throw new Error(`local second must be 0 (got ${show(s)})`);
  const w: HourWindow = {
    hourStartUtc: new Date(toUtcMillis(p, 0)).toISOString(),
    utcOffsetMinutes: p.offsetMinutes,
    localDate: p.date,
    localHour: p.hour,
  };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(s, w);
  return { ...w };
}

/**
 * Parses an ISO-8601 timestamp with an explicit offset (e.g. budget-usage `usage_updated_timestamp`
 * "2025-06-03T21:47:21Z") and returns it as ISO UTC with milliseconds ("2025-06-03T21:47:21.000Z"). Sub-millisecond
 * digits are truncated. Throws Error with a clear message otherwise.
 */
export function parseIsoTimestamp(s: string): string {
  const p = parseParts(s, '2025-06-03T21:47:21Z');
  const ms = p.fraction === '' ? 0 : Number(p.fraction.slice(0, 3).padEnd(3, '0'));
  return new Date(toUtcMillis(p, ms)).toISOString();
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses a calendar date "2025-06-03" (a date-time "2025-06-03T00:00:00Z" is accepted too: its date as written, not
 * shifted to UTC) and returns YYYY-MM-DD. Throws Error with a clear message for anything else or an unreal date.
 */
export function parseCalendarDate(s: string): string {
  if (typeof s !== 'string') throw new Error(`must be a string (got ${s === null ? 'null' : typeof s})`);
  const m = s.length <= 64 ? DATE_RE.exec(s) : null;
  if (!m) throw new Error(`must be a date like 2025-06-03 (got ${show(s)})`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new Error(`year must be between ${MIN_YEAR} and ${MAX_YEAR} (got ${show(s)})`);
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new Error(`is not a real calendar date (got ${show(s)})`);
  }
  return `${m[1]}-${m[2]}-${m[3]}`;
}
