/**
 * Exact decimal arithmetic on canonical decimal strings, backed by BigInt.
 *
 * Money must never be summed as JS numbers (0.1 + 0.2 !== 0.3). AMS sends money as JSON doubles; each value is turned
 * into the shortest decimal string that round-trips (what the JSON text said, e.g. 6.93 -> "6.93") and all further
 * arithmetic happens on those strings.
 *
 * Canonical form: optional "-", integer part without leading zeros, optional "." + fraction without trailing zeros,
 * no exponent, no "-0" ("6.93", "-0.99", "0", "100", "0.0000001").
 */

interface Scaled {
  /** unscaled value: value = coef / 10^scale */
  coef: bigint;
  scale: number;
}

/** Upper bound on exponent / digit count accepted from strings, so hostile input cannot allocate huge strings. */
const MAX_EXPONENT = 400;
const MAX_DIGITS = 1000;
const MAX_DIVIDE_SCALE = 100;

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/;

const POW10: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let p = POW10[n];
    if (p === undefined) {
      p = 10n ** BigInt(n);
      POW10[n] = p;
    }
    return p;
  }
  return 10n ** BigInt(n);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number') return String(v);
  return typeof v;
}

function parse(s: string): Scaled {
  if (typeof s !== 'string') throw new TypeError(`not a decimal: expected a string (got ${describe(s)})`);
  if (s.length === 0 || s.length > MAX_DIGITS + 10) throw new RangeError(`not a decimal: ${describe(s)}`);
  const m = DECIMAL_RE.exec(s);
  if (!m) throw new RangeError(`not a decimal: ${describe(s)}`);
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart.length === 0 && fracPart.length === 0) throw new RangeError(`not a decimal: ${describe(s)}`);
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (Math.abs(exp) > MAX_EXPONENT) throw new RangeError(`decimal exponent out of range: ${describe(s)}`);
  let coef = BigInt(intPart + fracPart || '0');
  let scale = fracPart.length - exp;
  if (scale < 0) {
    coef *= pow10(-scale);
    scale = 0;
  }
  if (m[1] === '-') coef = -coef;
  return { coef, scale };
}

function format({ coef, scale }: Scaled): string {
  if (coef === 0n) return '0';
  while (scale > 0 && coef % 10n === 0n) {
    coef /= 10n;
    scale--;
  }
  return formatFixed(coef, scale);
}

/** Formats coef / 10^scale with exactly `scale` fraction digits (no stripping). */
function formatFixed(coef: bigint, scale: number): string {
  const neg = coef < 0n;
  let digits = (neg ? -coef : coef).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return neg && coef !== 0n ? `-${digits}` : digits;
}

function align(a: Scaled, b: Scaled): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.coef, b.coef, a.scale];
  if (a.scale > b.scale) return [a.coef, b.coef * pow10(a.scale - b.scale), a.scale];
  return [a.coef * pow10(b.scale - a.scale), b.coef, b.scale];
}

/**
 * JSON number or numeric string -> canonical decimal string without exponent ("6.93", "-0.99", "0",
 * 1e-7 -> "0.0000001"). Throws on NaN/Infinity/non-numeric.
 */
export function toDecimalString(v: number | string): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${String(v)}`);
    // String(double) is the shortest round-tripping representation; without an exponent it is already canonical.
    const s = String(v);
    if (!s.includes('e')) return s;
    return format(parse(s));
  }
  if (typeof v === 'string') return format(parse(v));
  throw new TypeError(`not a number or numeric string: ${describe(v)}`);
}

/** a + b, exact. */
export function addDecimal(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return format({ coef: x + y, scale });
}

/** a - b, exact. */
export function subtractDecimal(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return format({ coef: x - y, scale });
}

/** a × b, exact. */
export function multiplyDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  return format({ coef: x.coef * y.coef, scale: x.scale + y.scale });
}

export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const [x, y] = align(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * a / b rounded half-up (ties away from zero, like PostgreSQL numeric and Java ROUND_HALF_UP) to `scale` places,
 * formatted with exactly `scale` fraction digits ("0.99", "1.00"); null when b is zero.
 */
export function divideDecimal(a: string, b: string, scale: number): string | null {
  if (!Number.isInteger(scale) || scale < 0 || scale > MAX_DIVIDE_SCALE) {
    throw new RangeError(`divideDecimal: scale must be an integer 0..${MAX_DIVIDE_SCALE} (got ${String(scale)})`);
  }
  const x = parse(a);
  const y = parse(b);
  if (y.coef === 0n) return null;
  // (x.coef / 10^x.scale) / (y.coef / 10^y.scale) * 10^scale
  let num = x.coef * pow10(y.scale + scale);
  let den = y.coef * pow10(x.scale);
  let negative = false;
  if (num < 0n) {
    num = -num;
    negative = !negative;
  }
  if (den < 0n) {
    den = -den;
    negative = !negative;
  }
  let q = num / den;
  const r = num % den;
  if (r * 2n >= den) q += 1n;
  return formatFixed(negative ? -q : q, scale);
}

export function isZeroDecimal(a: string): boolean {
  return parse(a).coef === 0n;
}

/** true when `s` is a syntactically valid decimal accepted by this module (canonical or not). */
export function isDecimalString(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  try {
    parse(s);
    return true;
  } catch {
    return false;
  }
}
