/**
 * Amazon Marketing Stream (v1) datasets, realms and the Amazon-owned SNS publisher accounts.
 * Source: RESEARCH.md §1.1, §1.6, §2.1 (official SQS CloudFormation template mappings).
 */

/** Hourly performance datasets ams-sentinel ingests. */
export const PERFORMANCE_DATASETS = [
  'sp-traffic',
  'sp-conversion',
  'sb-traffic',
  'sb-conversion',
  'sd-traffic',
  'sd-conversion',
] as const;

/** Campaign-management change-event datasets (camelCase bodies, `version` counter). */
export const ENTITY_DATASETS = ['campaigns', 'adgroups', 'ads', 'targets'] as const;

/**
 * Amazon's recommendations: sent only while Amazon has one (a campaign that keeps running out of budget), so a
 * silence is normal (the stale-data rule does not judge them).
 */
export const RECOMMENDATION_DATASETS = ['sp-budget-recommendations'] as const;

/** Every dataset ams-sentinel processes. Anything else is quarantined as `unknown-dataset`. */
export const SUPPORTED_DATASETS = [
  ...PERFORMANCE_DATASETS,
  'budget-usage',
  ...ENTITY_DATASETS,
  ...RECOMMENDATION_DATASETS,
] as const;

export type DatasetId = (typeof SUPPORTED_DATASETS)[number];
export type PerformanceDatasetId = (typeof PERFORMANCE_DATASETS)[number];
export type EntityDatasetId = (typeof ENTITY_DATASETS)[number];
export type RecommendationDatasetId = (typeof RECOMMENDATION_DATASETS)[number];

const SUPPORTED_SET: ReadonlySet<string> = new Set<string>(SUPPORTED_DATASETS);
const PERFORMANCE_SET: ReadonlySet<string> = new Set<string>(PERFORMANCE_DATASETS);
const ENTITY_SET: ReadonlySet<string> = new Set<string>(ENTITY_DATASETS);
const RECOMMENDATION_SET: ReadonlySet<string> = new Set<string>(RECOMMENDATION_DATASETS);

export function isSupportedDataset(x: unknown): x is DatasetId {
  return typeof x === 'string' && SUPPORTED_SET.has(x);
}

export function isPerformanceDataset(x: unknown): x is PerformanceDatasetId {
  return typeof x === 'string' && PERFORMANCE_SET.has(x);
}

export function isEntityDataset(x: unknown): x is EntityDatasetId {
  return typeof x === 'string' && ENTITY_SET.has(x);
}

export function isRecommendationDataset(x: unknown): x is RecommendationDatasetId {
  return typeof x === 'string' && RECOMMENDATION_SET.has(x);
}

/**
 * Datasets Amazon delivers steadily while the account runs (hourly performance, usage, entity changes): a silence
 * means a broken subscription. Not the recommendations, which come only while Amazon has one.
 */
export function isSteadyDataset(x: unknown): x is DatasetId {
  return isSupportedDataset(x) && !isRecommendationDataset(x);
}

export type Realm = 'NA' | 'EU' | 'FE';

export const REALMS: readonly Realm[] = ['NA', 'EU', 'FE'];

/** The only SQS/SNS region AMS delivers to for each realm (RESEARCH §1.1). */
export const REALM_REGION: Readonly<Record<Realm, string>> = Object.freeze({
  NA: 'us-east-1',
  EU: 'eu-west-1',
  FE: 'us-west-2',
});

/**
 * Amazon AWS account that owns the SNS topic of each dataset per realm (RESEARCH §1.6). Used to decide whether a
 * SubscriptionConfirmation really comes from Amazon Marketing Stream. Includes datasets we do not process.
 */
