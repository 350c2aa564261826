/**
 * Hour-of-week profiles: for each local day of week, the share of the day's total expected at each local hour
 * (24 shares summing to 1). Learnt from the complete, uncapped days of the last `weeks` weeks:
 *
 * - a day with a missing hour is left out (it is not a zero day), so is a capped day (its later hours are
 *   censored) and a day without any volume (no shape to learn);
 * - per day of week and hour, a trimmed ratio of sums across the weeks: the day with the highest and the one
 *   with the lowest share at that hour are dropped (from 3 days on), so one promotion or restated day does not
 *   move the profile;
 * - shrunk by volume: the day-of-week shape towards the campaign's hour-of-day shape (all its days pooled, 10 %
 *   trimmed each side), and the campaign's towards its parent's (advertiser, then global, then flat) — a small
 *   campaign's 5 clicks a day say little about 168 shares;
 * - a young campaign (fewer than `minDays` complete days) takes its parent's profile.
 */
import { HOURS, type HourlySeries, type Metric, dayOfWeek, addDays } from './series';

export type ProfileSource = 'campaign' | 'advertiser' | 'global' | 'flat';
export type ProfileLevel = Exclude<ProfileSource, 'flat'>;

export interface Profile {
  /** index day of week (0 = Sunday) × 24 + local hour; each day of week's 24 shares sum to 1 */
  shares: Float64Array;
  /** whose data it is: a young campaign's profile is its advertiser's (or the global one) */
  source: ProfileSource;
  /** complete days it learnt from (its own) */
  days: number;
  /** counts behind it: clicks for spend and clicks, orders for orders and sales */
  volume: number;
}

export const FLAT_PROFILE: Profile = Object.freeze({
  shares: new Float64Array(7 * HOURS).fill(1 / HOURS),
  source: 'flat',
  days: 0,
  volume: 0,
}) as Profile;

export interface ProfileOptions {
  /** the profile uses days before this day index (the origin) */
  asOfDay: number;
  /** history weeks (FORECAST_HISTORY_WEEKS), default 4 */
  weeks?: number;
  /** below this many complete days the parent's profile is used (default 7) */
  minDays?: number;
  /** the advertiser's profile for a campaign, the global one for an advertiser; default flat */
  parent?: Profile;
  level?: ProfileLevel;
  /** counts of volume at which the day-of-week shape and the campaign's own shape weigh as much as their prior */
  dowPrior?: number;
  parentPrior?: number;
}

/** The count that measures how much a metric's shape can be trusted. */
export function volumeMetric(metric: Metric): Metric {
  return metric === 'spend' || metric === 'clicks' ? 'clicks' : 'orders';
}

interface DayRow {
  values: Float64Array;
  total: number;
  volume: number;
}

/** Trimmed ratio of sums at hour h: drop `trim` days of the highest and of the lowest share there. */
function trimmedShare(rows: readonly DayRow[], h: number, trim: number): number {
  if (trim === 0) {
    let v = 0;
    let t = 0;
    for (const r of rows) {
      v += r.values[h];
      t += r.total;
    }
    return t > 0 ? v / t : 0;
  }
  const order = rows.map((r, i) => [r.values[h] / r.total, i] as const).sort((a, b) => a[0] - b[0]);
  let v = 0;
  let t = 0;
  for (let j = trim; j < order.length - trim; j++) {
    const r = rows[order[j][1]];
    v += r.values[h];
    t += r.total;
  }
  return t > 0 ? v / t : 0;
}

export function buildProfile(series: HourlySeries, metric: Metric, o: ProfileOptions): Profile {
  const weeks = o.weeks ?? 4;
  const minDays = o.minDays ?? 7;
  const parent = o.parent ?? FLAT_PROFILE;
  const dowPrior = o.dowPrior ?? 150;
  const parentPrior = o.parentPrior ?? 150;
  const values = series[metric];
  const vol = series[volumeMetric(metric)];
  const byDow: DayRow[][] = [[], [], [], [], [], [], []];
  const all: DayRow[] = [];
  for (let d = Math.max(0, o.asOfDay - 7 * weeks); d < Math.min(o.asOfDay, series.days); d++) {
    if (series.cappedAt && !Number.isNaN(series.cappedAt[d])) continue;
    const row = values.subarray(d * HOURS, d * HOURS + HOURS);
    let total = 0;
    let volume = 0;
    let complete = true;
    for (let h = 0; h < HOURS; h++) {
      const x = row[h];
      if (Number.isNaN(x)) {
        complete = false;
        break;
      }
      total += Math.max(0, x);
      volume += Math.max(0, vol[d * HOURS + h] || 0);
    }
    if (!complete || total <= 0) continue;
    const r: DayRow = { values: row.map((x) => Math.max(0, x)), total, volume };
    byDow[dayOfWeek(addDays(series.firstDate, d))].push(r);
    all.push(r);
  }
  if (all.length < minDays) return { shares: parent.shares, source: parent.source, days: all.length, volume: 0 };
  const volume = all.reduce((s, r) => s + r.volume, 0);
  const hod = new Float64Array(HOURS);
  const trimAll = Math.floor(all.length * 0.1);
  for (let h = 0; h < HOURS; h++) hod[h] = trimmedShare(all, h, trimAll);
  const wParent = volume / (volume + parentPrior);
  const shares = new Float64Array(7 * HOURS);
  for (let d = 0; d < 7; d++) {
    const rows = byDow[d];
    const v = rows.reduce((s, r) => s + r.volume, 0);
    const wDow = rows.length ? v / (v + dowPrior) : 0;
    const trim = rows.length >= 3 ? 1 : 0;
    let sum = 0;
    for (let h = 0; h < HOURS; h++) {
      const own = wDow * (rows.length ? trimmedShare(rows, h, trim) : 0) + (1 - wDow) * hod[h];
      const x = wParent * own + (1 - wParent) * parent.shares[d * HOURS + h];
      shares[d * HOURS + h] = x;
      sum += x;
    }
    for (let h = 0; h < HOURS; h++) shares[d * HOURS + h] = sum > 0 ? shares[d * HOURS + h] / sum : 1 / HOURS;
  }
  return { shares, source: o.level ?? 'campaign', days: all.length, volume };
}

/** The mean of several profiles (e.g. the global profile from the advertisers' ones), renormalised per weekday. */
export function averageProfiles(list: readonly Profile[], source: ProfileSource = 'global'): Profile {
  if (list.length === 0) return FLAT_PROFILE;
  const shares = new Float64Array(7 * HOURS);
  for (const p of list) for (let i = 0; i < shares.length; i++) shares[i] += p.shares[i] / list.length;
  for (let d = 0; d < 7; d++) {
    let sum = 0;
    for (let h = 0; h < HOURS; h++) sum += shares[d * HOURS + h];
    for (let h = 0; h < HOURS; h++) shares[d * HOURS + h] = sum > 0 ? shares[d * HOURS + h] / sum : 1 / HOURS;
  }
  return {
    shares,
    source,
    days: list.reduce((s, p) => s + p.days, 0),
    volume: list.reduce((s, p) => s + p.volume, 0),
  };
}
