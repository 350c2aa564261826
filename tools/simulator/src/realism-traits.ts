/**
 * A campaign's realism traits (ScenarioOptions.realism): its size class, day-of-week effects, trend, promotion
 * lift, noise and budget tightness — a function of the seed, the advertiser and the campaign's index only, from
 * generators of their own. What they do to the traffic: realism.ts.
 */
import { Rng } from './random';

export const SIZE_CLASSES = ['small', 'medium', 'large'] as const;
export type SizeClass = (typeof SIZE_CLASSES)[number];

export interface CampaignRealism {
  size: SizeClass;
  /** multiplies the default campaign's impressions (and with them its budget) */
  sizeFactor: number;
  /** traffic multiplier per local day of week (0 = Sunday), mean 1 */
  dow: number[];
  /** hours the weekend's daily rhythm runs late */
  weekendShift: number;
  /** the campaign's own tilt of the daily rhythm: × (1 + amp · sin(2π (hour − phase) / 24)) */
  tiltAmp: number;
  tiltPhase: number;
  /** log growth per day; the last simulated day is at the base level */
  trendPerDay: number;
  /** traffic multiplier on the advertiser's promotion days (1: does not take part) */
  promoLift: number;
  /** gamma shapes of the day effect and of the hour effect (variance 1 / shape) */
  dayShape: number;
  hourShape: number;
  /** zero inflation: chance an hour serves nothing, chance a whole day is dark */
  zeroHourP: number;
  darkDayP: number;
  /** daily budget / the usual day's spend */
  budgetFactor: number;
}

const logUniform = (rng: Rng, lo: number, hi: number) => Math.exp(rng.between(Math.log(lo), Math.log(hi)));

/** The advertiser's weekend effect and how late its weekend starts (the same for all its campaigns). */
function advertiserTraits(seed: number, advertiser: number): { weekend: number; weekendShift: number } {
  const rng = Rng.of(seed, 'realism-advertiser', advertiser);
  return { weekend: rng.between(-0.25, 0.2), weekendShift: rng.int(1, 2) };
}

/** A campaign's realism traits: a function of the seed, the advertiser and the campaign's index only. */
export function campaignRealism(seed: number, advertiser: number, campaign: number): CampaignRealism {
  const { weekend, weekendShift } = advertiserTraits(seed, advertiser);
  const rng = Rng.of(seed, 'realism-campaign', advertiser, campaign);
  const u = rng.next();
  const size: SizeClass = u < 0.4 ? 'small' : u < 0.75 ? 'medium' : 'large';
  const sizeFactor =
    size === 'small'
      ? logUniform(rng, 0.003, 0.015)
      : size === 'medium'
        ? logUniform(rng, 0.02, 0.15)
        : logUniform(rng, 0.25, 1.5);
  // Sunday and Saturday carry the weekend effect, Friday half of it; each campaign ±5 % around its advertiser
  const raw = [1 + weekend, 1, 1, 1, 1, 1 + weekend / 2, 1 + weekend].map((x) => x * (1 + 0.05 * rng.normal()));
  const mean = raw.reduce((s, x) => s + x, 0) / 7;
  return {
    size,
    sizeFactor,
    dow: raw.map((x) => x / mean),
    weekendShift,
    tiltAmp: rng.between(0, 0.25),
    tiltPhase: rng.between(0, 24),
    trendPerDay: rng.between(-0.006, 0.01),
    promoLift: rng.chance(0.7) ? rng.between(1.5, 3) : 1,
    dayShape: size === 'small' ? 12 : 25,
    hourShape: size === 'small' ? 4 : size === 'medium' ? 8 : 12,
    zeroHourP: size === 'small' ? 0.15 : size === 'medium' ? 0.03 : 0,
    darkDayP: size === 'small' ? 0.06 : size === 'medium' ? 0.01 : 0,
    budgetFactor: rng.chance(0.3) ? rng.between(0.85, 1.3) : rng.between(1.5, 2.6),
  };
}
