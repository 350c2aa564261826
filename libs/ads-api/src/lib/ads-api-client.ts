import { AdsHttpClient, AdsRequest } from './http-client';
import { AdsConnectionState, AdsConnectionStatus, LwaTokenProvider } from './token-provider';
import { AdsRegion, resolveEndpoints } from './regions';
import { AdsLogger, silentAdsLogger } from './logger';
import { BackoffPolicy } from './backoff';
import { AdsMediaTypes, DEFAULT_MEDIA_TYPES } from './media-types';
import { AdsApiError, AdsMalformedResponseError, AdsWriteInDoubtError } from './errors';
import { RawJsonNumber } from './lossless-json';
import { ChunkOutcome, WriteItemResult, itemArrayCheck, multiStatusCheck, sbTargetUpdateCheck } from './write-results';
import { isValidClientRequestToken } from './client-request-token';
import { Check } from './validate';
import {
  AdsProfile,
  SbAdGroup,
  SbCampaign,
  SbKeyword,
  SbTarget,
  SdAdGroup,
  SdCampaign,
  SdTarget,
  V3State,
  SpAdGroup,
  SpCampaign,
  SpKeyword,
  SpTarget,
  StreamDestination,
  sbAdGroupCheck,
  sbCampaignCheck,
  spAdGroupCheck,
  spCampaignCheck,
  spKeywordCheck,
  spTargetCheck,
  StreamSubscription,
  createSubscriptionAnswerCheck,
  getSubscriptionAnswerCheck,
  listSubscriptionsAnswerCheck,
  profilesCheck,
  sbAdGroupPageCheck,
  sbCampaignPageCheck,
  sbKeywordListCheck,
  sbTargetPageCheck,
  sdAdGroupListCheck,
  sdCampaignListCheck,
  sdTargetListCheck,
  spAdGroupPageCheck,
  spCampaignPageCheck,
  spKeywordPageCheck,
  spTargetPageCheck,
} from './shapes';

export interface AdsApiClientOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** which regional host serves the calls (default NA) */
  region?: AdsRegion;
  /** API base URL instead of the region's host (an emulator, a proxy) */
  apiEndpoint?: string;
  /** LwA token URL instead of the region's */
  lwaEndpoint?: string;
  logger?: AdsLogger;
  retry?: Partial<BackoffPolicy>;
  /** per-attempt timeout (default 30 000 ms) */
  requestTimeoutMs?: number;
  /** refresh an access token this long before it expires (default 60 000 ms) */
  refreshMarginMs?: number;
  lwaClientAuth?: 'body' | 'basic';
  /** unknown fields in answers: dropped with a warning (default) or a malformed-response error */
  unknownFields?: 'strip' | 'reject';
  mediaTypes?: Partial<AdsMediaTypes>;
  /**
   * default page sizes; undefined leaves Amazon's default (SP v3 "max page size"). `sb`: SB v4 lists (1–100);
   * `sbV3`: SB v3 keywords and targets (1–5000, default: `sb`'s); `sd`: SD lists.
   */
  pageSizes?: { sp?: number; sb?: number; sbV3?: number; sd?: number; subscriptions?: number };
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Internal: lets `forRegion` share one token provider between regional clients. */
interface SharedParts {
  tokens: LwaTokenProvider;
  secrets: { clientSecret: string; refreshToken: string };
}

export interface ProfileFilter {
  profileTypeFilter?: string;
  accessLevel?: 'edit' | 'view';
  apiProgram?: string;
  validPaymentMethodFilter?: boolean;
}

export interface CreateStreamSubscription {
  /** 22–36 characters; the same token on a retry makes the create idempotent (see deriveClientRequestToken) */
  clientRequestToken: string;
  dataSetId: string;
  /** the SQS queue ARN (legacy field), or `destination` */
  destinationArn?: string;
  destination?: StreamDestination;
  notes?: string;
}

/** SP v3 list filters (`{include: […]}` each); see ADS-API §3.1. */
export interface SpListFilter {
  stateFilter?: Array<'ENABLED' | 'PAUSED' | 'ARCHIVED'>;
  campaignIdFilter?: string[];
  adGroupIdFilter?: string[];
  /** keyword and target lists */
  keywordIdFilter?: string[];
  targetIdFilter?: string[];
  portfolioIdFilter?: string[];
  includeExtendedDataFields?: boolean;
  /** maxResults per page */
  pageSize?: number;
}

/** Filters of the SB v4 campaign list (`{include: […]}` each in the body). */
export interface SbCampaignFilter {
  stateFilter?: Array<'ENABLED' | 'PAUSED' | 'ARCHIVED'>;
  campaignIdFilter?: string[];
  /** maxResults per page, 1–100 */
  pageSize?: number;
}

/** Filters of the SD campaign list (comma lists in the query). */
export interface SdCampaignFilter {
  stateFilter?: Array<'enabled' | 'paused' | 'archived'>;
  campaignIdFilter?: string[];
  /** `count` per page */
  pageSize?: number;
}

