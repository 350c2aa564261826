import { CPC_SCALE, divideDecimal, RATIO_SCALE, type Ratios } from '@ams/ams';
import type { PerformanceRow } from './performance.repository';

/**
 * How the api writes numbers and times in its answers (performance, campaigns, budgets): money as decimal strings
 * with at least two places, periods in the advertiser's own offset, and exact ratios.
 *
 * Exact ratios for the response rows, fast. `computeRatios` (libs/ams) is the definition: BigInt arithmetic on
 * decimal strings, ~8 µs a row. Here the same half-up division runs on integers held exactly in doubles whenever
 * every operand and intermediate stays below 2^50 (counts and cents of any real campaign); anything larger, or
 * anything that is not a plain decimal, goes to `divideDecimal`. Same results to the bit
 * (performance.format.spec.ts checks it against computeRatios).
 */

const LIMIT = 2 ** 50;
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

interface Parsed {
  neg: boolean;
  /** digits without the point, < 10^15 */
  coef: number;
  /** digits after the point */
  scale: number;
}

/** A plain decimal ("-12.3400", "7") of at most 15 digits, else undefined. */
function parse(s: string): Parsed | undefined {
  let start = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    start = 1;
  }
  let coef = 0;
  let digits = 0;
  let scale = -1;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (scale >= 0) return undefined;
      scale = 0;
      continue;
    }
    if (c < 48 || c > 57) return undefined;
    coef = coef * 10 + (c - 48);
    digits++;
    if (scale >= 0) scale++;
  }
  if (digits === 0 || digits > 15) return undefined;
  return { neg, coef, scale: scale < 0 ? 0 : scale };
}

/**
 * a / b × 10^places rounded half away from zero, as an integer and a sign; null when b is zero; undefined when it
 * does not fit the fast path.
 */
function divide(
  x: Parsed | undefined,
  y: Parsed | undefined,
  places: number,
): { neg: boolean; q: number } | null | undefined {
  if (!x || !y) return undefined;
  if (y.coef === 0) return null;
  const e1 = y.scale + places;
  if (e1 > 15) return undefined;
  const n = x.coef * POW10[e1]; // an integer product < 2^50 is exact; a larger one is refused below
  const d = y.coef * POW10[x.scale];
  if (!(n < LIMIT && d < LIMIT)) return undefined;
  // q = floor((2n + d) / 2d) = round-half-up(n / d); operands < 2^52, so one correction makes it exact
  const num = 2 * n + d;
  const den = 2 * d;
  let q = Math.floor(num / den);
  const r = num - q * den;
  if (r < 0) q -= 1;
  else if (r >= den) q += 1;
  return { neg: q !== 0 && x.neg !== y.neg, q };
}

function ratio(a: string, x: Parsed | undefined, b: string, y: Parsed | undefined): number | null {
  const r = divide(x, y, RATIO_SCALE);
  if (r === undefined) {
    const slow = divideDecimal(a, b, RATIO_SCALE);
    return slow === null ? null : Number(slow);
  }
  if (r === null) return null;
  // q / 10^6 is the double nearest to the decimal, exactly what Number("0.016990") gives
  return (r.neg ? -r.q : r.q) / POW10[RATIO_SCALE];
}

function cpc(cost: string, x: Parsed | undefined, clicks: string, y: Parsed | undefined): string | null {
  const r = divide(x, y, CPC_SCALE);
  if (r === undefined) return divideDecimal(cost, clicks, CPC_SCALE);
  if (r === null) return null;
  const digits = String(r.q).padStart(CPC_SCALE + 1, '0');
  return `${r.neg ? '-' : ''}${digits.slice(0, -CPC_SCALE)}.${digits.slice(-CPC_SCALE)}`;
}

/** Same as computeRatios for numeric text from PostgreSQL (counts and money as decimal strings). */
export function fastRatios(p: {
  impressions: string;
  clicks: string;
  cost: string;
  orders: string;
  sales: string;
}): Ratios {
  return ratiosOf(p.impressions, p.clicks, p.cost, p.orders, p.sales);
}

export function ratiosOf(impressions: string, clicks: string, cost: string, orders: string, sales: string): Ratios {
  const i = parse(impressions);
  const k = parse(clicks);
  const c = parse(cost);
  const o = parse(orders);
  const s = parse(sales);
  return {
    ctr: ratio(clicks, k, impressions, i),
    cpc: cpc(cost, c, clicks, k),
    cvr: ratio(orders, o, clicks, k),
    acos: ratio(cost, c, sales, s),
    roas: ratio(sales, s, cost, c),
  };
}

/** numeric text → decimal string with at least two places, never rounded ("5.9" → "5.90", "5.9400" → "5.94"). */
export function money(v: string | null | undefined): string {
  const s = v ?? '0';
  const dot = s.indexOf('.');
  if (dot < 0) return `${s}.00`;
  let end = s.length;
  while (end > dot + 1 && s.charCodeAt(end - 1) === 48) end--;
  const places = end - dot - 1;
  return places >= 2 ? s.slice(0, end) : s.slice(0, end) + (places === 1 ? '0' : '00');
}

