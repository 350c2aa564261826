/**
 * What running out cost: when a campaign caps at a local time, the rest of its day's spend and sales it would
 * have had, from its profile. The day factor D is estimated from the spend up to the cap (a gamma posterior, as
 * in pacing), and the rest of the day is D × expected day × the profile share after the cap; sales add their own
 * order noise (negative binomial in orders × the average order value).
 */
import { dayFactorPosterior, expectedDayTotal, type CampaignModel } from './model';
import type { Band } from './pacing';
import { HOURS, dayOfWeek, formatMoney } from './series';
import { countQuantiles, gammaQuantile } from './stats';

export interface CapCost {
  /** local time of day the budget ran out */
  cappedAt: number;
  /** share of the day's usual spend that falls after the cap */
  shareAfterCap: number;
  spend: Band<string>;
  sales: Band<string>;
  /** the clicks and orders missed (P50) */
  clicks: number;
  orders: number;
}

function cumShare(shares: Float64Array, dow: number, t: number): number {
  let s = 0;
  const whole = Math.floor(t);
  for (let h = 0; h < Math.min(whole, HOURS); h++) s += shares[dow * HOURS + h];
  if (whole < HOURS) s += (t - whole) * shares[dow * HOURS + whole];
  return s;
}

/**
 * `model` fitted with asOfDay = the capped day; `spentAtCap` what the campaign had spent when it capped (its
 * budget), `date` the local date of the capped day.
 */
export function estimateCapCost(
  model: CampaignModel,
  o: { date: string; cappedAt: number; spentAtCap: number; digits?: number },
): CapCost {
  const digits = o.digits ?? 2;
  const dow = dayOfWeek(o.date);
  const sp = model.metrics.spend;
  const expected = expectedDayTotal(sp, dow, 0);
  const before = cumShare(sp.profile.shares, dow, o.cappedAt);
  const post = dayFactorPosterior(sp, o.spentAtCap, expected * before, expected);
  const mean = post.shape / post.rate;
  const variance = post.shape / (post.rate * post.rate);
  const d = [0.1, 0.5, 0.9].map((p) => gammaQuantile(p, mean, variance));
  const after = 1 - before;
  const spend = d.map((x) => x * expected * after);
  // sales after the cap: orders (negative binomial given D) × average order value
  const sa = model.metrics.sales;
  const salesAfter = 1 - cumShare(sa.profile.shares, dow, o.cappedAt);
  const ordersMean = (expectedDayTotal(sa, dow, 0) * mean * salesAfter) / sa.unit;
  const rel = variance / (mean * mean);
  const sales = countQuantiles(
    [0.1, 0.5, 0.9],
    ordersMean,
    ordersMean + ordersMean ** 2 * (rel + sa.hourDispersion / HOURS),
  ).map((x) => x * sa.unit);
  const cl = model.metrics.clicks;
  const or = model.metrics.orders;
  return {
    cappedAt: o.cappedAt,
    shareAfterCap: after,
    spend: {
      p10: formatMoney(spend[0], digits),
      p50: formatMoney(spend[1], digits),
      p90: formatMoney(spend[2], digits),
    },
    sales: {
      p10: formatMoney(sales[0], digits),
      p50: formatMoney(sales[1], digits),
      p90: formatMoney(sales[2], digits),
    },
    clicks: Math.round(expectedDayTotal(cl, dow, 0) * d[1] * (1 - cumShare(cl.profile.shares, dow, o.cappedAt))),
    orders: Math.round(expectedDayTotal(or, dow, 0) * d[1] * (1 - cumShare(or.profile.shares, dow, o.cappedAt))),
  };
}