/** Filters of the SB v4 ad group list (`{include: […]}` each in the body). */
export interface SbAdGroupFilter {
  stateFilter?: Array<'ENABLED' | 'PAUSED' | 'ARCHIVED'>;
  campaignIdFilter?: string[];
  adGroupIdFilter?: string[];
  /** maxResults per page, 1–100 */
  pageSize?: number;
}

/** Filters of the offset-paged lists (SB v3 keywords, SD ad groups and targets): comma lists in the query. */
export interface OffsetListFilter {
  stateFilter?: V3State[];
  campaignIdFilter?: string[];
  adGroupIdFilter?: string[];
  /** SB keywords */
  keywordIdFilter?: string[];
  /** SD targets */
  targetIdFilter?: string[];
  /** `count` per page (SB keywords ≤ 5000) */
  pageSize?: number;
}

/** The SB v3 target list's `filters` (`CAMPAIGN_ID`, `AD_GROUP_ID`, `TARGETING_STATE`, …), sent as given. */
export interface SbTargetFilter {
  filters?: Array<{ filterType: string; values: string[] }>;
  /** maxResults per page, 1–5000 */
  pageSize?: number;
}

export interface Page<T> {
  items: T[];
  /** Amazon's request id of the page's response */
  requestId: string | undefined;
}

const MAX_PAGES = 100_000;

/** A decimal amount as a string ("12.50"): sent as a JSON number with exactly these digits. */
export type DecimalString = string;
type UpperState = 'ENABLED' | 'PAUSED';
type LowerState = 'enabled' | 'paused' | 'archived';

export interface SpCampaignUpdate {
  campaignId: string;
  state?: UpperState;
  budget?: { budget: DecimalString; budgetType: 'DAILY' };
}
export interface SpAdGroupUpdate {
  adGroupId: string;
  state?: UpperState;
  defaultBid?: DecimalString;
}
export interface SpKeywordUpdate {
  keywordId: string;
  state?: UpperState;
  bid?: DecimalString;
}
export interface SpTargetUpdate {
  targetId: string;
  state?: UpperState;
  bid?: DecimalString;
}
/** SB v4: `budget` is a plain number (its type, DAILY or LIFETIME, is fixed at creation). */
export interface SbCampaignUpdate {
  campaignId: string;
  state?: UpperState;
  budget?: DecimalString;
}
export interface SbAdGroupUpdate {
  adGroupId: string;
  state?: UpperState;
}
/** SB v3: int64 ids sent as JSON numbers; the ad group and campaign are required. */
export interface SbKeywordUpdate {
  keywordId: string;
  adGroupId: string;
  campaignId: string;
  state?: LowerState;
  bid?: DecimalString;
}
export interface SbTargetUpdate {
  targetId: string;
  adGroupId: string;
  campaignId: string;
  state?: LowerState;
  bid?: DecimalString;
}
export interface SdCampaignUpdate {
  campaignId: string;
  state?: LowerState;
  budget?: DecimalString;
}
export interface SdAdGroupUpdate {
  adGroupId: string;
  state?: LowerState;
  defaultBid?: DecimalString;
}
export interface SdTargetUpdate {
  targetId: string;
  state?: LowerState;
  bid?: DecimalString;
}

/**
 * Items per update request (ADS-API §3, §6.4): SP 1000; SB v4 campaigns and ad groups 10; SB v3 keywords and
 * targets 100; SD targets 100. SD campaigns and ad groups: Amazon documents none, 100 as for SD targets.
 */
export const UPDATE_BATCH_MAX = {
  sp: 1000,
  sbV4: 10,
  sbV3: 100,
  sd: 100,
} as const;

/** A decimal string as a JSON number with its exact digits; anything else is the caller's mistake. */
function decimal(v: DecimalString | undefined): RawJsonNumber | undefined {
  return v === undefined ? undefined : new RawJsonNumber(v);
}

/** An int64 id sent as a bare JSON number (SB v3, SD), exact beyond 2^53. */
function int64(v: string): RawJsonNumber {
  if (!/^[1-9]\d{0,19}$/.test(v)) throw new RangeError(`not an int64 id: "${v}"`);
  return new RawJsonNumber(v);
}

const PREFER_REPRESENTATION = { Prefer: 'return=representation' };

/**
 * The Amazon Ads API, typed: profiles, Marketing Stream subscriptions (v1) and entity lists (SP campaigns,
 * ad groups, keywords, targets; SB campaigns, ad groups, keywords, targets; SD campaigns, ad groups, targets). One instance per connection (client id + refresh
 * token); it may be shared by any number of concurrent callers. Errors are `AdsApiError`s; after
 * `invalid_grant` every call fails with `AdsNeedsReauthorizationError` without touching the network.
 */
export class AdsApiClient {
  readonly region: AdsRegion;
  readonly apiBaseUrl: string;
  readonly tokenUrl: string;
  private readonly tokens: LwaTokenProvider;
  private readonly http: AdsHttpClient;
  private readonly media: AdsMediaTypes;
  private readonly pageSizes: NonNullable<AdsApiClientOptions['pageSizes']>;
  private readonly secrets: { clientSecret: string; refreshToken: string };
  private readonly log: AdsLogger;

