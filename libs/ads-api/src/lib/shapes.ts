/**
 * The documented shapes of Amazon's answers, as checks (see validate.ts) and the types they produce. Ids are
 * strings whatever Amazon sends. Only fields the client knows are kept; nested structures it does not read
 * (bidding, tags, extended data) pass through as they are.
 */
import { arrayOf, bool, id, int64Id, json, nonEmptyStr, num, object, oneOf, optional, str } from './validate';
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

// ---- Sponsored Brands ad groups (v4), keywords and targets (v3) ----------------------------------------------

export const sbAdGroupCheck = object({
  adGroupId: id,
  campaignId: id,
  name: str,
  state: oneOf(SP_STATES),
  extendedData: optional(json),
});
export type SbAdGroup = ReturnType<typeof sbAdGroupCheck>;
export const sbAdGroupPageCheck = object({ adGroups: arrayOf(sbAdGroupCheck), ...paging });

/**
 * States of the v3-style lists (SB keywords and targets, SD ad groups and targets): lowercase. SB v3 adds
 * `pending` (moderation, up to 72 h) and `draft`; SD documents only the first three, and the others are accepted
 * there too rather than failing a whole sync over a state Amazon may add.
 */
export const V3_STATES = ['enabled', 'paused', 'archived', 'pending', 'draft'] as const;
export type V3State = (typeof V3_STATES)[number];

export const SB_MATCH_TYPES = ['broad', 'exact', 'phrase'] as const;

/** `GET /sb/keywords` (v3): a bare array, int64 number ids. */
export const sbKeywordCheck = object({
  keywordId: int64Id,
  adGroupId: int64Id,
  campaignId: int64Id,
  keywordText: str,
  nativeLanguageKeyword: optional(str),
  nativeLanguageLocale: optional(str),
  matchType: oneOf(SB_MATCH_TYPES),
  state: oneOf(V3_STATES),
  /** absent when the keyword has no bid of its own */
  bid: optional(num),
});
export type SbKeyword = ReturnType<typeof sbKeywordCheck>;
export const sbKeywordListCheck = arrayOf(sbKeywordCheck);

const expressionPredicate = object({ type: nonEmptyStr, value: optional(json) });

/** `POST /sb/targets/list` (v3): `{targets, nextToken?}`, int64 number ids. */
export const sbTargetCheck = object({
  targetId: int64Id,
  adGroupId: int64Id,
  campaignId: int64Id,
  expressions: arrayOf(expressionPredicate),
  resolvedExpressions: optional(json),
  state: oneOf(V3_STATES),
  bid: optional(num),
});
export type SbTarget = ReturnType<typeof sbTargetCheck>;
export const sbTargetPageCheck = object({ targets: arrayOf(sbTargetCheck), nextToken: optional(str) });

// ---- Sponsored Display ad groups and targets (bare arrays, int64 number ids) -----------------------------------

export const sdAdGroupCheck = object({
  adGroupId: int64Id,
  campaignId: int64Id,
  name: str,
  state: oneOf(V3_STATES),
  defaultBid: optional(num),
  bidOptimization: optional(str),
  tactic: optional(str),
  creativeType: optional(str),
});
export type SdAdGroup = ReturnType<typeof sdAdGroupCheck>;
export const sdAdGroupListCheck = arrayOf(sdAdGroupCheck);

/** An SD expression predicate: `{type, value?}`, where `value` may nest predicates (`views=(exactProduct lookback=30)`). */
export const sdTargetCheck = object({
  targetId: int64Id,
  adGroupId: int64Id,
  campaignId: int64Id,
  expressionType: optional(str),
  expression: arrayOf(expressionPredicate),
  resolvedExpression: optional(json),
  state: oneOf(V3_STATES),
  bid: optional(num),
});
export type SdTarget = ReturnType<typeof sdTargetCheck>;
export const sdTargetListCheck = arrayOf(sdTargetCheck);
