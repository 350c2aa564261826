/**
 * Who advertises what: advertisers in the US, Germany and Japan (each with its marketplace, currency
 * and time zone), their campaigns (SP, SB, SD) with ad groups, ads, keywords or targets and the
 * placements they show in, and each campaign's economics (impressions, CTR, CPC, CVR, prices, daily
 * budget). All derived from the seed.
 */
import { Rng } from './random';
import { campaignRealism, type CampaignRealism } from './realism-traits';
import { localDate, localMidnightUtc, HOUR_MS, utcOffsetMinutes } from './time-zones';

export type AdProduct = 'sp' | 'sb' | 'sd';
export const ANOMALIES = ['ctr-collapse', 'spend-spike', 'out-of-budget'] as const;
export type AnomalyKind = (typeof ANOMALIES)[number];

export interface Market {
  country: 'US' | 'DE' | 'JP';
  marketplaceId: string;
  currency: string;
  timeZone: string;
  /** digits after the decimal point of the currency: cents for USD/EUR, none for JPY */
  minorDigits: 0 | 2;
  /** minor units worth about one US dollar */
  dollar: number;
  products: Array<{ name: string; keywords: string[] }>;
}

export const MARKETS: readonly Market[] = [
  {
    country: 'US',
    marketplaceId: 'ATVPDKIKX0DER',
    currency: 'USD',
    timeZone: 'America/Los_Angeles',
    minorDigits: 2,
    dollar: 100,
    products: [
      {
        name: 'Earbuds',
        keywords: ['wireless earbuds', 'bluetooth earbuds', 'noise cancelling earbuds', 'sport earphones'],
      },
      { name: 'Yoga Mat', keywords: ['yoga mat', 'non slip yoga mat', 'thick exercise mat', 'travel yoga mat'] },
      {
        name: 'Coffee Grinder',
        keywords: ['burr coffee grinder', 'electric coffee grinder', 'espresso grinder', 'manual coffee mill'],
      },
      { name: 'Desk Lamp', keywords: ['led desk lamp', 'dimmable desk lamp', 'desk lamp usb', 'architect lamp'] },
      {
        name: 'Water Bottle',
        keywords: ['insulated water bottle', 'stainless steel bottle', 'water bottle 32 oz', 'kids water bottle'],
      },
    ],
  },
  {
    country: 'DE',
    marketplaceId: 'A1PA6795UKMFR9',
    currency: 'EUR',
    timeZone: 'Europe/Berlin',
    minorDigits: 2,
    dollar: 92,
    products: [
      {
        name: 'Kopfhörer',
        keywords: ['kabellose kopfhörer', 'bluetooth kopfhörer', 'in ear kopfhörer', 'kopfhörer sport'],
      },
      {
        name: 'Trinkflasche',
        keywords: ['trinkflasche edelstahl', 'trinkflasche 1l', 'thermosflasche', 'trinkflasche kinder'],
      },
      { name: 'Küchenwaage', keywords: ['küchenwaage digital', 'küchenwaage', 'feinwaage', 'briefwaage'] },
      { name: 'Rucksack', keywords: ['rucksack damen', 'laptop rucksack', 'wanderrucksack', 'rucksack herren'] },
      {
        name: 'Luftentfeuchter',
        keywords: ['luftentfeuchter', 'raumentfeuchter', 'luftentfeuchter elektrisch', 'entfeuchter keller'],
      },
    ],
  },
  {
    country: 'JP',
    marketplaceId: 'A1VC38T7YXB528',
    currency: 'JPY',
    timeZone: 'Asia/Tokyo',
    minorDigits: 0,
    dollar: 150,
    products: [
      {
        name: 'イヤホン',
        keywords: ['ワイヤレスイヤホン', 'bluetooth イヤホン', 'ノイズキャンセリング イヤホン', 'スポーツ イヤホン'],
      },
      { name: '水筒', keywords: ['水筒', 'ステンレスボトル', '水筒 1リットル', 'マグボトル'] },
      {
        name: 'コーヒーミル',
        keywords: ['コーヒーミル', '電動コーヒーミル', '手挽き コーヒーミル', 'コーヒーグラインダー'],
      },
      { name: 'デスクライト', keywords: ['デスクライト', 'led デスクライト', '学習机 ライト', 'クランプライト'] },
      { name: 'ヨガマット', keywords: ['ヨガマット', 'ヨガマット 10mm', 'トレーニングマット', 'ピラティス マット'] },
    ],
  },
];