  constructor(
    private readonly options: AdsApiClientOptions,
    shared?: SharedParts,
  ) {
    const o = options;
    this.region = o.region ?? 'NA';
    const { apiBaseUrl, tokenUrl } = resolveEndpoints({
      region: this.region,
      apiEndpoint: o.apiEndpoint,
      lwaEndpoint: o.lwaEndpoint,
    });
    this.apiBaseUrl = apiBaseUrl;
    this.tokenUrl = tokenUrl;
    this.secrets = shared?.secrets ?? { clientSecret: o.clientSecret, refreshToken: o.refreshToken };
    this.tokens =
      shared?.tokens ??
      new LwaTokenProvider({
        tokenUrl,
        credentials: { clientId: o.clientId, clientSecret: o.clientSecret, refreshToken: o.refreshToken },
        refreshMarginMs: o.refreshMarginMs,
        clientAuth: o.lwaClientAuth,
        retry: o.retry,
        logger: o.logger,
        fetch: o.fetch,
        now: o.now,
        sleep: o.sleep,
        random: o.random,
      });
    if (!shared) this.tokens.onRefreshTokenRotated((t) => (this.secrets.refreshToken = t));
    this.http = new AdsHttpClient({
      apiBaseUrl,
      clientId: o.clientId,
      tokens: this.tokens,
      secrets: () => [this.secrets.clientSecret, this.secrets.refreshToken],
      retry: o.retry,
      requestTimeoutMs: o.requestTimeoutMs,
      unknownFields: o.unknownFields,
      logger: o.logger,
      fetch: o.fetch,
      now: o.now,
      sleep: o.sleep,
      random: o.random,
    });
    this.media = { ...DEFAULT_MEDIA_TYPES, ...o.mediaTypes };
    this.log = o.logger ?? silentAdsLogger;
    this.pageSizes = { sb: 100, sd: 100, ...o.pageSizes };
  }

  // ---- connection -----------------------------------------------------------------------------------------

  /**
   * A client for another region's host that shares this one's access token (tokens are global): one
   * refresh serves all three hosts, and `invalid_grant` stops them all. `apiEndpoint` overrides the host.
   */
  forRegion(region: AdsRegion, apiEndpoint?: string): AdsApiClient {
    return new AdsApiClient({ ...this.options, region, apiEndpoint }, { tokens: this.tokens, secrets: this.secrets });
  }

  get connectionState(): AdsConnectionState {
    return this.tokens.state;
  }

  /** state, last token refresh, last error: safe to show (no secret in it) */
  connectionStatus(): AdsConnectionStatus {
    return this.tokens.connectionStatus();
  }

  onConnectionStateChange(listener: (state: AdsConnectionState, error?: AdsApiError) => void): () => void {
    return this.tokens.onStateChange(listener);
  }

  /** LwA returned a different refresh token: persist it (the client already uses it). */
  onRefreshTokenRotated(listener: (refreshToken: string) => void): () => void {
    return this.tokens.onRefreshTokenRotated(listener);
  }

  /** A new refresh token after consent: leaves `needs_reauthorization`. */
  reauthorize(refreshToken: string): void {
    this.secrets.refreshToken = refreshToken;
    this.tokens.setRefreshToken(refreshToken);
  }

  /** An access token (cached or refreshed): to check a connection without listing anything. */
  async verifyAuthorization(): Promise<void> {
    await this.tokens.getAccessToken('verifyAuthorization');
  }

  // ---- profiles -------------------------------------------------------------------------------------------

  /** `GET /v2/profiles` on this client's regional host (no scope header). `[]`: authorized, nothing in this region. */
  async listProfiles(filter: ProfileFilter = {}): Promise<AdsProfile[]> {
    const { value } = await this.http.request({
      operation: 'listProfiles',
      method: 'GET',
      path: '/v2/profiles',
      query: {
        profileTypeFilter: filter.profileTypeFilter,
        accessLevel: filter.accessLevel,
        apiProgram: filter.apiProgram,
        validPaymentMethodFilter:
          filter.validPaymentMethodFilter === undefined ? undefined : String(filter.validPaymentMethodFilter),
      },
      mediaType: this.media.profiles,
      check: profilesCheck,
    });
    return value;
  }

  // ---- Marketing Stream subscriptions v1 ------------------------------------------------------------------

  /** `POST /streams/subscriptions`: returns the subscription id (the same one again for a repeated token). */
  async createStreamSubscription(
    profileId: string,
    req: CreateStreamSubscription,
  ): Promise<{ subscriptionId: string; clientRequestToken: string }> {
    if (!isValidClientRequestToken(req.clientRequestToken))
      throw new RangeError('clientRequestToken must be 22-36 characters');
    if ((req.destinationArn === undefined) === (req.destination === undefined))
      throw new RangeError('give exactly one of destinationArn and destination');
    if (req.notes !== undefined && req.notes.length > 128) throw new RangeError('notes must be at most 128 characters');
    const { value } = await this.http.request({
      ...this.streamRequest('createStreamSubscription', profileId),
      method: 'POST',
      path: '/streams/subscriptions',
      body: req,
      check: createSubscriptionAnswerCheck,
    });
    return {
      subscriptionId: value.subscriptionId,
      clientRequestToken: value.clientRequestToken ?? req.clientRequestToken,
    };
  }

