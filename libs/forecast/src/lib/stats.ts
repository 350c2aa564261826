/** Small numeric helpers: order statistics, the normal, gamma and negative-binomial quantiles the model needs. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median absolute deviation scaled to a normal's standard deviation (1.4826 · MAD). */
export function robustSd(values: readonly number[]): number {
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** Regularized lower incomplete gamma P(a, x) (series below a + 1, continued fraction above). */
export function gammaCdf(x: number, shape: number): number {
  if (!(x > 0)) return 0;
  if (!Number.isFinite(x)) return 1;
  const lnPre = shape * Math.log(x) - x - logGamma(shape);
  if (x < shape + 1) {
    let sum = 1 / shape;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (shape + n);
      sum += term;
      if (term < sum * 1e-12) break;
    }
    return Math.min(1, sum * Math.exp(lnPre));
  }
  let b = x + 1 - shape;
  let c = 1e300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - shape);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-12) break;
  }
  return Math.max(0, 1 - Math.exp(lnPre) * h);
}

/** ln Γ(x), Lanczos (g = 7). */
export function logGamma(x: number): number {
  const g = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
    12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const xx = x - 1;
  let a = g[0];
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += g[i] / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Quantile of a gamma distribution with this mean and variance: Wilson–Hilferty from shape 1 up, bisection on
 * the CDF below (rare: a very uncertain quantity).
 */
export function gammaQuantile(p: number, mean: number, variance: number): number {
  if (!(mean > 0)) return 0;
  if (!(variance > 0)) return mean;
  const shape = (mean * mean) / variance;
  const scale = variance / mean;
  if (shape >= 1) {
    const z = normalQuantile(p);
    const k = 1 / (9 * shape);
    const w = 1 - k + z * Math.sqrt(k);
    return w <= 0 ? 0 : shape * scale * w * w * w;
  }
  let lo = 0;
  let hi = mean + 50 * Math.sqrt(variance);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (gammaCdf(mid / scale, shape) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Quantiles (ascending probabilities) of a count with this mean and variance: negative binomial (Poisson when
 * the variance is not above the mean) summed exactly for small means, a gamma of the same moments for large ones.
 * `interpolate`: continuous quantiles of the count spread over the unit below each value (for bands).
 */
export function countQuantiles(
  probs: readonly number[],
  mean: number,
  variance: number,
  o: { interpolate?: boolean } = {},
): number[] {
  if (!(mean > 0)) return probs.map(() => 0);
  if (mean >= 40) return probs.map((p) => gammaQuantile(p, mean, Math.max(variance, mean)));
  const out: number[] = [];
  let pmf: number;
  let next: (k: number, pk: number) => number;
  if (variance <= mean * 1.000001) {
    pmf = Math.exp(-mean);
    next = (k, pk) => (pk * mean) / (k + 1);
  } else {
    const r = (mean * mean) / (variance - mean);
    const p = r / (r + mean);
    pmf = Math.exp(r * Math.log(p));
    next = (k, pk) => (pk * (k + r) * (1 - p)) / (k + 1);
  }
  let cdf = pmf;
  let k = 0;
  const limit = mean + 40 * Math.sqrt(variance) + 50;
  for (const prob of probs) {
    while (cdf < prob - 1e-12 && k < limit) {
      pmf = next(k, pmf);
      k++;
      cdf += pmf;
    }
    // interpolated: the count spread uniformly over [k - 1, k] (its mass pmf there), so a band of a small count is
    // not all of the steps it touches (an interval [0, 1] of a 0.2-click hour holds 98 %, not 80 %)
    out.push(o.interpolate && pmf > 0 ? Math.max(0, k - 1 + (prob - (cdf - pmf)) / pmf) : k);
  }
  return out;
}