export const PUBLISHER_ACCOUNTS: Readonly<Record<string, Readonly<Record<Realm, string>>>> = Object.freeze({
  'sp-traffic': { NA: '906013806264', EU: '668473351658', FE: '074266271188' },
  'sp-conversion': {
    NA: '802324068763',
    EU: '562877083794',
    FE: '622939981599',
  },
  'budget-usage': {
    NA: '055588217351',
    EU: '675750596317',
    FE: '100899330244',
  },
  'sd-traffic': { NA: '370941301809', EU: '947153514089', FE: '310605068565' },
  'sd-conversion': {
    NA: '877712924581',
    EU: '664093967423',
    FE: '818973306977',
  },
  'sb-traffic': { NA: '709476672186', EU: '623198756881', FE: '485899199471' },
  'sb-conversion': {
    NA: '154357381721',
    EU: '195770945541',
    FE: '112347756703',
  },
  'sb-clickstream': {
    NA: '091028706140',
    EU: '219513501272',
    FE: '632322331982',
  },
  'sb-rich-media': {
    NA: '010312603579',
    EU: '662188760626',
    FE: '618223300352',
  },
  'sp-budget-recommendations': {
    NA: '678715897637',
    EU: '158915609581',
    FE: '007292432803',
  },
  'sponsored-ads-campaign-diagnostics-recommendations': {
    NA: '084590724871',
    EU: '059061853903',
    FE: '489995134625',
  },
  campaigns: { NA: '570159413969', EU: '834862128520', FE: '527383333093' },
  adgroups: { NA: '118846437111', EU: '130948361130', FE: '668585072850' },
  ads: { NA: '305370293182', EU: '648558082147', FE: '802070757281' },
  targets: { NA: '644124924521', EU: '503759481754', FE: '248074939493' },
  'adsp-campaigns': {
    NA: '153247821255',
    EU: '599052634802',
    FE: '216875695489',
  },
  'adsp-campaign-flights': {
    NA: '700228448367',
    EU: '633559263003',
    FE: '451213518288',
  },
  'adsp-adgroups': {
    NA: '222778752755',
    EU: '682324742468',
    FE: '360850786875',
  },
  'adsp-adgroup-targets': {
    NA: '419834811630',
    EU: '764057072099',
    FE: '178122609971',
  },
});

/** Dataset ids Amazon publishes (RESEARCH §2.1) that ams-sentinel deliberately does not process. */
export const KNOWN_UNSUPPORTED_DATASETS: ReadonlySet<string> = new Set([
  'sb-clickstream',
  'sb-rich-media',
  'sponsored-ads-campaign-diagnostics-recommendations',
  'adsp-traffic',
  'adsp-conversion',
  'adsp-clickstream',
  'adsp-rich-media',
  'adsp-campaigns',
  'adsp-campaign-flights',
  'adsp-adgroups',
  'adsp-adgroup-targets',
  'ads-campaign-management-campaigns',
  'ads-campaign-management-adgroups',
  'ads-campaign-management-ads',
  'ads-campaign-management-targets',
  'retail-sales-metrics',
]);

export interface PublisherMatch {
  dataset: string;
  realm: Realm;
  region: string;
  account: string;
}

const PUBLISHER_INDEX: ReadonlyMap<string, PublisherMatch> = (() => {
  const index = new Map<string, PublisherMatch>();
  for (const [dataset, byRealm] of Object.entries(PUBLISHER_ACCOUNTS)) {
    for (const realm of REALMS) {
      const account = byRealm[realm];
      index.set(`${REALM_REGION[realm]}:${account}`, {
        dataset,
        realm,
        region: REALM_REGION[realm],
        account,
      });
    }
  }
  return index;
})();

const SNS_TOPIC_ARN = /^arn:aws:sns:([a-z0-9-]{1,32}):(\d{12}):([A-Za-z0-9_-]{1,256})$/;

/**
 * Parses `arn:aws:sns:<region>:<account>:<name>`; returns the match only when the account is the Amazon publisher
 * account of some dataset for a realm whose region equals the ARN's region; else null.
 */
export function identifyPublisher(topicArn: string): PublisherMatch | null {
  if (typeof topicArn !== 'string' || topicArn.length > 400) return null;
  const m = SNS_TOPIC_ARN.exec(topicArn);
  if (!m) return null;
  const found = PUBLISHER_INDEX.get(`${m[1]}:${m[2]}`);
  return found ? { ...found } : null;
}

const SNS_HOST = /^sns\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com$/;

/**
 * true only for `https://sns.<region>.amazonaws.com/...` (default port, no credentials). When `region` is given the
 * host's region must equal it.
 */
export function isAmazonSnsUrl(url: string, region?: string): boolean {
  if (typeof url !== 'string' || url.length > 8192) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.port !== '' || parsed.username !== '' || parsed.password !== '') {
    return false;
  }
  const m = SNS_HOST.exec(parsed.hostname);
  if (!m) return false;
  return region === undefined || m[1] === region;
}