  /** Every subscription of the profile (all pages of `GET /streams/subscriptions`). */
  async listStreamSubscriptions(profileId: string): Promise<StreamSubscription[]> {
    const all: StreamSubscription[] = [];
    for await (const page of this.pages(
      'listStreamSubscriptions',
      (token) => ({
        ...this.streamRequest('listStreamSubscriptions', profileId),
        method: 'GET' as const,
        path: '/streams/subscriptions',
        query: { maxResults: this.pageSizes.subscriptions, startingToken: token },
        check: listSubscriptionsAnswerCheck,
      }),
      (v) => ({ items: v.subscriptions, next: v.nextToken }),
    )) {
      all.push(...page.items);
    }
    return all;
  }

  async getStreamSubscription(profileId: string, subscriptionId: string): Promise<StreamSubscription> {
    const { value } = await this.http.request({
      ...this.streamRequest('getStreamSubscription', profileId),
      method: 'GET',
      path: `/streams/subscriptions/${encodeURIComponent(subscriptionId)}`,
      check: getSubscriptionAnswerCheck,
    });
    return value.subscription;
  }

  /** `PUT /streams/subscriptions/{id}`: `ARCHIVED` is the only status a client can set; notes ≤ 128. */
  async updateStreamSubscription(
    profileId: string,
    subscriptionId: string,
    update: { status?: 'ARCHIVED'; notes?: string },
  ): Promise<void> {
    await this.http.request({
      ...this.streamRequest('updateStreamSubscription', profileId),
      method: 'PUT',
      path: `/streams/subscriptions/${encodeURIComponent(subscriptionId)}`,
      body: update,
      check: anything,
      allowEmpty: true,
    });
  }

  archiveStreamSubscription(profileId: string, subscriptionId: string): Promise<void> {
    return this.updateStreamSubscription(profileId, subscriptionId, { status: 'ARCHIVED' });
  }

  // ---- Sponsored Products v3 ------------------------------------------------------------------------------

  spCampaignPages(profileId: string, filter: SpListFilter = {}): AsyncGenerator<Page<SpCampaign>> {
    return this.spPages(
      'listSpCampaigns',
      profileId,
      '/sp/campaigns/list',
      this.media.spCampaigns,
      filter,
      spCampaignPageCheck,
      (v) => v.campaigns,
    );
  }
  spAdGroupPages(profileId: string, filter: SpListFilter = {}): AsyncGenerator<Page<SpAdGroup>> {
    return this.spPages(
      'listSpAdGroups',
      profileId,
      '/sp/adGroups/list',
      this.media.spAdGroups,
      filter,
      spAdGroupPageCheck,
      (v) => v.adGroups,
    );
  }
  spKeywordPages(profileId: string, filter: SpListFilter = {}): AsyncGenerator<Page<SpKeyword>> {
    return this.spPages(
      'listSpKeywords',
      profileId,
      '/sp/keywords/list',
      this.media.spKeywords,
      filter,
      spKeywordPageCheck,
      (v) => v.keywords,
    );
  }
  spTargetPages(profileId: string, filter: SpListFilter = {}): AsyncGenerator<Page<SpTarget>> {
    return this.spPages(
      'listSpTargets',
      profileId,
      '/sp/targets/list',
      this.media.spTargets,
      filter,
      spTargetPageCheck,
      (v) => v.targetingClauses,
    );
  }

  listSpCampaigns(profileId: string, filter?: SpListFilter): Promise<SpCampaign[]> {
    return collect(this.spCampaignPages(profileId, filter));
  }
  listSpAdGroups(profileId: string, filter?: SpListFilter): Promise<SpAdGroup[]> {
    return collect(this.spAdGroupPages(profileId, filter));
  }
  listSpKeywords(profileId: string, filter?: SpListFilter): Promise<SpKeyword[]> {
    return collect(this.spKeywordPages(profileId, filter));
  }
  listSpTargets(profileId: string, filter?: SpListFilter): Promise<SpTarget[]> {
    return collect(this.spTargetPages(profileId, filter));
  }

  // ---- Sponsored Brands v4 / Sponsored Display ------------------------------------------------------------

