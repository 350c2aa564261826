/**
 * What the apps need around the model: fitting an advertiser's campaigns with the campaign → advertiser → global
 * fallback, the advertiser-local clock of an instant, local times as ISO-8601 with the advertiser's offset, and a
 * small bounded LRU for fits kept per campaign and local day.
 */
import { averageProfiles } from './profile';
import { fitCampaign, fitProfiles, type CampaignModel, type ProfileSet } from './model';
import {
  HOURS,
  METRICS,
  addDays,
  daysBetween,
  seriesFromRows,
  sumSeries,
  type HourlyRow,
  type HourlySeries,
} from './series';

export interface AdvertiserFit {
  /** the advertiser's profiles (the parent of its campaigns) */
  profiles: ProfileSet;
  /** one model per campaign, fitted on the days before `asOfDay` */
  models: Map<string, CampaignModel>;
}

/**
 * Fits every campaign of one advertiser on the days before `asOfDay`: the advertiser's profiles from the sum of its
 * campaigns (parent: `global`, else flat), then each campaign with the advertiser's as its parent. Only the campaigns
 * in `fit` are fitted (all by default); every series counts towards the advertiser's profile.
 */
export function fitAdvertiser(
  series: ReadonlyMap<string, HourlySeries>,
  o: { asOfDay: number; weeks?: number; global?: ProfileSet; fit?: Iterable<string> },
): AdvertiserFit {
  const list = [...series.values()];
  if (list.length === 0) throw new Error('fitAdvertiser needs at least one campaign series');
  const profiles = fitProfiles(sumSeries(list), {
    asOfDay: o.asOfDay,
    weeks: o.weeks,
    parent: o.global,
    level: 'advertiser',
  });
  const models = new Map<string, CampaignModel>();
  for (const id of o.fit ?? series.keys()) {
    const s = series.get(id);
    if (s) models.set(id, fitCampaign(s, { asOfDay: o.asOfDay, weeks: o.weeks, parent: profiles }));
  }
  return { profiles, models };
}

/** The global profiles: the average of the advertisers' (each advertiser weighs the same). */
export function globalProfiles(advertisers: readonly ProfileSet[]): ProfileSet | undefined {
  if (advertisers.length === 0) return undefined;
  const out = {} as ProfileSet;
  for (const m of METRICS) out[m] = averageProfiles(advertisers.map((p) => p[m]));
  return out;
}

/** The advertiser-local date and time of day (fractional hours, 10.5 = 10:30) of an instant, at a UTC offset. */
export function localClock(instantMs: number, utcOffsetMinutes: number): { date: string; hour: number } {
  const local = new Date(instantMs + utcOffsetMinutes * 60_000);
  const date = local.toISOString().slice(0, 10);
  const hour = (local.getTime() - Date.parse(`${date}T00:00:00Z`)) / 3_600_000;
  return { date, hour };
}

/** A local date and time of day (fractional hours, 24 = the next midnight) as ISO-8601 with the offset, to the minute. */
export function localIso(date: string, hour: number, utcOffsetMinutes: number): string {
  const minutes = Math.round(hour * 60);
  const day = addDays(date, Math.floor(minutes / (HOURS * 60)));
  const m = minutes % (HOURS * 60);
  const hh = String(Math.floor(m / 60)).padStart(2, '0');
  const mm = String(m % 60).padStart(2, '0');
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(utcOffsetMinutes);
  const oh = String(Math.floor(abs / 60)).padStart(2, '0');
  const om = String(abs % 60).padStart(2, '0');
  return `${day}T${hh}:${mm}:00${sign}${oh}:${om}`;
}

/** A local time of day (fractional hours) as `HH:MM` (24:00 = the end of the day). */
export function clockText(hour: number): string {
  const minutes = Math.round(hour * 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A bounded least-recently-used map (fits per campaign and local day: a day's key is never read the next day). */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  hits = 0;
  misses = 0;

  constructor(readonly maxEntries: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }
}

/** One campaign-hour as `forecastHistorySql` (libs/db) reads it: numbers as text. */
export interface CampaignHourRow {
  campaign_id: string;
  local_date: string;
  hour: number;
  spend: string;
  clicks: string;
  orders: string;
  sales: string;
  /** the hour's impressions (for the CTR band; absent from older readers) */
  impressions?: string;
}

/**
 * Rows of many campaigns → one series per campaign from `firstDate` for `days` days; hours before `zeroFillBefore`
 * without a row are zeros (the facts leave out hours without traffic), later ones missing. With `sinceFirstRow`
 * (fits on history) the zeros start at the local midnight of each campaign's first row: the days before a campaign's
 * first fact are missing, not zero days (a campaign a week old is not a campaign that sold nothing for three weeks,
 * which would drag its level down).
 */
export function seriesByCampaign(
  rows: readonly CampaignHourRow[],
  firstDate: string,
  days: number,
  zeroFillBefore?: { date: string; hour: number },
  o: { sinceFirstRow?: boolean } = {},
): Map<string, HourlySeries> {
  const by = new Map<string, HourlyRow[]>();
  for (const r of rows) {
    let list = by.get(r.campaign_id);
    if (!list) by.set(r.campaign_id, (list = []));
    list.push({
      date: r.local_date,
      hour: Number(r.hour),
      spend: r.spend,
      clicks: Number(r.clicks),
      orders: Number(r.orders),
      sales: r.sales,
    });
  }
  const out = new Map<string, HourlySeries>();
  for (const [id, list] of by) {
    const s = seriesFromRows(list, firstDate, days, zeroFillBefore);
    if (o.sinceFirstRow && zeroFillBefore) {
      const firstRowDate = list.reduce((m, r) => (r.date < m ? r.date : m), list[0].date);
      const before = Math.min(days, Math.max(0, daysBetween(firstDate, firstRowDate))) * HOURS;
      for (const m of METRICS) s[m].fill(NaN, 0, before);
    }
    out.set(id, s);
  }
  return out;
}