const SP_PLACEMENTS: ReadonlyArray<[string, number, number]> = [
  // placement, share of impressions, CTR multiplier
  ['Top of Search on-Amazon', 0.35, 1.8],
  ['Detail Page on-Amazon', 0.45, 0.7],
  ['Other on-Amazon', 0.2, 0.6],
];
const SB_PLACEMENTS: ReadonlyArray<[string, number, number]> = [
  ['Top of Search on-Amazon', 0.6, 1.4],
  ['Other on-Amazon', 0.4, 0.6],
];
const MATCH_TYPES = ['EXACT', 'PHRASE', 'BROAD'] as const;
const SD_TARGETS = [
  'views=(exact-product lookback=30)',
  'purchases=(related-product lookback=90)',
  'asin-category-same-as="{category}"',
  'audience=(in-market "{product}")',
];

/** Campaign mix over the campaigns of an advertiser: mostly Sponsored Products. */
const PRODUCT_MIX: readonly AdProduct[] = ['sp', 'sp', 'sb', 'sd', 'sp'];

/**
 * Share of a day's traffic by advertiser-local hour (1 = an average daytime hour): quiet nights,
 * a morning ramp, an evening peak.
 */
export const DAILY_RHYTHM: readonly number[] = [
  0.3, 0.22, 0.18, 0.16, 0.16, 0.2, 0.32, 0.5, 0.7, 0.85, 0.95, 1.0, 1.05, 1.05, 1.0, 1.0, 1.05, 1.15, 1.3, 1.45, 1.5,
  1.35, 0.95, 0.55,
];

export interface Row {
  /** one traffic row per hour: ad group × ad × keyword/target × placement */
  adGroupId: string;
  adId: string;
  /** sp/sb keyword_id, sd target_id */
  targetId: string;
  /** sp/sb keyword_text, sd targeting_text */
  text: string;
  /** sp match_type, sb keyword_type */
  matchType: string | null;
  /** sp placement, sb placement_type, sd none */
  placement: string | null;
  /** share of the campaign's impressions */
  share: number;
  ctr: number;
}

export interface Campaign {
  index: number;
  campaignId: string;
  portfolioId: string;
  name: string;
  adProduct: AdProduct;
  /** daily budget in minor units (version 1) */
  budgetMinor: number;
  /** a budget change (version 2) taking effect at the start of `fromDate` (advertiser-local) */
  budgetChange: { budgetMinor: number; fromDate: string } | null;
  /** impressions of the whole campaign in an hour of rhythm 1 */
  hourlyImpressions: number;
  cpcMinor: number;
  cvr: number;
  /** unit prices of the advertised products, minor units */
  pricesMinor: number[];
  rows: Row[];
  anomalies: AnomalyKind[];
  /** realism traits (size, weekdays, trend, promotions, noise, budget tightness); only with ScenarioOptions.realism */
  realism?: CampaignRealism;
}

export interface Advertiser {
  index: number;
  advertiserId: string;
  accountId: string;
  market: Market;
  /** UTC ms of the advertiser-local midnight the simulated history starts at */
  startMs: number;
  campaigns: Campaign[];
  /** advertiser-local day holding the injected anomalies, and the day they are compared with */
  anomalyDate: string;
}

