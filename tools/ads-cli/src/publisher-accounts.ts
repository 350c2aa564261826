/**
 * Amazon's publisher AWS accounts for Marketing Stream v1: each dataset × realm has its own account, owner of the
 * SNS topic that delivers to the advertiser's SQS queue. The queue policy must let SNS topics of exactly these
 * accounts send (`aws:SourceArn` = `arn:aws:sns:<region>:<account>:*`), and only confirmations from them are genuine.
 *
 * Source: Amazon's CloudFormation template `amazon_marketing_stream/Stream_SQS _CF_Template.yaml` (Mappings, realm →
 * dataset → account; file last changed 2023-10-24) in amzn/ads-advanced-tools-docs, and the CDK stack definitions of
 * amzn/amazon-marketing-stream-examples, as transcribed in the project's research notes (RESEARCH.md §1.5–1.6,
 * confidence High). Copied here as data: nothing reads those notes at build, test or run time.
 */
export const AMS_REALMS = ['NA', 'EU', 'FE'] as const;
export type AmsRealm = (typeof AMS_REALMS)[number];

/** The only AWS region a realm's queue may be in: Amazon refuses a subscription to a queue elsewhere (400). */
export const REALM_REGION: Readonly<Record<AmsRealm, string>> = {
  NA: 'us-east-1',
  EU: 'eu-west-1',
  FE: 'us-west-2',
};

/** Amazon's role that reads the queue's attributes to validate a new destination (CF template statement 2). */
export const STREAM_REVIEWER_ROLE_ARN = 'arn:aws:iam::926844853897:role/ReviewerRole';

/** dataset → [NA, EU, FE] publisher account. */
export const PUBLISHER_ACCOUNTS: Readonly<Record<string, Readonly<Record<AmsRealm, string>>>> = {
  'sp-traffic': { NA: '906013806264', EU: '668473351658', FE: '074266271188' },
  'sp-conversion': { NA: '802324068763', EU: '562877083794', FE: '622939981599' },
  'budget-usage': { NA: '055588217351', EU: '675750596317', FE: '100899330244' },
  'sd-traffic': { NA: '370941301809', EU: '947153514089', FE: '310605068565' },
  'sd-conversion': { NA: '877712924581', EU: '664093967423', FE: '818973306977' },
  'sb-traffic': { NA: '709476672186', EU: '623198756881', FE: '485899199471' },
  'sb-conversion': { NA: '154357381721', EU: '195770945541', FE: '112347756703' },
  'sb-clickstream': { NA: '091028706140', EU: '219513501272', FE: '632322331982' },
  'sb-rich-media': { NA: '010312603579', EU: '662188760626', FE: '618223300352' },
  'sp-budget-recommendations': { NA: '678715897637', EU: '158915609581', FE: '007292432803' },
  'sponsored-ads-campaign-diagnostics-recommendations': {
    NA: '084590724871',
    EU: '059061853903',
    FE: '489995134625',
  },
  campaigns: { NA: '570159413969', EU: '834862128520', FE: '527383333093' },
  adgroups: { NA: '118846437111', EU: '130948361130', FE: '668585072850' },
  ads: { NA: '305370293182', EU: '648558082147', FE: '802070757281' },
  targets: { NA: '644124924521', EU: '503759481754', FE: '248074939493' },
  'adsp-campaigns': { NA: '153247821255', EU: '599052634802', FE: '216875695489' },
  'adsp-campaign-flights': { NA: '700228448367', EU: '633559263003', FE: '451213518288' },
  'adsp-adgroups': { NA: '222778752755', EU: '682324742468', FE: '360850786875' },
  'adsp-adgroup-targets': { NA: '419834811630', EU: '764057072099', FE: '178122609971' },
};

export const KNOWN_DATASETS: readonly string[] = Object.keys(PUBLISHER_ACCOUNTS);

export function isKnownDataset(id: string): boolean {
  return Object.prototype.hasOwnProperty.call(PUBLISHER_ACCOUNTS, id);
}

/** The realm whose queues live in `region`, or null for any other region. */
export function realmOfRegion(region: string): AmsRealm | null {
  return AMS_REALMS.find((r) => REALM_REGION[r] === region) ?? null;
}
