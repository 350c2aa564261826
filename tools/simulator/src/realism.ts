/**
 * `--realism` (ScenarioOptions.realism): what real accounts have and the smooth default traffic does not.
 *
 * - campaign sizes from a handful of clicks a day (small, zero-inflated: dark days and hours that serve nothing)
 *   to thousands (large), log-uniform within each class;
 * - day-of-week effects (the advertiser's weekend, each campaign a little different), a later weekend morning and
 *   a campaign's own tilt of the daily rhythm;
 * - a trend (−0.6 %..+1 % a day, the last simulated day at the campaign's base level);
 * - promotion days of the advertiser (about 1 day in 25) lifting the campaigns that take part ×1.5–3;
 * - counts drawn from a Poisson-gamma (negative binomial) model: a gamma day effect shared by the day's hours, a
 *   gamma hour effect, Poisson impressions, clicks and orders (binomial), cost per click ±15 %;
 * - budgets that bind: about 30 % of campaigns have a tight budget (0.85–1.3 × a usual day) and every campaign stops
 *   serving when its daily budget is spent (the crossing hour is cut at the budget), as Amazon caps a campaign.
 *
 * Every draw comes from its own generator (seed, campaign, day or hour), never from the ones of the default
 * traffic, so with realism off the simulator's output is byte-for-byte what it was.
 */
import {
  DAILY_RHYTHM,
  meanCtr,
  budgetOn,
  type Advertiser,
  type Campaign,
  type ScenarioOptions,
} from './market-scenario';
import { makeOrders, type Order } from './orders';
import type { CampaignRealism } from './realism-traits';
import { Rng } from './random';
import { HOUR_MS, localDate, localIso, utcOffsetMinutes } from './time-zones';

export { SIZE_CLASSES, campaignRealism, type CampaignRealism, type SizeClass } from './realism-traits';

/** Whether an advertiser-local date is one of the advertiser's promotion days (about 1 in 25). */
export function isPromotionDay(seed: number, advertiser: number, date: string): boolean {
  return Rng.of(seed, 'realism-promo', advertiser, date).chance(0.04);
}

