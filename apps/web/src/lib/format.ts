import { placesOf } from './decimal';

const LOCALE = 'en-US';
/** day month year, 24-hour clock */
const DATE_LOCALE = 'en-GB';
const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * Money as the API gives it (a decimal string), in the advertiser's currency: every place the API sent is kept
 * (at least two), so nothing is rounded differently from the API. Without a currency, the plain decimal.
 */
export function formatMoney(value: string | null | undefined, currency: string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!currency) return value;
  const places = Math.max(2, Math.min(20, placesOf(value)));
  const key = `${currency}:${places}`;
  let f = moneyFormats.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(LOCALE, {
        style: 'currency',
        currency,
        minimumFractionDigits: places,
        maximumFractionDigits: places,
      });
    } catch {
      return `${value} ${currency}`;
    }
    moneyFormats.set(key, f);
  }
  // a numeric string is formatted as the exact decimal it spells (Intl.NumberFormat v3), never through a double
  return f.format(value as unknown as number);
}

/** A ratio (0.108039) as a percentage with two places ("10.80 %"); null (no denominator) as a dash. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  return `${(ratio * 100).toFixed(2)} %`;
}

/** ROAS (sales per unit of spend) with two places. */
export function formatRatio(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  return ratio.toFixed(2);
}

const counts = new Intl.NumberFormat(LOCALE);
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : counts.format(n);
}

/** Change of `now` against `before` in %, one place, signed; null when before is zero or either is missing. */
export function changePct(now: number | null, before: number | null): number | null {
  if (now === null || before === null || before === 0) return null;
  return ((now - before) / Math.abs(before)) * 100;
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
function dtf(timeZone: string, options: Intl.DateTimeFormatOptions, tag: string): Intl.DateTimeFormat {
  const key = `${timeZone}|${tag}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(DATE_LOCALE, { ...options, timeZone });
    dateTimeFormats.set(key, f);
  }
  return f;
}

/** An instant in the advertiser's local time: "7 Dec 2026, 14:05". */
export function formatDateTime(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return dtf(timeZone, { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' }, 'dt').format(t);
}

/** The advertiser's local calendar date (YYYY-MM-DD) of an instant. */
export function localDate(at: number, timeZone: string): string {
  const parts = dtf(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }, 'ymd').formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The advertiser's local date, hour (0–23) and minute of an instant. */
function localParts(at: number, timeZone: string): { date: string; hour: number; minute: number } {
  const parts = dtf(
    timeZone,
    { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
    'ymdhm',
  ).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    hour: Number(get('hour')),
    minute: Number(get('minute')),
  };
}

/** The advertiser's local hour (0–23) of an instant. */
export function localHour(at: number, timeZone: string): number {
  return localParts(at, timeZone).hour;
}

/**
 * The instant a local hour of a local date began in the advertiser's zone, or null when that hour does not exist there
 * (a DST gap). Offsets run from −12 to +14 hours in steps of 15 minutes, so the candidates are searched in those steps.
 */
export function localHourStart(date: string, hour: number, timeZone: string): number | null {
  const naive = Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);
  for (let q = -14 * 4; q <= 14 * 4; q++) {
    const t = naive + q * 900_000;
    const p = localParts(t, timeZone);
    if (p.date === date && p.hour === hour && p.minute === 0) return t;
  }
  return null;
}

/**
 * The range "yesterday by this hour", to compare a partial today with the same part of yesterday: from yesterday's
 * local midnight to the start of yesterday's local hour after the current one (instants, `to` exclusive, as
 * /v1/performance takes them), or the whole of yesterday (dates) in the day's last hour — or when yesterday lacks
 * those hours (a DST gap at midnight). Hours are matched by their local number across DST changes.
 */
export function yesterdayUntilThisHour(now: number, timeZone: string): { from: string; to: string } {
  const yesterday = addDays(localDate(now, timeZone), -1);
  const whole = { from: yesterday, to: yesterday };
  const next = localHour(now, timeZone) + 1;
  if (next >= 24) return whole;
  const from = localHourStart(yesterday, 0, timeZone);
  const to =
    localHourStart(yesterday, next, timeZone) ?? (next + 1 < 24 ? localHourStart(yesterday, next + 1, timeZone) : null);
  if (from === null || to === null) return whole;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** YYYY-MM-DD plus n days (calendar arithmetic, no time zone involved). */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** "4 min ago", "3 h ago", "2 d ago" (or "in …" for the future). */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const s = Math.round((now - t) / 1000);
  const abs = Math.abs(s);
  const text =
    abs < 60
      ? `${abs} s`
      : abs < 3600
        ? `${Math.floor(abs / 60)} min`
        : abs < 86_400 * 2
          ? `${Math.floor(abs / 3600)} h`
          : `${Math.floor(abs / 86_400)} d`;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}

/** The local hour (0–23) of a period the API printed in the advertiser's offset ("2025-06-03T10:00:00-07:00"). */
export function hourOfPeriod(period: string): number {
  return Number(period.slice(11, 13));
}
