/**
 * What the emulator serves: the LwA client it accepts and, per profile, the entities of its account.
 * Ids are decimal strings here (the wire format decides whether they go out as JSON numbers or strings).
 *
 * The default seed mirrors the simulator's markets (tools/simulator: US Los Angeles, DE Berlin, JP Tokyo,
 * campaigns SP, SP, SB, SD, SP with keywords or targets); `seedFromScenario` takes the simulator's own
 * advertisers so the emulator's profiles and campaigns carry the same ids and names as the AMS traffic.
 */
export type SeedRegion = 'NA' | 'EU' | 'FE';
export type SeedAdProduct = 'sp' | 'sb' | 'sd';

export interface SeedCampaign {
  campaignId: string;
  adProduct: SeedAdProduct;
  name: string;
  /** SP/SB: ENABLED|PAUSED|ARCHIVED (SD is sent lowercase) */
  state: 'ENABLED' | 'PAUSED' | 'ARCHIVED';
  /** daily budget in the profile's currency */
  budget: number;
  portfolioId?: string;
  startDate: string;
  /** SP: Amazon's `budget.effectiveBudget` when a budget rule raises today's budget (listed only when set) */
  effectiveBudget?: number;
  /** SB/SD: Amazon's `ruleBasedBudget` when a budget rule is active (listed only when set) */
  ruleBasedBudget?: SeedRuleBasedBudget;
}

/** `ruleBasedBudget` of SB/SD campaigns (ADS-API §5.1); `applicableRuleId` may be incomplete at Amazon. */
export interface SeedRuleBasedBudget {
  value: number;
  applicableRuleId?: string;
  applicableRuleName?: string;
  isProcessing?: boolean;
}

export interface SeedAdGroup {
  adGroupId: string;
  campaignId: string;
  name: string;
  state: 'ENABLED' | 'PAUSED' | 'ARCHIVED';
  defaultBid: number;
}

export interface SeedKeyword {
  keywordId: string;
  adGroupId: string;
  campaignId: string;
  keywordText: string;
  matchType: 'EXACT' | 'PHRASE' | 'BROAD';
  state: 'ENABLED' | 'PAUSED' | 'ARCHIVED';
  bid: number;
}

export interface SeedTarget {
  targetId: string;
  adGroupId: string;
  campaignId: string;
  expression: string;
  state: 'ENABLED' | 'PAUSED' | 'ARCHIVED';
  bid: number;
}

export interface SeedProfile {
  /** int64, may exceed 2^53 */
  profileId: string;
  region: SeedRegion;
  countryCode: string;
  currencyCode: string;
  timezone: string;
  marketplaceStringId: string;
  /** accountInfo.id: the AMS advertiser_id */
  accountId: string;
  accountType: 'seller' | 'vendor' | 'agency';
  name: string;
  campaigns: SeedCampaign[];
  adGroups: SeedAdGroup[];
  keywords: SeedKeyword[];
  targets: SeedTarget[];
}

export interface EmulatorSeed {
  clientId: string;
  clientSecret: string;
  /** refresh tokens LwA accepts (revocable through the control) */
  refreshTokens: string[];
  profiles: SeedProfile[];
  /** subscriptions that exist before any request (e.g. the local queue the simulator delivers to), ACTIVE unless said */
  subscriptions?: SeedSubscription[];
}

export interface SeedSubscription {
  profileId: string;
  dataSetId: string;
  destinationArn: string;
  status?: 'ACTIVE' | 'PENDING_CONFIRMATION' | 'SUSPENDED' | 'FAILED_CONFIRMATION';
}

export const DEFAULT_CLIENT_ID = 'amzn1.application-oa2-client.emulator0000000000000000';
export const DEFAULT_CLIENT_SECRET = 'amzn1.oa2-cs.v1.emulator-secret-do-not-use-in-production';
export const DEFAULT_REFRESH_TOKEN = 'Atzr|IwEBIEmulatorRefreshToken0000000000000000000000';

