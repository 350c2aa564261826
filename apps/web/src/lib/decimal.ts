/**
 * Exact sums of the API's decimal strings ("12.34", "-0.5"), for the one place the web app adds money itself: the
 * heatmap's hour × weekday cells (the API gives hours, not those cells). Totals the API gives are shown as given.
 */
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

interface Scaled {
  value: bigint;
  scale: number;
}

function parse(s: string): Scaled {
  const m = DECIMAL.exec(s);
  if (!m) throw new RangeError(`not a decimal string: ${s}`);
  const frac = m[3] ?? '';
  const value = BigInt(m[2] + frac);
  return { value: m[1] ? -value : value, scale: frac.length };
}

function format({ value, scale }: Scaled): string {
  const neg = value < 0n;
  const digits = (neg ? -value : value).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = scale ? `.${digits.slice(digits.length - scale)}` : '';
  return `${neg ? '-' : ''}${int}${frac}`;
}

/** a + b, exact, with the larger number of places of the two ("0.10" + "0.2" = "0.30"). */
export function addDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const value = x.value * 10n ** BigInt(scale - x.scale) + y.value * 10n ** BigInt(scale - y.scale);
  return format({ value, scale });
}

/** Places after the point ("5.940" → 3), so money is never shown with fewer digits than the API gave. */
export function placesOf(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}
