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

/** The advertiser's local hour (0–23) of an instant. */
export function localHour(at: number, timeZone: string): number {
  const parts = dtf(timeZone, { hour: '2-digit', hourCycle: 'h23' }, 'h').formatToParts(at);
  return Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
}

/**
 * Where "yesterday by this hour" ends, for comparing a partial today with the same part of yesterday: the instant
 * yesterday's local hour after the current one began (an exclusive `to` for /v1/performance), or yesterday's date
 * (the whole day) in the day's last hour. On a day with a DST change the hour is matched by its local number.
 */
export function yesterdayUntilThisHour(now: number, timeZone: string): string {
  const today = localDate(now, timeZone);
  const yesterday = addDays(today, -1);
  const next = localHour(now, timeZone) + 1;
  if (next >= 24) return yesterday;
  const hourStart = Math.floor(now / 3_600_000) * 3_600_000;
  const guess = hourStart + 3_600_000 - 86_400_000;
  for (const t of [guess, guess - 3_600_000, guess + 3_600_000]) {
    if (localDate(t, timeZone) === yesterday && localHour(t, timeZone) === next) return new Date(t).toISOString();
  }
  return new Date(guess).toISOString();
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
