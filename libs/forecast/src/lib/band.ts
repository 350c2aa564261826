/**
 * The expected band (P10, P50, P90) of a window of a campaign's local day — the sum of its hours for spend, clicks,
 * orders and sales; CTR and CPC given the window's actual impressions and clicks — for `outside_forecast` alerts.
 *
 * Sums: the window's hours on the model's origin day with the day factor D updated from the hours before the window
 * (the prediction as it stood when the window began): mean μ = expected day × E[D] × the window's profile share (in
 * the metric's unit), variance μ + Σ hour noise + Var[D] μ², quantiles of that negative binomial / gamma.
 * Ratios: the clicks a window's impressions should bring at the history's CTR of those hours (the clicks model's day
 * spread and hour noise around it), over the impressions; the spend its clicks should cost at the history's CPC of those
 * hours with the spend model's day spread and a per-click spread (CV 0.5) that shrinks with the clicks.
 */
import { dayFactorPosterior, expectedDayTotal, type CampaignModel } from './model';
import { HOURS, addDays, dayOfWeek, type HourlySeries, type Metric } from './series';
import { countQuantiles, gammaQuantile } from './stats';

export const BAND_METRICS = ['spend', 'clicks', 'orders', 'sales', 'ctr', 'cpc'] as const;
export type BandMetric = (typeof BAND_METRICS)[number];

/** Sums of the history's hours by local hour of day (0–23), for the ratios: impressions, clicks, spend. */
export interface HourSums {
  impressions: Float64Array;
  clicks: Float64Array;
  spend: Float64Array;
}

export interface WindowBand {
  /** P10, P50, P90 in the metric's unit (money, count, percent for CTR, money per click for CPC) */
  p10: number;
  p50: number;
  p90: number;
}

/** Per-click spread of the CPC (auction prices) for the CPC band. */
const CPC_CLICK_CV = 0.5;

function sumState(model: CampaignModel, series: HourlySeries, m: Metric, fromHour: number) {
  const mm = model.metrics[m];
  const dow = dayOfWeek(addDays(model.asOfDate, 0));
  const total = expectedDayTotal(mm, dow, 0);
  const day = model.asOfDay;
  let obs = 0;
  let exp = 0;
  for (let h = 0; h < Math.min(fromHour, HOURS); h++) {
    const x = day < series.days ? series[m][day * HOURS + h] : NaN;
    if (Number.isNaN(x)) continue;
    obs += x;
    exp += total * mm.profile.shares[dow * HOURS + h];
  }
  const post = dayFactorPosterior(mm, obs, exp, total);
  return { mm, dow, total, dMean: post.shape / post.rate, dRelVar: 1 / post.shape };
}

/** The band of the sum of `m` over local hours [fromHour, toHour) of the model's origin day. */
export function windowSumBand(
  model: CampaignModel,
  series: HourlySeries,
  m: Metric,
  fromHour: number,
  toHour: number,
): WindowBand {
  const s = sumState(model, series, m, fromHour);
  let mu = 0;
  let noise = 0;
  for (let h = Math.max(0, fromHour); h < Math.min(HOURS, toHour); h++) {
    const muH = (s.total * s.dMean * s.mm.profile.shares[s.dow * HOURS + h]) / s.mm.unit;
    mu += muH;
    noise += s.mm.hourDispersion * muH * muH;
  }
  const variance = mu + noise + s.dRelVar * mu * mu;
  const [p10, p50, p90] = countQuantiles([0.1, 0.5, 0.9], mu, variance).map((x) => x * s.mm.unit);
  return { p10, p50, p90 };
}

/**
 * The band of a window's metric. For `ctr` (percent) pass the window's actual impressions, for `cpc` its clicks;
 * `hourSums` from the campaign's history (`hourSumsFromRows`). null when there is nothing to expect from (no
 * impressions / clicks in the window or in the history's hours).
 */
export function windowBand(
  model: CampaignModel,
  series: HourlySeries,
  o: {
    metric: BandMetric;
    fromHour: number;
    toHour: number;
    hourSums?: HourSums;
    impressions?: number;
    clicks?: number;
  },
): WindowBand | null {
  if (o.metric !== 'ctr' && o.metric !== 'cpc') return windowSumBand(model, series, o.metric, o.fromHour, o.toHour);
  const hs = o.hourSums;
  if (!hs) return null;
  let imp = 0;
  let clk = 0;
  let spend = 0;
  for (let h = Math.max(0, o.fromHour); h < Math.min(HOURS, o.toHour); h++) {
    imp += hs.impressions[h];
    clk += hs.clicks[h];
    spend += hs.spend[h];
  }
  if (o.metric === 'ctr') {
    const n = o.impressions ?? 0;
    if (!(n > 0) || !(imp > 0)) return null;
    const s = sumState(model, series, 'clicks', o.fromHour);
    const mu = (n * clk) / imp;
    const variance = mu + (s.mm.hourDispersion / HOURS + s.mm.sigmaDay ** 2) * mu * mu;
    const [p10, p50, p90] = countQuantiles([0.1, 0.5, 0.9], mu, variance).map((x) => (x / n) * 100);
    return { p10, p50, p90 };
  }
  const k = o.clicks ?? 0;
  if (!(k > 0) || !(clk > 0)) return null;
  const s = sumState(model, series, 'spend', o.fromHour);
  const cpc = spend / clk;
  const relVar = s.mm.sigmaDay ** 2 + (CPC_CLICK_CV * CPC_CLICK_CV) / k;
  const [p10, p50, p90] = [0.1, 0.5, 0.9].map((p) => gammaQuantile(p, cpc, relVar * cpc * cpc));
  return { p10, p50, p90 };
}

/** Sums by local hour of day over history rows (impressions may be absent: then CTR has no band). */
export function hourSumsFromRows(
  rows: ReadonlyArray<{ hour: number | string; impressions?: string | number; clicks: string | number; spend: string }>,
): HourSums {
  const out: HourSums = {
    impressions: new Float64Array(HOURS),
    clicks: new Float64Array(HOURS),
    spend: new Float64Array(HOURS),
  };
  for (const r of rows) {
    const h = Number(r.hour);
    if (!(h >= 0 && h < HOURS)) continue;
    out.impressions[h] += Math.max(0, Number(r.impressions ?? 0));
    out.clicks[h] += Math.max(0, Number(r.clicks));
    out.spend[h] += Math.max(0, Number(r.spend));
  }
  return out;
}