interface MarketDef {
  region: SeedRegion;
  countryCode: string;
  currencyCode: string;
  timezone: string;
  marketplaceStringId: string;
  /** a bid of about one dollar in the currency */
  unit: number;
  products: Array<{ name: string; keywords: string[] }>;
}

/** The simulator's three markets (same marketplaces, currencies and time zones). */
export const SEED_MARKETS: readonly MarketDef[] = [
  {
    region: 'NA',
    countryCode: 'US',
    currencyCode: 'USD',
    timezone: 'America/Los_Angeles',
    marketplaceStringId: 'ATVPDKIKX0DER',
    unit: 1,
    products: [
      { name: 'Earbuds', keywords: ['wireless earbuds', 'bluetooth earbuds', 'noise cancelling earbuds'] },
      { name: 'Yoga Mat', keywords: ['yoga mat', 'non slip yoga mat', 'thick exercise mat'] },
    ],
  },
  {
    region: 'EU',
    countryCode: 'DE',
    currencyCode: 'EUR',
    timezone: 'Europe/Berlin',
    marketplaceStringId: 'A1PA6795UKMFR9',
    unit: 1,
    products: [
      { name: 'Kopfhörer', keywords: ['kabellose kopfhörer', 'bluetooth kopfhörer', 'in ear kopfhörer'] },
      { name: 'Trinkflasche', keywords: ['trinkflasche edelstahl', 'trinkflasche 1l', 'thermosflasche'] },
    ],
  },
  {
    region: 'FE',
    countryCode: 'JP',
    currencyCode: 'JPY',
    timezone: 'Asia/Tokyo',
    marketplaceStringId: 'A1VC38T7YXB528',
    unit: 150,
    products: [
      { name: 'イヤホン', keywords: ['ワイヤレスイヤホン', 'bluetooth イヤホン', 'ノイズキャンセリング イヤホン'] },
      { name: '水筒', keywords: ['水筒', 'ステンレスボトル', 'マグボトル'] },
    ],
  },
];

const MIX: readonly SeedAdProduct[] = ['sp', 'sp', 'sb', 'sd', 'sp'];
const MATCH: readonly SeedKeyword['matchType'][] = ['EXACT', 'PHRASE', 'BROAD'];

/** Profile ids of the default seed; the DE one exceeds 2^53 (9007199254740993), as real int64 ids can. */
export const DEFAULT_PROFILE_IDS = ['1111111111111111', '9007199254740993', '3333333333333333'] as const;

/**
 * Three advertisers (US, DE, JP), `campaigns` campaigns each (SP, SP, SB, SD, SP, …), two ad groups per
 * campaign, keywords for SP/SB, targets for SD, and product targets in the first SP and the first SB campaign. Deterministic: the same arguments give the same ids.
 */
