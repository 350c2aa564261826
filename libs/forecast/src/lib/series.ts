/**
 * Hourly history of one campaign (or the sum of several) in the advertiser's local time: one row of 24 local
 * hours per local day. Columnar (Float64Array) so 10,000 campaigns × 4 weeks fit in memory and fit in seconds.
 * Money here is a float in the currency's units; the boundary ({@link seriesFromRows}) reads decimal strings.
 */
export const HOURS = 24;
export const METRICS = ['spend', 'clicks', 'orders', 'sales'] as const;
export type Metric = (typeof METRICS)[number];

export interface HourlySeries {
  /** advertiser-local date (YYYY-MM-DD) of day index 0 */
  firstDate: string;
  days: number;
  /** index day × 24 + local hour; NaN = the hour is missing (not reported yet), which is not a zero */
  spend: Float64Array;
  clicks: Float64Array;
  orders: Float64Array;
  sales: Float64Array;
  /**
   * Per day: the local time of day (fractional hours, 10.5 = 10:30) the budget ran out, NaN if it did not. A
   * capped day's later hours are censored (the campaign did not serve), not a lack of demand.
   */
  cappedAt?: Float64Array;
}

/** One hour as the api reads it: money as decimal strings. */
export interface HourlyRow {
  /** advertiser-local date and hour (a 25-hour DST day's repeated hour is summed into one) */
  date: string;
  hour: number;
  spend: string;
  clicks: number;
  orders: number;
  sales: string;
}

const DAY_MS = 86_400_000;

/** 0 = Sunday … 6 = Saturday, of a local date. */
export function dayOfWeek(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** A decimal string (or number) as a float; throws on anything else. */
export function parseMoney(v: string | number): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || (typeof v === 'string' && !/^-?\d+(\.\d+)?$/.test(v.trim())))
    throw new Error(`not a decimal amount: ${String(v)}`);
  return n;
}

/** A float amount as a decimal string rounded half away from zero to `digits` places (cents by default). */
export function formatMoney(v: number, digits = 2): string {
  const f = 10 ** digits;
  const r = (Math.sign(v) * Math.round(Math.abs(v) * f + 1e-9)) / f;
  return (Object.is(r, -0) ? 0 : r).toFixed(digits);
}

export function emptySeries(firstDate: string, days: number): HourlySeries {
  const mk = () => new Float64Array(days * HOURS).fill(NaN);
  return {
    firstDate,
    days,
    spend: mk(),
    clicks: mk(),
    orders: mk(),
    sales: mk(),
    cappedAt: new Float64Array(days).fill(NaN),
  };
}

/**
 * Rows → series from `firstDate` for `days` days. Hours without a row stay missing (NaN): pass `zeroFill` up to a
 * local date-hour to say "every hour before this was reported, absent rows are zeros" (the api's hourly facts
 * leave out hours without traffic). Negative values (a restatement that arrived before its record) count as 0.
 */
export function seriesFromRows(
  rows: readonly HourlyRow[],
  firstDate: string,
  days: number,
  zeroFillBefore?: { date: string; hour: number },
): HourlySeries {
  const s = emptySeries(firstDate, days);
  if (zeroFillBefore) {
    const end = Math.min(days * HOURS, daysBetween(firstDate, zeroFillBefore.date) * HOURS + zeroFillBefore.hour);
    for (let i = 0; i < end; i++) s.spend[i] = s.clicks[i] = s.orders[i] = s.sales[i] = 0;
  }
  for (const r of rows) {
    const d = daysBetween(firstDate, r.date);
    if (d < 0 || d >= days || !(r.hour >= 0 && r.hour < HOURS)) continue;
    const i = d * HOURS + r.hour;
    const add = (a: Float64Array, v: number) => (a[i] = (Number.isNaN(a[i]) ? 0 : a[i]) + Math.max(0, v));
    add(s.spend, parseMoney(r.spend));
    add(s.clicks, r.clicks);
    add(s.orders, r.orders);
    add(s.sales, parseMoney(r.sales));
  }
  return s;
}

/**
 * The sum of series over the same days (an advertiser's campaigns, or everything for the global profile). An hour
 * is missing only where every series misses it; a day counts as capped where a campaign with at least a quarter of
 * the day's spend was capped (its shape is censored).
 */
export function sumSeries(list: readonly HourlySeries[]): HourlySeries {
  if (list.length === 0) throw new Error('sumSeries needs at least one series');
  const { firstDate, days } = list[0];
  const out = emptySeries(firstDate, days);
  for (const s of list) {
    if (s.firstDate !== firstDate || s.days !== days) throw new Error('sumSeries: series cover different days');
    for (const m of METRICS) {
      const a = out[m];
      const b = s[m];
      for (let i = 0; i < a.length; i++) if (!Number.isNaN(b[i])) a[i] = (Number.isNaN(a[i]) ? 0 : a[i]) + b[i];
    }
  }
  const dayTotal = (s: HourlySeries, d: number) => {
    let t = 0;
    for (let h = 0; h < HOURS; h++) t += s.spend[d * HOURS + h] || 0;
    return t;
  };
  const capped = out.cappedAt as Float64Array;
  for (let d = 0; d < days; d++) {
    const total = dayTotal(out, d);
    for (const s of list)
      if (s.cappedAt && !Number.isNaN(s.cappedAt[d]) && dayTotal(s, d) >= 0.25 * total) capped[d] = s.cappedAt[d];
  }
  return out;
}
