/**
 * The documented shapes of Amazon's answers, as checks (see validate.ts) and the types they produce. Ids are
 * strings whatever Amazon sends. Only fields the client knows are kept; nested structures it does not read
 * (bidding, tags, extended data) pass through as they are.
 */
import { arrayOf, bool, id, json, nonEmptyStr, num, object, oneOf, optional, str } from './validate';
import { STREAM_SUBSCRIPTION_STATUSES } from '@ams/ams';

// ---- profiles (GET /v2/profiles) -------------------------------------------------------------------------

export const ACCOUNT_TYPES = ['seller', 'vendor', 'agency'] as const;

const accountInfo = object({
  marketplaceStringId: nonEmptyStr,
  id: id,
  type: oneOf(ACCOUNT_TYPES),
  name: str,
  subType: optional(str),
  validPaymentMethod: optional(bool),
});

export const profileCheck = object({
  profileId: id,
  countryCode: nonEmptyStr,
  currencyCode: nonEmptyStr,
  dailyBudget: optional(num),
  /** IANA time zone, e.g. `America/Los_Angeles` */
  timezone: nonEmptyStr,
  accountInfo,
});
export type AdsProfile = ReturnType<typeof profileCheck>;
export const profilesCheck = arrayOf(profileCheck);

// ---- Marketing Stream subscriptions v1 (/streams/subscriptions) ------------------------------------------

export { STREAM_SUBSCRIPTION_STATUSES, type StreamSubscriptionStatus } from '@ams/ams';

const destinationCheck = object({
  sqsDestination: optional(object({ queueArn: nonEmptyStr })),
  firehoseDestination: optional(
    object({ deliveryStreamArn: nonEmptyStr, subscriberRoleArn: optional(str), subscriptionRoleArn: optional(str) }),
  ),
});

export const streamSubscriptionCheck = object({
  subscriptionId: nonEmptyStr,
  dataSetId: nonEmptyStr,
  status: oneOf(STREAM_SUBSCRIPTION_STATUSES),
  createdDate: optional(str),
  updatedDate: optional(str),
  destinationArn: optional(str),
  destination: optional(destinationCheck),
  notes: optional(str),
  clientRequestToken: optional(str),
});
export type StreamSubscription = ReturnType<typeof streamSubscriptionCheck>;
export type StreamDestination = ReturnType<typeof destinationCheck>;

export const createSubscriptionAnswerCheck = object({ subscriptionId: nonEmptyStr, clientRequestToken: optional(str) });
export const listSubscriptionsAnswerCheck = object({
  subscriptions: arrayOf(streamSubscriptionCheck),
  nextToken: optional(str),
});
export const getSubscriptionAnswerCheck = object({ subscription: streamSubscriptionCheck });

// ---- Sponsored Products v3 -------------------------------------------------------------------------------

export const SP_STATES = ['ENABLED', 'PAUSED', 'ARCHIVED', 'ENABLING', 'USER_DELETED', 'PROPOSED', 'OTHER'] as const;

export const spCampaignCheck = object({
  campaignId: id,
  name: str,
  state: oneOf(SP_STATES),
  targetingType: optional(str),
  startDate: optional(str),
  endDate: optional(str),
  budget: object({ budget: num, budgetType: nonEmptyStr, effectiveBudget: optional(num) }),
  portfolioId: optional(id),
  dynamicBidding: optional(json),
  tags: optional(json),
  extendedData: optional(json),
});
export type SpCampaign = ReturnType<typeof spCampaignCheck>;

export const spAdGroupCheck = object({
  adGroupId: id,
  campaignId: id,
  name: str,
  state: oneOf(SP_STATES),
  defaultBid: num,
  extendedData: optional(json),
});
export type SpAdGroup = ReturnType<typeof spAdGroupCheck>;

export const spKeywordCheck = object({
  keywordId: id,
  adGroupId: id,
  campaignId: id,
  keywordText: str,
  matchType: nonEmptyStr,
  state: oneOf(SP_STATES),
  /** absent when the keyword uses its ad group's default bid */
  bid: optional(num),
  nativeLanguageKeyword: optional(str),
  nativeLanguageLocale: optional(str),
  extendedData: optional(json),
});
export type SpKeyword = ReturnType<typeof spKeywordCheck>;

export const spTargetCheck = object({
  targetId: id,
  adGroupId: id,
  campaignId: id,
  expression: arrayOf(object({ type: nonEmptyStr, value: optional(json) })),
  resolvedExpression: optional(json),
  expressionType: nonEmptyStr,
  state: oneOf(SP_STATES),
  bid: optional(num),
  extendedData: optional(json),
});
export type SpTarget = ReturnType<typeof spTargetCheck>;

// a page of a v3 list: `{<entities>: […], nextToken?, totalResults?}`; loop until there is no nextToken
const paging = { nextToken: optional(str), totalResults: optional(num) };
export const spCampaignPageCheck = object({ campaigns: arrayOf(spCampaignCheck), ...paging });
export const spAdGroupPageCheck = object({ adGroups: arrayOf(spAdGroupCheck), ...paging });
export const spKeywordPageCheck = object({ keywords: arrayOf(spKeywordCheck), ...paging });
export const spTargetPageCheck = object({ targetingClauses: arrayOf(spTargetCheck), ...paging });

// ---- Sponsored Brands v4 campaigns -----------------------------------------------------------------------

export const sbCampaignCheck = object({
  campaignId: id,
  name: str,
  state: oneOf(SP_STATES),
  budget: num,
  budgetType: oneOf(['DAILY', 'LIFETIME'] as const),
  portfolioId: optional(id),
  startDate: optional(str),
  endDate: optional(str),
  brandEntityId: optional(str),
  bidding: optional(json),
  goal: optional(str),
  costType: optional(str),
  productLocation: optional(str),
  isMultiAdGroupsEnabled: optional(bool),
  tags: optional(json),
  ruleBasedBudget: optional(json),
  extendedData: optional(json),
});
export type SbCampaign = ReturnType<typeof sbCampaignCheck>;
export const sbCampaignPageCheck = object({ campaigns: arrayOf(sbCampaignCheck), ...paging });

// ---- Sponsored Display campaigns (GET /sd/campaigns, a bare array, int64 number ids) --------------------

export const SD_STATES = ['enabled', 'paused', 'archived'] as const;

export const sdCampaignCheck = object({
  campaignId: id,
  name: str,
  tactic: optional(str),
  state: oneOf(SD_STATES),
  budget: num,
  budgetType: nonEmptyStr,
  startDate: optional(str),
  endDate: optional(str),
  costType: optional(str),
  portfolioId: optional(id),
  deliveryProfile: optional(str),
  ruleBasedBudget: optional(json),
});
export type SdCampaign = ReturnType<typeof sdCampaignCheck>;
export const sdCampaignListCheck = arrayOf(sdCampaignCheck);