/** Hour start in the advertiser's own offset, e.g. 2025-06-03T10:00:00-07:00; a day as YYYY-MM-DD. */
export function formatPeriod(r: PerformanceRow, granularity: 'hour' | 'day'): string {
  if (granularity === 'day') return String(r[0]);
  const offset = Number(r[r.length - 7]);
  return `${localIso(Number(r[0]) + offset * 60)}${offsetSuffix(offset)}`;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const YEAR_10000 = 253_402_300_800;
let lastDay = NaN;
let lastDayText = '';
/** YYYY-MM-DDTHH:MM:SS of epoch seconds, as toISOString().slice(0, 19); the date is computed once per day. */
function localIso(seconds: number): string {
  if (!(seconds >= 0 && seconds < YEAR_10000)) return new Date(seconds * 1000).toISOString().slice(0, 19);
  const day = Math.floor(seconds / 86_400);
  if (day !== lastDay) {
    lastDay = day;
    lastDayText = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  const rest = seconds - day * 86_400;
  return `${lastDayText}${TWO_DIGITS[Math.floor(rest / 3600)]}:${TWO_DIGITS[Math.floor((rest % 3600) / 60)]}:${TWO_DIGITS[rest % 60]}`;
}

const OFFSET_SUFFIXES = new Map<number, string>();
function offsetSuffix(minutes: number): string {
  let s = OFFSET_SUFFIXES.get(minutes);
  if (s === undefined) {
    const abs = Math.abs(minutes);
    s = `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    if (OFFSET_SUFFIXES.size < 10_000) OFFSET_SUFFIXES.set(minutes, s);
  }
  return s;
}

/**
 * The metric members of a row (impressions … units from column `at` on) as the answer's JSON text:
 * `"impressions":…,"clicks":…,"cost":"…","orders":…,"sales":"…","units":…,"ctr":…,"cpc":…,"cvr":…,"acos":…,"roas":…`
 * — exactly what writing `Number(count)`, `money(…)` and the numbers of `ratiosOf` gives (performance.format.spec.ts
 * checks it on random sums), with less work per row: a count that is already a canonical integer is copied, and a
 * ratio is printed from its integer quotient instead of through a double.
 */
export function metricsJson(row: ReadonlyArray<unknown>, at: number): string {
  const impressions = text(row[at]);
  const clicks = text(row[at + 1]);
  const cost = text(row[at + 2]);
  const orders = text(row[at + 3]);
  const sales = text(row[at + 4]);
  const i = parse(impressions);
  const k = parse(clicks);
  const c = parse(cost);
  const o = parse(orders);
  const s = parse(sales);
  const perClick = cpc(cost, c, clicks, k);
  return (
    `"impressions":${countJson(impressions)},"clicks":${countJson(clicks)},"cost":"${money(cost)}",` +
    `"orders":${countJson(orders)},"sales":"${money(sales)}","units":${countJson(text(row[at + 5]))},` +
    `"ctr":${ratioJson(clicks, k, impressions, i)},"cpc":${perClick === null ? 'null' : `"${perClick}"`},` +
    `"cvr":${ratioJson(orders, o, clicks, k)},"acos":${ratioJson(cost, c, sales, s)},"roas":${ratioJson(sales, s, cost, c)}`
  );
}

function text(v: unknown): string {
  return String(v ?? '0');
}

/** `String(Number(s))`: the text itself when it is "0" or a canonical integer of at most 15 digits. */
export function countJson(s: string): string {
  const n = s.length;
  if (n === 0 || n > 15) return String(Number(s));
  const first = s.charCodeAt(0);
  if (first < 49 || first > 57) return n === 1 && first === 48 ? s : String(Number(s));
  for (let j = 1; j < n; j++) {
    const ch = s.charCodeAt(j);
    if (ch < 48 || ch > 57) return String(Number(s));
  }
  return s;
}

/**
 * `String(ratio(…))` without the double: the quotient q (|q| < 2^50) scaled by 10^-6, trailing zeros dropped. The same
 * text, since the shortest decimal that reads back as the double nearest to q × 10^-6 is that decimal itself (doubles
 * below 2^30 are closer together than 10^-6), and every nonzero value is at least 0.000001 (no exponent).
 */
function ratioJson(a: string, x: Parsed | undefined, b: string, y: Parsed | undefined): string {
  const r = divide(x, y, RATIO_SCALE);
  if (r === undefined) {
    const slow = divideDecimal(a, b, RATIO_SCALE);
    return slow === null ? 'null' : String(Number(slow));
  }
  if (r === null) return 'null';
  return scaledText(r.neg, r.q);
}

const SCALE = POW10[RATIO_SCALE];

/** q × 10^-RATIO_SCALE as JavaScript prints the double nearest to it (q a non-negative integer below 2^50). */
export function scaledText(neg: boolean, q: number): string {
  const whole = Math.floor(q / SCALE);
  const frac = q - whole * SCALE;
  const sign = neg ? '-' : '';
  if (frac === 0) return `${sign}${whole}`;
  let digits = String(frac + SCALE); // a leading 1, then RATIO_SCALE digits with their zeros
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(1, end);
  return `${sign}${whole}.${digits}`;
}