export interface ScenarioOptions {
  seed: number;
  advertisers: number;
  campaigns: number;
  hours: number;
  /** UTC ms, hour-aligned, exclusive */
  endMs: number;
  anomalies: AnomalyKind[];
  /**
   * Realistic traffic (realism.ts): campaigns of mixed size, day-of-week effects, a trend, promotion days, zero
   * inflation, negative-binomial counts and budgets that cap. Off (absent) by default: the output is then byte for
   * byte the smooth default traffic.
   */
  realism?: boolean;
}

/** Clicks per impression over a campaign's rows, weighted by their share of its impressions. */
export function meanCtr(rows: readonly Row[]): number {
  return rows.reduce((sum, r) => sum + r.share * r.ctr, 0);
}

/** A campaign's daily budget (minor units) on an advertiser-local date: the changed one from its first day on. */
export function budgetOn(c: Campaign, date: string): number {
  return c.budgetChange && date >= c.budgetChange.fromDate ? c.budgetChange.budgetMinor : c.budgetMinor;
}

/** The campaign of advertiser 0 that carries each anomaly. */
export function anomalyTarget(kind: AnomalyKind, campaigns: number): number {
  return ANOMALIES.indexOf(kind) % campaigns;
}

/**
 * The day an anomaly is injected: the advertiser's last local day when at least 6 of its hours are
 * simulated (the alerter compares it with the same hours of the day before), else the day before that.
 */
