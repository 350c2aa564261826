import { localClock, type CampaignHourRow } from './fit-set';
import { parseMoney } from './series';

/**
 * The local time of day a projection is as of: the usage's, or the end of the latest hour with facts today when that
 * is later, but never after the local time now (the current hour's facts are partial) on the usage's day.
 */
export function projectionHour(
  usage: { date: string; hour: number },
  todayRows: ReadonlyArray<Pick<CampaignHourRow, 'local_date' | 'hour'>>,
  now: { date: string; hour: number },
): number {
  let facts = 0;
  for (const r of todayRows) if (r.local_date === usage.date) facts = Math.max(facts, Number(r.hour) + 1);
  const cap = now.date === usage.date ? now.hour : now.date > usage.date ? 24 : usage.hour;
  return Math.max(usage.hour, Math.min(facts, cap));
}

/** Where a campaign's pacing projection starts: its local day, the hour it is as of and the spend so far. */
export interface PacingStart {
  /** the local date projected (the usage's, or today's) */
  localDate: string;
  /** local time of day the projection is as of, fractional hours */
  nowHour: number;
  /** `usage`: budget × usage % (or the hours' sum when larger); `facts`: the sum of today's hours of facts */
  source: 'usage' | 'facts';
  /** budget × usage % (6 decimals) when the source is the usage; undefined: the hours' sum (projectPacing's rule) */
  spentSoFar?: string;
}

/**
 * Where to project a campaign budget from, shared by the api's `GET /v1/forecasts/budgets` and the alerter's pacing
 * rule: a usage of the campaign's local today (or later: a clock behind the data) is the spend so far, as of the
 * later of its time and the end of the latest hour with facts (`projectionHour`); without one (Amazon reports
 * usage in 5 % steps, so at 02:20 a new day often has none yet), today's facts are, as of the end of their latest
 * hour (never after now). null: neither a usage nor facts of today.
 */
export function pacingStart(o: {
  now: number;
  utcOffsetMinutes: number;
  usage: { at: number; budget: string; percentage: string } | null;
  /** the campaign's hours of facts of its local today (rows of other dates are ignored) */
  todayRows: ReadonlyArray<Pick<CampaignHourRow, 'local_date' | 'hour'>>;
}): PacingStart | null {
  const now = localClock(o.now, o.utcOffsetMinutes);
  if (o.usage) {
    const usage = localClock(o.usage.at, o.utcOffsetMinutes);
    if (usage.date >= now.date) {
      const spent = (parseMoney(o.usage.budget) * Number(o.usage.percentage)) / 100;
      return {
        localDate: usage.date,
        nowHour: projectionHour(usage, o.todayRows, now),
        source: 'usage',
        spentSoFar: spent.toFixed(6),
      };
    }
  }
  let facts = 0;
  for (const r of o.todayRows) if (r.local_date === now.date) facts = Math.max(facts, Number(r.hour) + 1);
  if (facts === 0) return null;
  return { localDate: now.date, nowHour: Math.min(facts, now.hour), source: 'facts' };
}
