import { createHash } from 'node:crypto';

/** A campaign: the unit of locking. Every rollup row belongs to exactly one campaign. */
export interface CampaignKey {
  advertiserId: string;
  campaignId: string;
}

/** One campaign × UTC hour (a campaign_hourly row). */
export interface HourKey extends CampaignKey {
  /** ISO-8601 UTC, normalised (`2025-03-09T10:00:00.000Z`). */
  hourStart: string;
}

/** One campaign × advertiser-local day: all its campaign/ad-group/keyword daily rows. */
export interface DayScope extends CampaignKey {
  /** 'YYYY-MM-DD' */
  localDate: string;
}

/** What a perf.hourly.updated.v1 event names for each key (the contract's TouchedHourV1). */
export interface TouchedHour extends CampaignKey {
  hourStart: string;
  utcOffsetMinutes: number;
}

/**
 * Work done in one transaction: the campaigns it locks (sorted lock keys), the campaign-hour rows to
 * recompute (explicit hours, or every hour of the day scopes) and the daily scopes to recompute.
 */
export interface RecomputeChunk {
  /** distinct campaigns of the chunk */
  campaigns: number;
  lockKeys: number[];
  hours: HourKey[] | 'whole-days';
  days: DayScope[];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The advertiser-local day of an hour: the date of (hour start + that hour's UTC offset). */
export function localDateOf(hourStartUtc: string | Date, utcOffsetMinutes: number): string {
  const t = typeof hourStartUtc === 'string' ? Date.parse(hourStartUtc) : hourStartUtc.getTime();
  return new Date(t + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/**
 * Advisory-lock key of a campaign (second half of `pg_advisory_xact_lock(namespace, key)`): the first
 * 32 bits of SHA-1 over (advertiser, campaign). Two campaigns sharing a key only serialise each other.
 */
export function campaignLockKey(advertiserId: string, campaignId: string): number {
  return createHash('sha1').update(advertiserId).update('\u0000').update(campaignId).digest().readInt32BE(0);
}

function campaignId(k: CampaignKey): string {
  return `${k.advertiserId}\u0000${k.campaignId}`;
}

function compareCampaigns(a: CampaignKey, b: CampaignKey): number {
  return a.advertiserId < b.advertiserId
    ? -1
    : a.advertiserId > b.advertiserId
      ? 1
      : a.campaignId < b.campaignId
        ? -1
        : a.campaignId > b.campaignId
          ? 1
          : 0;
}

/** What one campaign's recompute covers. */
interface CampaignWork {
  key: CampaignKey;
  hours: Map<string, HourKey>;
  days: Map<string, DayScope>;
}

function workOf(byCampaign: Map<string, CampaignWork>, k: CampaignKey): CampaignWork {
  const id = campaignId(k);
  let entry = byCampaign.get(id);
  if (!entry) {
    entry = { key: { advertiserId: k.advertiserId, campaignId: k.campaignId }, hours: new Map(), days: new Map() };
    byCampaign.set(id, entry);
  }
  return entry;
}

/** Chunks of at most `campaignsPerChunk` campaigns, in (advertiser, campaign) order, hours and days sorted. */
function chunked(
  byCampaign: Map<string, CampaignWork>,
  campaignsPerChunk: number,
  wholeDays: boolean,
): RecomputeChunk[] {
  const campaigns = [...byCampaign.values()].sort((a, b) => compareCampaigns(a.key, b.key));
  const chunks: RecomputeChunk[] = [];
  for (let i = 0; i < campaigns.length; i += campaignsPerChunk) {
    const part = campaigns.slice(i, i + campaignsPerChunk);
    chunks.push({
      campaigns: part.length,
      lockKeys: lockKeysOf(part.map((c) => c.key)),
      hours: wholeDays
        ? 'whole-days'
        : part.flatMap((c) => [...c.hours.values()].sort((a, b) => a.hourStart.localeCompare(b.hourStart))),
      days: part.flatMap((c) => [...c.days.values()].sort((a, b) => a.localDate.localeCompare(b.localDate))),
    });
  }
  return chunks;
}

/**
 * Merges the touched keys of a batch of events: each campaign-hour once, each campaign-day once (the day
 * of the hour in the offset the event gives), grouped into chunks of at most `campaignsPerChunk` campaigns,
 * in (advertiser, campaign) order. Duplicated events collapse here; the recompute makes replays harmless.
 */
export function planFromTouched(
  touched: Iterable<TouchedHour>,
  campaignsPerChunk: number,
  horizon?: RecomputeHorizon,
): RecomputeChunk[] {
  const byCampaign = new Map<string, CampaignWork>();
  for (const t of touched) {
    const hourStart = new Date(t.hourStart).toISOString();
    if (horizon && hourStart < horizon.firstHour) continue;
    const entry = workOf(byCampaign, t);
    entry.hours.set(hourStart, { advertiserId: t.advertiserId, campaignId: t.campaignId, hourStart });
    const localDate = localDateOf(hourStart, t.utcOffsetMinutes);
    if (horizon && localDate < horizon.firstDay) continue;
    entry.days.set(localDate, { advertiserId: t.advertiserId, campaignId: t.campaignId, localDate });
  }
  return chunked(byCampaign, campaignsPerChunk, false);
}

/**
 * What may be recomputed from the facts (their retention, see @ams/db retention.ts): campaign-hours from `firstHour`
 * (the fact horizon, ISO) on, local days from `firstDay` on (every hour of such a day is at or after the horizon).
 * Older hours and days keep the rollups they have: their facts may be dropped, and a recompute would empty them.
 */
export interface RecomputeHorizon {
  firstHour: string;
  firstDay: string;
}

/** A sweep slice: every campaign-hour and daily row of `localDate` for the given campaigns, in chunks. */
export function planForDay(
  localDate: string,
  campaigns: CampaignKey[],
  campaignsPerChunk: number,
  horizon?: RecomputeHorizon,
): RecomputeChunk[] {
  return planForScopes(
    campaigns.map((c) => ({ advertiserId: c.advertiserId, campaignId: c.campaignId, localDate })),
    campaignsPerChunk,
    horizon,
  );
}

/** Whole campaign-days (every campaign-hour and daily row of each), in chunks of campaigns, in campaign order. */
export function planForScopes(
  scopes: DayScope[],
  campaignsPerChunk: number,
  horizon?: RecomputeHorizon,
): RecomputeChunk[] {
  const byCampaign = new Map<string, CampaignWork>();
  for (const d of scopes) {
    if (horizon && d.localDate < horizon.firstDay) continue;
    workOf(byCampaign, d).days.set(d.localDate, {
      advertiserId: d.advertiserId,
      campaignId: d.campaignId,
      localDate: d.localDate,
    });
  }
  return chunked(byCampaign, campaignsPerChunk, true);
}

/** Sorted, distinct: every transaction takes its locks in the same global order, so none can deadlock. */
function lockKeysOf(campaigns: CampaignKey[]): number[] {
  return [...new Set(campaigns.map((c) => campaignLockKey(c.advertiserId, c.campaignId)))].sort((a, b) => a - b);
}

export type SweepKind = 'traffic' | 'conversion';

/**
 * The advertiser-local days a sweep recomputes, newest first. Local dates of instants in [from, now] lie
 * within [UTC date of from − 1, UTC date of now + 1] for every offset in ±14 h, so that range covers
 * every advertiser.
 */
export function sweepDays(
  kind: SweepKind,
  now: Date,
  window: { trafficHours: number; conversionDays: number },
): string[] {
  const from =
    kind === 'traffic' ? now.getTime() - window.trafficHours * HOUR_MS : now.getTime() - window.conversionDays * DAY_MS;
  const first = Date.parse(new Date(from).toISOString().slice(0, 10)) - DAY_MS;
  const last = Date.parse(now.toISOString().slice(0, 10)) + DAY_MS;
  const days: string[] = [];
  for (let d = last; d >= first; d -= DAY_MS) days.push(new Date(d).toISOString().slice(0, 10));
  return days;
}
