/**
 * Content-Type/Accept per endpoint family. Amazon's spec and docs disagree for Marketing Stream (M): the
 * client sends the spec's type and, on 415/406, retries once with the fallback (`application/json`, which a
 * recorded real call accepted). Each can be overridden per client.
 */
export interface AdsMediaTypes {
  profiles: string;
  streamSubscriptions: string;
  streamSubscriptionsFallback: string | undefined;
  spCampaigns: string;
  spAdGroups: string;
  spKeywords: string;
  spTargets: string;
  sbCampaigns: string;
  sdCampaigns: string;
  sbAdGroups: string;
  sbKeywords: string;
  sbTargets: string;
  sdAdGroups: string;
  sdTargets: string;
  /** Accept of `PUT /sb/keywords` (its Content-Type is application/json) */
  sbKeywordUpdateResponse: string;
  /** Accept of `PUT /sb/targets` (its Content-Type is application/json) */
  sbTargetUpdateResponse: string;
}

export const DEFAULT_MEDIA_TYPES: AdsMediaTypes = {
  profiles: 'application/json',
  streamSubscriptions: 'application/vnd.amazonmarketingstreamsubscriptions.v1+json',
  streamSubscriptionsFallback: 'application/json',
  spCampaigns: 'application/vnd.spCampaign.v3+json',
  // not confirmed by a stored source (M): same pattern as the other SP v3 entities
  spAdGroups: 'application/vnd.spAdGroup.v3+json',
  spKeywords: 'application/vnd.spKeyword.v3+json',
  spTargets: 'application/vnd.spTargetingClause.v3+json',
  sbCampaigns: 'application/vnd.sbcampaignresource.v4+json',
  sdCampaigns: 'application/json',
  // the five below are Medium: ADS-API documents the SB/SD update calls, not these lists (overridable)
  sbAdGroups: 'application/vnd.sbadgroupresource.v4+json',
  sbKeywords: 'application/vnd.sbkeyword.v3.2+json',
  // a third-party tap sends application/vnd.sblisttargetsresponse.v3.2+json instead
  sbTargets: 'application/json',
  sdAdGroups: 'application/json',
  sdTargets: 'application/json',
  // SB v3 updates send application/json and accept the response type (ADS-API §3.2; a third-party client agrees)
  sbKeywordUpdateResponse: 'application/vnd.sbkeywordresponse.v3+json',
  sbTargetUpdateResponse: 'application/vnd.updatetargetsresponse.v3+json',
};