export function anomalyDate(timeZone: string, endMs: number): string {
  const lastHour = endMs - HOUR_MS;
  const last = localDate(lastHour, utcOffsetMinutes(timeZone, lastHour));
  const hoursIntoLast = Math.round((endMs - localMidnightUtc(timeZone, last)) / HOUR_MS);
  if (hoursIntoLast >= 6) return last;
  return new Date(Date.parse(`${last}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

export function buildScenario(o: ScenarioOptions): Advertiser[] {
  const usedIds = new Set<string>();
  const uniqueId = (rng: Rng) => {
    for (;;) {
      const id = rng.numericId();
      if (!usedIds.has(id)) {
        usedIds.add(id);
        return id;
      }
    }
  };
  const advertisers: Advertiser[] = [];
  for (let a = 0; a < o.advertisers; a++) {
    const market = MARKETS[a % MARKETS.length];
    const rng = Rng.of(o.seed, 'advertiser', a);
    const advertiserId = `ENTITY${rng.hex(12).toUpperCase()}`;
    const accountId = String(rng.int(1_000_000, 9_999_999)) + String(rng.int(100_000_000, 999_999_999));
    // history starts at a local midnight, so every simulated day but the last is complete
    const from = o.endMs - o.hours * HOUR_MS;
    const startMs = localMidnightUtc(market.timeZone, localDate(from, utcOffsetMinutes(market.timeZone, from)));
    const portfolioId = uniqueId(rng);
    const campaigns: Campaign[] = [];
    for (let c = 0; c < o.campaigns; c++) {
      const crng = Rng.of(o.seed, 'campaign', a, c);
      const adProduct = PRODUCT_MIX[c % PRODUCT_MIX.length];
      const product = market.products[c % market.products.length];
      const campaignId = uniqueId(crng);
      const anomalies = a === 0 ? o.anomalies.filter((k) => anomalyTarget(k, o.campaigns) === c) : [];
      // economics: ACOS of 10-18 % at 11-15 % CVR keeps the default ACOS/ROAS rules (30 %, 2.0) quiet, even for
      // a settled day whose late conversions (about a quarter of its sales) have not arrived yet
      const cvr = crng.between(0.11, 0.15);
      const price = Math.round(crng.between(25, 60) * market.dollar);
      const pricesMinor = [price, Math.round(price * 0.8), Math.round(price * 1.3)].map((p) =>
        market.minorDigits === 0 ? Math.round(p / 10) * 10 : p - (p % 100) + 99,
      );
      const acos = crng.between(0.1, 0.18);
      const cpcMinor = Math.max(1, Math.round(acos * cvr * price));
      const realism = o.realism ? campaignRealism(o.seed, a, c) : undefined;
      const baseImpressions = crng.int(6_000, 12_000);
      const hourlyImpressions = realism
        ? Math.max(1, Math.round(baseImpressions * realism.sizeFactor))
        : baseImpressions;
      const rows = buildRows(crng, adProduct, product, uniqueId);
      const rhythmSum = DAILY_RHYTHM.reduce((s, x) => s + x, 0);
      const expectedDailySpend = hourlyImpressions * rhythmSum * meanCtr(rows) * cpcMinor;
      // normal days spend about half the budget; the spend-spike campaign has room for its spike
      const budgetFactor = anomalies.includes('spend-spike') ? 5 : crng.between(1.8, 2.4);
      const budgetMinor = roundBudget(
        expectedDailySpend * (realism && anomalies.length === 0 ? realism.budgetFactor : budgetFactor),
      );
      const days = Math.floor((o.endMs - startMs) / 86_400_000);
      const budgetChange =
        c % 3 === 1 && anomalies.length === 0 && days >= 1
          ? {
              budgetMinor: roundBudget(budgetMinor * 1.25),
              fromDate: addDay(localDate(startMs, utcOffsetMinutes(market.timeZone, startMs)), 1),
            }
          : null;
      campaigns.push({
        index: c,
        campaignId,
        portfolioId,
        name: `${adProduct.toUpperCase()} - ${product.name} - ${adProduct === 'sd' ? 'Retargeting' : crng.pick(['Exact', 'Broad', 'Auto', 'Brand Defense', 'Competitor'])}`,
        adProduct,
        budgetMinor,
        budgetChange,
        hourlyImpressions,
        cpcMinor,
        cvr,
        pricesMinor,
        rows,
        anomalies,
        ...(realism ? { realism } : {}),
      });
    }
    advertisers.push({
      index: a,
      advertiserId,
      accountId,
      market,
      startMs,
      campaigns,
      anomalyDate: anomalyDate(market.timeZone, o.endMs),
    });
  }
  return advertisers;
}

function addDay(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Budgets are round amounts: whole dollars or euros (100 minor units), hundreds of yen. */
function roundBudget(minor: number): number {
  return Math.max(100, Math.round(minor / 100) * 100);
}

function buildRows(
  rng: Rng,
  adProduct: AdProduct,
  product: { name: string; keywords: string[] },
  uniqueId: (r: Rng) => string,
): Row[] {
  const rows: Row[] = [];
  const adGroups = 2;
  for (let g = 0; g < adGroups; g++) {
    const adGroupId = uniqueId(rng);
    const adId = uniqueId(rng);
    const groupShare = g === 0 ? 0.6 : 0.4;
    if (adProduct === 'sd') {
      for (let t = 0; t < 2; t++) {
        const text = SD_TARGETS[(g * 2 + t) % SD_TARGETS.length]
          .replace('{product}', product.name)
          .replace('{category}', String(rng.int(1000, 9999)));
        rows.push({
          adGroupId,
          adId,
          targetId: uniqueId(rng),
          text,
          matchType: null,
          placement: null,
          share: groupShare * (t === 0 ? 0.55 : 0.45),
          ctr: rng.between(0.003, 0.006),
        });
      }
      continue;
    }
    const placements = adProduct === 'sp' ? SP_PLACEMENTS : SB_PLACEMENTS;
    const keywords = [0, 1, 2].map((k) => product.keywords[(g * 2 + k) % product.keywords.length]);
    const keywordShares = [0.5, 0.3, 0.2];
    keywords.forEach((text, k) => {
      const keywordId = uniqueId(rng);
      const matchType = MATCH_TYPES[(g + k) % MATCH_TYPES.length];
      const baseCtr = rng.between(0.004, 0.008);
      for (const [placement, share, ctrMul] of placements) {
        rows.push({
          adGroupId,
          adId,
          targetId: keywordId,
          text,
          matchType,
          placement,
          share: groupShare * keywordShares[k] * share,
          ctr: baseCtr * ctrMul,
        });
      }
    });
  }
  return rows;
}