export function defaultSeed(o: { campaigns?: number } = {}): EmulatorSeed {
  const perAdvertiser = o.campaigns ?? 5;
  const profiles = SEED_MARKETS.map((m, a): SeedProfile => {
    const profileId = DEFAULT_PROFILE_IDS[a];
    const base = BigInt(profileId) * 1000n;
    let next = 0n;
    const newId = () => String(base + ++next);
    const p: SeedProfile = {
      profileId,
      region: m.region,
      countryCode: m.countryCode,
      currencyCode: m.currencyCode,
      timezone: m.timezone,
      marketplaceStringId: m.marketplaceStringId,
      accountId: `ENTITY${(0xa1b2c3 + a * 0x111111).toString(16).toUpperCase().padStart(12, '0')}`,
      accountType: a === 1 ? 'vendor' : 'seller',
      name: `Emulated ${m.countryCode} advertiser`,
      campaigns: [],
      adGroups: [],
      keywords: [],
      targets: [],
    };
    for (let c = 0; c < perAdvertiser; c++) {
      const adProduct = MIX[c % MIX.length];
      const product = m.products[c % m.products.length];
      const campaignId = newId();
      p.campaigns.push({
        campaignId,
        adProduct,
        name: `${adProduct.toUpperCase()} - ${product.name} - ${adProduct === 'sd' ? 'Retargeting' : ['Exact', 'Broad', 'Auto'][c % 3]}`,
        state: c === 4 ? 'PAUSED' : 'ENABLED',
        budget: (20 + 10 * c) * m.unit,
        portfolioId: String(base + 999n),
        startDate: '2026-01-01',
      });
      for (let g = 0; g < 2; g++) {
        const adGroupId = newId();
        p.adGroups.push({
          adGroupId,
          campaignId,
          name: `${product.name} ${g + 1}`,
          state: 'ENABLED',
          defaultBid: 0.75 * m.unit,
        });
        if (adProduct === 'sd') {
          p.targets.push({
            targetId: newId(),
            adGroupId,
            campaignId,
            expression: `views=(exact-product lookback=30)`,
            state: 'ENABLED',
            bid: 0.9 * m.unit,
          });
          continue;
        }
        // the first SP campaign also has a product target per ad group (SP keywords and targets mix)
        if (adProduct === 'sp' && c === 0)
          p.targets.push({
            targetId: newId(),
            adGroupId,
            campaignId,
            expression: `B0EMU${a}${g}0000`,
            state: 'ENABLED',
            bid: 0.8 * m.unit,
          });
        // the first SB campaign also has a product target per ad group (what SB v3 /sb/targets/list serves)
        if (adProduct === 'sb' && c === 2)
          p.targets.push({
            targetId: newId(),
            adGroupId,
            campaignId,
            expression: `B0SBEMU${a}${g}0`,
            state: 'ENABLED',
            bid: 1.1 * m.unit,
          });
        product.keywords.forEach((text, k) => {
          p.keywords.push({
            keywordId: newId(),
            adGroupId,
            campaignId,
            keywordText: text,
            matchType: MATCH[(g + k) % 3],
            state: 'ENABLED',
            bid: (0.5 + 0.1 * k) * m.unit,
          });
        });
      }
    }
    return p;
  });
  return {
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: DEFAULT_CLIENT_SECRET,
    refreshTokens: [DEFAULT_REFRESH_TOKEN],
    profiles,
  };
}

/** The part of the simulator's `Advertiser` (tools/simulator market-scenario.ts) the emulator reads. */
export interface ScenarioAdvertiser {
  advertiserId: string;
  accountId: string;
  market: { country: string; marketplaceId: string; currency: string; timeZone: string; minorDigits: number };
  campaigns: Array<{
    campaignId: string;
    portfolioId: string;
    name: string;
    adProduct: SeedAdProduct;
    budgetMinor: number;
    budgetChange: { budgetMinor: number } | null;
    rows: Array<{ adGroupId: string; targetId: string; text: string; matchType: string | null }>;
  }>;
}

const COUNTRY_REGION: Record<string, SeedRegion> = {
  US: 'NA',
  CA: 'NA',
  MX: 'NA',
  BR: 'NA',
  JP: 'FE',
  AU: 'FE',
  SG: 'FE',
};

/**
 * The simulator's advertisers as emulator profiles: the same advertiser ids (accountInfo.id), marketplaces,
 * time zones, campaign ids, names and latest budgets, ad groups and keywords/targets. The profile id is the
 * advertiser's numeric `accountId`.
 */