  /** `POST /sb/v4/campaigns/list`, `maxResults` 1–100. */
  sbCampaignPages(profileId: string, filter: SbCampaignFilter = {}): AsyncGenerator<Page<SbCampaign>> {
    const base = {
      stateFilter: filter.stateFilter ? { include: filter.stateFilter } : undefined,
      campaignIdFilter: filter.campaignIdFilter ? { include: filter.campaignIdFilter } : undefined,
      maxResults: filter.pageSize ?? this.pageSizes.sb,
    };
    return this.pages(
      'listSbCampaigns',
      (token) => ({
        operation: 'listSbCampaigns',
        method: 'POST' as const,
        path: '/sb/v4/campaigns/list',
        profileId,
        mediaType: this.media.sbCampaigns,
        body: { ...base, nextToken: token },
        check: sbCampaignPageCheck,
      }),
      (v) => ({ items: v.campaigns, next: v.nextToken }),
    );
  }
  listSbCampaigns(profileId: string, filter?: SbCampaignFilter): Promise<SbCampaign[]> {
    return collect(this.sbCampaignPages(profileId, filter));
  }

  /** `POST /sb/v4/adGroups/list`, `maxResults` 1–100, string ids. */
  sbAdGroupPages(profileId: string, filter: SbAdGroupFilter = {}): AsyncGenerator<Page<SbAdGroup>> {
    const base = {
      stateFilter: filter.stateFilter ? { include: filter.stateFilter } : undefined,
      campaignIdFilter: filter.campaignIdFilter ? { include: filter.campaignIdFilter } : undefined,
      adGroupIdFilter: filter.adGroupIdFilter ? { include: filter.adGroupIdFilter } : undefined,
      maxResults: filter.pageSize ?? this.pageSizes.sb,
    };
    return this.pages(
      'listSbAdGroups',
      (token) => ({
        operation: 'listSbAdGroups',
        method: 'POST' as const,
        path: '/sb/v4/adGroups/list',
        profileId,
        mediaType: this.media.sbAdGroups,
        body: { ...base, nextToken: token },
        check: sbAdGroupPageCheck,
      }),
      (v) => ({ items: v.adGroups, next: v.nextToken }),
    );
  }
  listSbAdGroups(profileId: string, filter?: SbAdGroupFilter): Promise<SbAdGroup[]> {
    return collect(this.sbAdGroupPages(profileId, filter));
  }

  /** `GET /sb/keywords?startIndex&count` (v3): offset paging over a bare array, int64 number ids. */
  sbKeywordPages(profileId: string, filter: OffsetListFilter = {}): AsyncGenerator<Page<SbKeyword>> {
    return this.offsetPages(
      'listSbKeywords',
      profileId,
      '/sb/keywords',
      this.media.sbKeywords,
      filter,
      filter.pageSize ?? this.pageSizes.sbV3 ?? this.pageSizes.sb ?? 100,
      sbKeywordListCheck,
    );
  }
  listSbKeywords(profileId: string, filter?: OffsetListFilter): Promise<SbKeyword[]> {
    return collect(this.sbKeywordPages(profileId, filter));
  }

  /** `POST /sb/targets/list` (v3): `maxResults` 1–5000, `nextToken` paging, int64 number ids. */
  sbTargetPages(profileId: string, filter: SbTargetFilter = {}): AsyncGenerator<Page<SbTarget>> {
    const base = {
      filters: filter.filters,
      maxResults: filter.pageSize ?? this.pageSizes.sbV3 ?? this.pageSizes.sb,
    };
    return this.pages(
      'listSbTargets',
      (token) => ({
        operation: 'listSbTargets',
        method: 'POST' as const,
        path: '/sb/targets/list',
        profileId,
        mediaType: this.media.sbTargets,
        body: { ...base, nextToken: token },
        check: sbTargetPageCheck,
      }),
      (v) => ({ items: v.targets, next: v.nextToken }),
    );
  }
  listSbTargets(profileId: string, filter?: SbTargetFilter): Promise<SbTarget[]> {
    return collect(this.sbTargetPages(profileId, filter));
  }

  /** `GET /sd/campaigns?startIndex&count`: offset paging over a bare array; the last page is shorter than `count`. */
  sdCampaignPages(profileId: string, filter: SdCampaignFilter = {}): AsyncGenerator<Page<SdCampaign>> {
    return this.offsetPages(
      'listSdCampaigns',
      profileId,
      '/sd/campaigns',
      this.media.sdCampaigns,
      filter,
      filter.pageSize ?? this.pageSizes.sd ?? 100,
      sdCampaignListCheck,
    );
  }
  listSdCampaigns(profileId: string, filter?: SdCampaignFilter): Promise<SdCampaign[]> {
    return collect(this.sdCampaignPages(profileId, filter));
  }

  /** `GET /sd/adGroups?startIndex&count`: offset paging over a bare array, int64 number ids. */
  sdAdGroupPages(profileId: string, filter: OffsetListFilter = {}): AsyncGenerator<Page<SdAdGroup>> {
    return this.offsetPages(
      'listSdAdGroups',
      profileId,
      '/sd/adGroups',
      this.media.sdAdGroups,
      filter,
      filter.pageSize ?? this.pageSizes.sd ?? 100,
      sdAdGroupListCheck,
    );
  }
  listSdAdGroups(profileId: string, filter?: OffsetListFilter): Promise<SdAdGroup[]> {
    return collect(this.sdAdGroupPages(profileId, filter));
  }