export function dayOfWeek(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** The traffic multiplier of a local hour of a day of week (the default rhythm, late on weekends, tilted). */
export function realisticRhythm(r: CampaignRealism, dow: number, hour: number): number {
  const shift = dow === 0 || dow === 6 ? r.weekendShift : 0;
  return DAILY_RHYTHM[(hour - shift + 24) % 24] * (1 + r.tiltAmp * Math.sin((2 * Math.PI * (hour - r.tiltPhase)) / 24));
}

/** One simulated campaign-hour, after the budget cap: what the simulator sends for it (before restatements). */
export interface RealisticHour {
  /** UTC ms of the hour's start */
  h: number;
  /** advertiser-local date and hour */
  date: string;
  localHour: number;
  impressions: number;
  clicks: number;
  costMinor: number;
  /** the orders of the hour's clicks (every attribution window) */
  orders: Order[];
  /** the local time of day (fractional hours) the budget ran out, on the hour it did */
  cappedAt: number | null;
}

/** The multipliers of the injected anomalies on their day (as the default traffic applies them). */
export interface AnomalyFactors {
  impressions: number;
  ctr: number;
  cpc: number;
}

/**
 * The campaign's hours from the advertiser's start to the end of the history, drawn with realism and cut at the
 * daily budget: hours after the budget ran out are left out (the campaign served nothing). `anomalyFactors` gives
 * the anomaly multipliers of a local date.
 */
export function realisticCampaignHours(
  o: ScenarioOptions,
  adv: Advertiser,
  c: Campaign,
  anomalyFactors: (date: string) => AnomalyFactors = () => ({ impressions: 1, ctr: 1, cpc: 1 }),
): RealisticHour[] {
  const r = c.realism;
  if (!r) throw new Error(`campaign ${c.campaignId} has no realism traits (ScenarioOptions.realism is off)`);
  const tz = adv.market.timeZone;
  const lastDate = localDate(o.endMs - HOUR_MS, utcOffsetMinutes(tz, o.endMs - HOUR_MS));
  const lastDay = Date.parse(`${lastDate}T00:00:00Z`) / 86_400_000;
  const ctr = meanCtr(c.rows);
  const out: RealisticHour[] = [];
  let day = '';
  let spent = 0;
  let capped = false;
  let dayLevel = 0;
  let dark = false;
  let dow = 0;
  for (let h = adv.startMs; h < o.endMs; h += HOUR_MS) {
    const offset = utcOffsetMinutes(tz, h);
    const date = localDate(h, offset);
    const localHour = Number(localIso(h, offset).slice(11, 13));
    if (date !== day) {
      day = date;
      spent = 0;
      capped = false;
      dow = dayOfWeek(date);
      const drng = Rng.of(o.seed, 'realism-day', c.campaignId, date);
      dark = drng.chance(r.darkDayP);
      const trend = Math.exp(r.trendPerDay * (Date.parse(`${date}T00:00:00Z`) / 86_400_000 - lastDay));
      const promo = isPromotionDay(o.seed, adv.index, date) ? r.promoLift : 1;
      dayLevel = r.dow[dow] * trend * promo * drng.gammaUnit(r.dayShape);
    }
    if (capped) continue;
    const f = anomalyFactors(date);
    const rng = Rng.of(o.seed, 'realism-hour', c.campaignId, h, `${f.impressions}/${f.ctr}/${f.cpc}`);
    let impressions = 0;
    let clicks = 0;
    let costMinor = 0;
    let orders: Order[] = [];
    if (!dark && !rng.chance(r.zeroHourP)) {
      const mean =
        c.hourlyImpressions *
        realisticRhythm(r, dow, localHour) *
        dayLevel *
        rng.gammaUnit(r.hourShape) *
        f.impressions;
      impressions = rng.poisson(mean);
      clicks = Math.min(impressions, rng.poisson(impressions * ctr * f.ctr));
      const count = clicks < 40 ? rng.binomial(clicks, c.cvr) : Math.min(clicks, rng.poisson(clicks * c.cvr));
      // each click costs the campaign's CPC ±15 % (uniform): the sum's spread is 0.0866 / √clicks
      costMinor =
        clicks === 0
          ? 0
          : Math.max(0, Math.round(clicks * c.cpcMinor * f.cpc * (1 + (0.0866 * rng.normal()) / Math.sqrt(clicks))));
      orders = makeOrders(rng, count, c.pricesMinor);
    }
    const budget = budgetOn(c, date);
    let cappedAt: number | null = null;
    if (costMinor > 0 && spent + costMinor >= budget) {
      // the budget runs out within this hour: Amazon stops serving the campaign there
      const share = (budget - spent) / costMinor;
      cappedAt = localHour + share;
      // at least the click that crossed the budget
      clicks = Math.max(1, Math.round(clicks * share));
      impressions = Math.max(clicks, Math.round(impressions * share));
      orders = orders.slice(0, Math.round(orders.length * share));
      costMinor = budget - spent;
      capped = true;
    }
    spent += costMinor;
    out.push({ h, date, localHour, impressions, clicks, costMinor, orders, cappedAt });
  }
  return out;
}

/** A campaign's history as the api would sum it: per advertiser-local day and hour, minor units for money. */
export interface HourlyTotals {
  /** advertiser-local date of day 0 */
  firstDate: string;
  days: number;
  /** index day × 24 + local hour; hours after the end of the history are NaN, hours not served 0 */
  spend: Float64Array;
  clicks: Float64Array;
  orders: Float64Array;
  sales: Float64Array;
  /** per day: the local time of day (fractional hours) the budget ran out, NaN if it did not */
  cappedAt: Float64Array;
}

/**
 * The campaign's realistic hours as local-day × hour series (what the bench forecasts): spend, clicks, and
 * orders and sales in the default attribution window (SP 7 d, SB/SD 14 d), as the ground truth counts them.
 * A 25-hour DST day sums its repeated hour; a 23-hour day's missing hour is 0.
 */
export function hourlyTotals(o: ScenarioOptions, adv: Advertiser, c: Campaign, hours?: RealisticHour[]): HourlyTotals {
  const list = hours ?? realisticCampaignHours(o, adv, c);
  const window = c.adProduct === 'sp' ? 7 : 14;
  const tz = adv.market.timeZone;
  const firstDate = localDate(adv.startMs, utcOffsetMinutes(tz, adv.startMs));
  const lastHour = o.endMs - HOUR_MS;
  const lastOffset = utcOffsetMinutes(tz, lastHour);
  const lastDate = localDate(lastHour, lastOffset);
  const dayIndex = (date: string) =>
    Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${firstDate}T00:00:00Z`)) / 86_400_000);
  const days = dayIndex(lastDate) + 1;
  const mk = () => new Float64Array(days * 24);
  const t: HourlyTotals = {
    firstDate,
    days,
    spend: mk(),
    clicks: mk(),
    orders: mk(),
    sales: mk(),
    cappedAt: new Float64Array(days).fill(NaN),
  };
  // the hours of the last day after the end of the history are unknown, not zero
  const lastLocalHour = Number(localIso(lastHour, lastOffset).slice(11, 13));
  for (let hr = lastLocalHour + 1; hr < 24; hr++) {
    const i = (days - 1) * 24 + hr;
    t.spend[i] = t.clicks[i] = t.orders[i] = t.sales[i] = NaN;
  }
  for (const x of list) {
    const i = dayIndex(x.date) * 24 + x.localHour;
    t.spend[i] += x.costMinor;
    t.clicks[i] += x.clicks;
    for (const order of x.orders) {
      if (order.window > window) continue;
      t.orders[i] += 1;
      t.sales[i] += order.salesMinor;
    }
    if (x.cappedAt !== null) t.cappedAt[dayIndex(x.date)] = x.cappedAt;
  }
  return t;
}