export function seedFromScenario(
  advertisers: readonly ScenarioAdvertiser[],
  base: Partial<Pick<EmulatorSeed, 'clientId' | 'clientSecret' | 'refreshTokens'>> = {},
  /** every advertiser subscribed (ACTIVE) to these datasets at this queue: what the simulator plays AMS delivering */
  subscribed?: { destinationArn: string; dataSetIds: readonly string[] },
): EmulatorSeed {
  const profiles = advertisers.map((adv): SeedProfile => {
    const m = adv.market;
    const div = 10 ** m.minorDigits;
    const p: SeedProfile = {
      profileId: adv.accountId,
      region: COUNTRY_REGION[m.country] ?? 'EU',
      countryCode: m.country,
      currencyCode: m.currency,
      timezone: m.timeZone,
      marketplaceStringId: m.marketplaceId,
      accountId: adv.advertiserId,
      accountType: 'seller',
      name: `Simulated ${m.country} advertiser ${adv.advertiserId}`,
      campaigns: [],
      adGroups: [],
      keywords: [],
      targets: [],
    };
    for (const c of adv.campaigns) {
      p.campaigns.push({
        campaignId: c.campaignId,
        adProduct: c.adProduct,
        name: c.name,
        state: 'ENABLED',
        budget: (c.budgetChange?.budgetMinor ?? c.budgetMinor) / div,
        portfolioId: c.portfolioId,
        startDate: '2026-01-01',
      });
      const groups = new Map<string, number>();
      const seenTargets = new Set<string>();
      for (const r of c.rows) {
        if (!groups.has(r.adGroupId)) {
          groups.set(r.adGroupId, groups.size + 1);
          p.adGroups.push({
            adGroupId: r.adGroupId,
            campaignId: c.campaignId,
            name: `Ad group ${groups.size}`,
            state: 'ENABLED',
            defaultBid: 0.75,
          });
        }
        if (seenTargets.has(r.targetId)) continue;
        seenTargets.add(r.targetId);
        if (c.adProduct === 'sd') {
          p.targets.push({
            targetId: r.targetId,
            adGroupId: r.adGroupId,
            campaignId: c.campaignId,
            expression: r.text,
            state: 'ENABLED',
            bid: 0.9,
          });
        } else {
          const matchType = (['EXACT', 'PHRASE', 'BROAD'] as const).find((t) => t === r.matchType) ?? 'BROAD';
          p.keywords.push({
            keywordId: r.targetId,
            adGroupId: r.adGroupId,
            campaignId: c.campaignId,
            keywordText: r.text,
            matchType,
            state: 'ENABLED',
            bid: 0.6,
          });
        }
      }
    }
    return p;
  });
  return {
    clientId: base.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: base.clientSecret ?? DEFAULT_CLIENT_SECRET,
    refreshTokens: base.refreshTokens ?? [DEFAULT_REFRESH_TOKEN],
    profiles,
    ...(subscribed
      ? {
          subscriptions: profiles.flatMap((p) =>
            subscribed.dataSetIds.map((dataSetId) => ({
              profileId: p.profileId,
              dataSetId,
              destinationArn: subscribed.destinationArn,
            })),
          ),
        }
      : {}),
  };
}

/** One US profile with `count` SP keywords (one campaign, ad groups of 100): the bench's seed. */
export function keywordHeavySeed(count: number): EmulatorSeed {
  const seed = defaultSeed({ campaigns: 1 });
  const p = seed.profiles[0];
  p.keywords = [];
  p.adGroups = [];
  const campaignId = p.campaigns[0].campaignId;
  for (let i = 0; i < count; i++) {
    const adGroupId = String(8_000_000_000_000_000n + BigInt(Math.floor(i / 100)));
    if (i % 100 === 0)
      p.adGroups.push({ adGroupId, campaignId, name: `Bench group ${i / 100}`, state: 'ENABLED', defaultBid: 0.5 });
    p.keywords.push({
      keywordId: String(9_100_000_000_000_000n + BigInt(i)),
      adGroupId,
      campaignId,
      keywordText: `bench keyword ${i}`,
      matchType: MATCH[i % 3],
      state: 'ENABLED',
      bid: 0.4 + (i % 50) / 100,
    });
  }
  seed.profiles = [p];
  return seed;
}