  /** `GET /sd/targets?startIndex&count`: offset paging over a bare array, int64 number ids. */
  sdTargetPages(profileId: string, filter: OffsetListFilter = {}): AsyncGenerator<Page<SdTarget>> {
    return this.offsetPages(
      'listSdTargets',
      profileId,
      '/sd/targets',
      this.media.sdTargets,
      filter,
      filter.pageSize ?? this.pageSizes.sd ?? 100,
      sdTargetListCheck,
    );
  }
  listSdTargets(profileId: string, filter?: OffsetListFilter): Promise<SdTarget[]> {
    return collect(this.sdTargetPages(profileId, filter));
  }

  // ---- updates (ADS-API §3): chunked to each call's maximum, results by request index ------------------------

  /** `PUT /sp/campaigns` (≤ 1000 per request), with `Prefer: return=representation`. */
  updateSpCampaigns(profileId: string, updates: readonly SpCampaignUpdate[]): Promise<WriteItemResult<SpCampaign>[]> {
    return this.spWrite('updateSpCampaigns', profileId, '/sp/campaigns', this.media.spCampaigns, updates, {
      root: 'campaigns',
      idField: 'campaignId',
      entityField: 'campaign',
      entity: spCampaignCheck,
      item: (u) => ({
        campaignId: u.campaignId,
        state: u.state,
        budget: u.budget && { budget: decimal(u.budget.budget), budgetType: u.budget.budgetType },
      }),
    });
  }
  /** `PUT /sp/adGroups` (≤ 1000); the media type is Medium (see DEFAULT_MEDIA_TYPES). */
  updateSpAdGroups(profileId: string, updates: readonly SpAdGroupUpdate[]): Promise<WriteItemResult<SpAdGroup>[]> {
    return this.spWrite('updateSpAdGroups', profileId, '/sp/adGroups', this.media.spAdGroups, updates, {
      root: 'adGroups',
      idField: 'adGroupId',
      entityField: 'adGroup',
      entity: spAdGroupCheck,
      item: (u) => ({ adGroupId: u.adGroupId, state: u.state, defaultBid: decimal(u.defaultBid) }),
    });
  }
  /** `PUT /sp/keywords` (≤ 1000). */
  updateSpKeywords(profileId: string, updates: readonly SpKeywordUpdate[]): Promise<WriteItemResult<SpKeyword>[]> {
    return this.spWrite('updateSpKeywords', profileId, '/sp/keywords', this.media.spKeywords, updates, {
      root: 'keywords',
      idField: 'keywordId',
      entityField: 'keyword',
      entity: spKeywordCheck,
      item: (u) => ({ keywordId: u.keywordId, state: u.state, bid: decimal(u.bid) }),
    });
  }
  /** `PUT /sp/targets` (`targetingClauses`, ≤ 1000). */
  updateSpTargets(profileId: string, updates: readonly SpTargetUpdate[]): Promise<WriteItemResult<SpTarget>[]> {
    return this.spWrite('updateSpTargets', profileId, '/sp/targets', this.media.spTargets, updates, {
      root: 'targetingClauses',
      idField: 'targetId',
      entityField: 'targetingClause',
      entity: spTargetCheck,
      item: (u) => ({ targetId: u.targetId, state: u.state, bid: decimal(u.bid) }),
    });
  }
  /** `PUT /sb/v4/campaigns` (≤ 10): the SP 207 shape, `budget` a plain number. */
  updateSbCampaigns(profileId: string, updates: readonly SbCampaignUpdate[]): Promise<WriteItemResult<SbCampaign>[]> {
    return this.spWrite('updateSbCampaigns', profileId, '/sb/v4/campaigns', this.media.sbCampaigns, updates, {
      root: 'campaigns',
      idField: 'campaignId',
      entityField: 'campaign',
      entity: sbCampaignCheck,
      item: (u) => ({ campaignId: u.campaignId, state: u.state, budget: decimal(u.budget) }),
      max: UPDATE_BATCH_MAX.sbV4,
    });
  }
  /** `PUT /sb/v4/adGroups` (≤ 10, state only: SB ad groups have no bid). */
  updateSbAdGroups(profileId: string, updates: readonly SbAdGroupUpdate[]): Promise<WriteItemResult<SbAdGroup>[]> {
    return this.spWrite('updateSbAdGroups', profileId, '/sb/v4/adGroups', this.media.sbAdGroups, updates, {
      root: 'adGroups',
      idField: 'adGroupId',
      entityField: 'adGroup',
      entity: sbAdGroupCheck,
      item: (u) => ({ adGroupId: u.adGroupId, state: u.state }),
      max: UPDATE_BATCH_MAX.sbV4,
    });
  }
  /** `PUT /sb/keywords` (v3): a bare array ≤ 100, int64 number ids → 207 `[{keywordId, code, description?}]`. */
  updateSbKeywords(profileId: string, updates: readonly SbKeywordUpdate[]): Promise<WriteItemResult[]> {
    return this.writeChunks(
      'updateSbKeywords',
      profileId,
      updates,
      UPDATE_BATCH_MAX.sbV3,
      (u) => u.keywordId,
      (chunk, ids) => ({
        path: '/sb/keywords',
        mediaType: 'application/json',
        accept: this.media.sbKeywordUpdateResponse,
        body: chunk.map((u) => ({
          keywordId: int64(u.keywordId),
          adGroupId: int64(u.adGroupId),
          campaignId: int64(u.campaignId),
          state: u.state,
          bid: decimal(u.bid),
        })),
        check: itemArrayCheck('keywordId', ids),
      }),
    );
  }
  /** `PUT /sb/targets` (v3): `{targets: […]}` ≤ 100 → `updateTargetSuccessResults` / `updateTargetErrorResults`. */
  updateSbTargets(profileId: string, updates: readonly SbTargetUpdate[]): Promise<WriteItemResult[]> {
    return this.writeChunks(
      'updateSbTargets',
      profileId,
      updates,
      UPDATE_BATCH_MAX.sbV3,
      (u) => u.targetId,
      (chunk, ids) => ({
        path: '/sb/targets',
        mediaType: 'application/json',
        accept: this.media.sbTargetUpdateResponse,
        body: {
          targets: chunk.map((u) => ({
            targetId: int64(u.targetId),
            adGroupId: int64(u.adGroupId),
            campaignId: int64(u.campaignId),
            state: u.state,
            bid: decimal(u.bid),
          })),
        },
        check: sbTargetUpdateCheck(ids),
      }),
    );
  }
  /** `PUT /sd/campaigns`: a bare array (≤ 100, Amazon documents no maximum), lowercase states → 207 `[{campaignId, code, description}]`. */
  updateSdCampaigns(profileId: string, updates: readonly SdCampaignUpdate[]): Promise<WriteItemResult[]> {
    return this.sdWrite('updateSdCampaigns', profileId, '/sd/campaigns', 'campaignId', updates, (u) => ({
      campaignId: int64(u.campaignId),
      state: u.state,
      budget: decimal(u.budget),
    }));
  }
  /** `PUT /sd/adGroups`: a bare array ≤ 100 (Medium: as SD campaigns) → 207 `[{adGroupId, code, description}]`. */
  updateSdAdGroups(profileId: string, updates: readonly SdAdGroupUpdate[]): Promise<WriteItemResult[]> {
    return this.sdWrite('updateSdAdGroups', profileId, '/sd/adGroups', 'adGroupId', updates, (u) => ({
      adGroupId: int64(u.adGroupId),
      state: u.state,
      defaultBid: decimal(u.defaultBid),
    }));
  }
  /** `PUT /sd/targets`: a bare array ≤ 100 → 207 `[{targetId, code, description}]`. */
  updateSdTargets(profileId: string, updates: readonly SdTargetUpdate[]): Promise<WriteItemResult[]> {
    return this.sdWrite('updateSdTargets', profileId, '/sd/targets', 'targetId', updates, (u) => ({
      targetId: int64(u.targetId),
      state: u.state,
      bid: decimal(u.bid),
    }));
  }

  private spWrite<U, E>(
    operation: string,
    profileId: string,
    path: string,
    mediaType: string,
    updates: readonly U[],
    o: {
      root: string;
      idField: string;
      entityField: string;
      entity: Check<E>;
      item: (u: U) => Record<string, unknown>;
      max?: number;
    },
  ): Promise<WriteItemResult<E>[]> {
    const idOf = (u: U) => String((u as Record<string, unknown>)[o.idField]);
    return this.writeChunks(operation, profileId, updates, o.max ?? UPDATE_BATCH_MAX.sp, idOf, (chunk, ids) => ({
      path,
      mediaType,
      headers: PREFER_REPRESENTATION,
      body: { [o.root]: chunk.map(o.item) },
      check: multiStatusCheck(o.root, o.idField, o.entityField, o.entity, ids),
    }));
  }

  private sdWrite<U>(
    operation: string,
    profileId: string,
    path: string,
    idField: string,
    updates: readonly U[],
    item: (u: U) => Record<string, unknown>,
  ): Promise<WriteItemResult[]> {
    const idOf = (u: U) => String((u as Record<string, unknown>)[idField]);
    return this.writeChunks(operation, profileId, updates, UPDATE_BATCH_MAX.sd, idOf, (chunk, ids) => ({
      path,
      mediaType: this.media.sdCampaigns,
      body: chunk.map(item),
      check: itemArrayCheck(idField, ids),
    }));
  }

  /**
   * Sends `updates` in chunks of `max`, one after another, and returns one result per update in input order.
   * A chunk whose outcome is unknown throws `AdsWriteInDoubtError` with the earlier chunks' results (`settled`)
   * and the ids not sent (`notSent`); nothing after it is sent.
   */
  private async writeChunks<U, E>(
    operation: string,
    profileId: string,
    updates: readonly U[],
    max: number,
    idOf: (u: U) => string,
    request: (
      chunk: readonly U[],
      ids: readonly string[],
    ) => Pick<AdsRequest<ChunkOutcome<E>[]>, 'path' | 'mediaType' | 'accept' | 'headers' | 'body' | 'check'>,
  ): Promise<WriteItemResult<E>[]> {
    const results: WriteItemResult<E>[] = [];
    for (let start = 0; start < updates.length; start += max) {
      const chunk = updates.slice(start, start + max);
      const ids = chunk.map(idOf);
      let answer: { value: ChunkOutcome<E>[]; requestId: string | undefined };
      try {
        answer = await this.http.request({
          ...request(chunk, ids),
          operation,
          method: 'PUT',
          profileId,
          write: { itemIds: ids },
        });
      } catch (err) {
        if (err instanceof AdsWriteInDoubtError) {
          err.settled = [...results];
          err.notSent = updates.slice(start + max).map(idOf);
        }
        throw err;
      }
      const requestId = answer.requestId ?? null;
      answer.value.forEach((r, i) => results.push({ ...r, index: start + i, requestId }));
      const failed = answer.value.filter((r) => !r.ok);
      this.log.info('ads_api.write', {
        operation,
        profileId,
        requestId,
        items: chunk.length,
        failed: failed.length,
        retryable: failed.filter((r) => r.retryable).length,
      });
    }
    return results;
  }

  // ---- internals ------------------------------------------------------------------------------------------

  private streamRequest(operation: string, profileId: string) {
    return {
      operation,
      profileId,
      mediaType: this.media.streamSubscriptions,
      fallbackMediaType: this.media.streamSubscriptionsFallback,
    };
  }

  private spPages<V, T>(
    operation: string,
    profileId: string,
    path: string,
    mediaType: string,
    f: SpListFilter,
    check: Check<V>,
    items: (v: V) => T[],
  ): AsyncGenerator<Page<T>> {
    const include = (xs?: string[]) => (xs ? { include: xs } : undefined);
    const base = {
      stateFilter: include(f.stateFilter),
      campaignIdFilter: include(f.campaignIdFilter),
      adGroupIdFilter: include(f.adGroupIdFilter),
      keywordIdFilter: include(f.keywordIdFilter),
      targetIdFilter: include(f.targetIdFilter),
      portfolioIdFilter: include(f.portfolioIdFilter),
      includeExtendedDataFields: f.includeExtendedDataFields,
      maxResults: f.pageSize ?? this.pageSizes.sp,
    };
    return this.pages(
      operation,
      (token) => ({
        operation,
        method: 'POST' as const,
        path,
        profileId,
        mediaType,
        body: { ...base, nextToken: token },
        check,
      }),
      (v) => ({
        items: items(v),
        next: (v as { nextToken?: string }).nextToken,
      }),
    );
  }

  /**
   * Offset paging (`startIndex`, `count`) over a bare array: the listing ends at the first page shorter than
   * `count` (an empty one included), and after `MAX_PAGES` pages at the latest.
   */
  private async *offsetPages<T>(
    operation: string,
    profileId: string,
    path: string,
    mediaType: string,
    f: {
      stateFilter?: string[];
      campaignIdFilter?: string[];
      adGroupIdFilter?: string[];
      keywordIdFilter?: string[];
      targetIdFilter?: string[];
    },
    count: number,
    check: Check<T[]>,
  ): AsyncGenerator<Page<T>> {
    const filters = {
      stateFilter: f.stateFilter?.join(','),
      campaignIdFilter: f.campaignIdFilter?.join(','),
      adGroupIdFilter: f.adGroupIdFilter?.join(','),
      keywordIdFilter: f.keywordIdFilter?.join(','),
      targetIdFilter: f.targetIdFilter?.join(','),
    };
    for (let startIndex = 0, pages = 0; pages < MAX_PAGES; pages++) {
      const { value, requestId } = await this.http.request({
        operation,
        method: 'GET',
        path,
        profileId,
        mediaType,
        query: { startIndex, count, ...filters },
        check,
      });
      if (value.length > 0) yield { items: value, requestId };
      if (value.length < count) return;
      startIndex += value.length;
    }
  }

  /** Token paging: request pages until the answer has no `nextToken`. A token that repeats is a malformed answer (no endless loop). */
  private async *pages<V, T>(
    operation: string,
    request: (token: string | undefined) => AdsRequest<V>,
    read: (v: V) => { items: T[]; next: string | undefined },
  ): AsyncGenerator<Page<T>> {
    const seen = new Set<string>();
    let token: string | undefined;
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      const { value, requestId, status } = await this.http.request(request(token));
      const { items, next } = read(value);
      if (items.length > 0) yield { items, requestId };
      if (!next) return;
      if (seen.has(next))
        throw new AdsMalformedResponseError(operation, `nextToken repeats (page ${pages + 1})`, status, requestId);
      seen.add(next);
      token = next;
    }
  }
}

const anything: Check<unknown> = (v) => v;

async function collect<T>(pages: AsyncGenerator<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  for await (const p of pages) for (const item of p.items) all.push(item);
  return all;
}
