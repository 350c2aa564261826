import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_REFRESH_TOKEN,
  EmulatorSeed,
  SeedAdGroup,
  SeedCampaign,
  SeedKeyword,
  SeedProfile,
  SeedTarget,
  defaultSeed,
} from './seed';
import { EmulatorRoute, FaultAction, FaultQueue, FaultSpec, ItemFault, spoil } from './faults';
import { rawInt, toWireJson } from './wire';
import {
  EmulatedAdProduct,
  EmulatedEntityType,
  EntityChangeRecord,
  OutsideEdit,
  WRITE_ROUTES,
  applyWrite,
  editEntity,
  entityId,
  findEntity,
  parseLossless,
} from './writes';

/**
 * An Amazon Ads API of our own, for tests and local runs: Login with Amazon's token endpoint, profiles,
 * Marketing Stream subscriptions v1 and entity lists (SP v3; SB v4 campaigns and ad groups, SB v3 keywords and
 * targets; SD campaigns, ad groups and targets), answering as ADS-API documents
 * Amazon does, with the header checks Amazon makes and faults a test can inject. In memory; one instance
 * serves every region (or only `region`'s profiles, as a regional host does).
 */
export interface AdsEmulatorOptions {
  port?: number;
  host?: string;
  seed?: EmulatorSeed;
  /** only this region's profiles in GET /v2/profiles (default: all) */
  region?: 'NA' | 'EU' | 'FE';
  /** access token lifetime, `expires_in` (default 3600 s) */
  accessTokenLifetimeSeconds?: number;
  /** largest SP v3 `maxResults` (default 1000) and the page size when absent (default 100) */
  spMaxPageSize?: number;
  spDefaultPageSize?: number;
  /** media types accepted on /streams/subscriptions (default: the spec's, the docs', application/json) */
  streamMediaTypes?: string[];
  /** status of a new subscription (default PENDING_CONFIRMATION) */
  initialSubscriptionStatus?: SubscriptionStatus;
}

export const SUBSCRIPTION_STATUSES = [
  'PROVISIONING',
  'PENDING_CONFIRMATION',
  'ACTIVE',
  'ARCHIVED',
  'FAILED_CONFIRMATION',
  'SUSPENDED',
  'FAILED_PROVISIONING',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const STREAM_MEDIA_TYPES = [
  'application/vnd.amazonmarketingstreamsubscriptions.v1+json',
  'application/vnd.MarketingStreamSubscriptions.StreamSubscriptionResource.v1.0+json',
  'application/json',
];

export interface EmulatedSubscription {
  subscriptionId: string;
  profileId: string;
  clientRequestToken: string;
  dataSetId: string;
  destinationArn?: string;
  destination?: Record<string, unknown>;
  notes?: string;
  status: SubscriptionStatus;
  createdDate: string;
  updatedDate: string;
}

export interface RecordedRequest {
  /** Date.now() when the request arrived */
  at: number;
  method: string;
  path: string;
  route: EmulatorRoute | 'unknown' | 'control';
  status: number;
  clientId: string | undefined;
  scope: string | undefined;
  contentType: string | undefined;
  accept: string | undefined;
  requestId: string;
  /** the body as sent (token requests: only the grant type) */
  body: string | undefined;
}

export interface AdsEmulatorControl {
  /** every request, in arrival order */
  readonly requests: RecordedRequest[];
  requestsTo(route: EmulatorRoute, method?: string): RecordedRequest[];
  /** access tokens issued so far */
  readonly tokenGrants: number;
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  /** every access token issued so far answers 401 from now on */
  expireAccessTokens(): void;
  /** LwA answers invalid_grant for this refresh token from now on */
  revokeRefreshToken(refreshToken: string): void;
  setAccessTokenLifetime(seconds: number): void;
  setStreamMediaTypes(types: string[]): void;
  /** what Amazon would do: confirm (ACTIVE), suspend, fail confirmation, … */
  setSubscriptionStatus(subscriptionId: string, status: SubscriptionStatus): void;
  subscriptions(profileId?: string): EmulatedSubscription[];
  /** every applied change (API writes and outside edits), in order */
  changes(): EntityChangeRecord[];
  /**
   * What the advertiser does in Amazon's console: changes the entity (any profile) and records it with
   * `source: 'outside'`. `effectiveBudget` sets SP `budget.effectiveBudget` or SB/SD `ruleBasedBudget.value`.
   */
  setEntity(adProduct: EmulatedAdProduct, entityType: EmulatedEntityType, id: string, edit: OutsideEdit): void;
  readonly seed: EmulatorSeed;
  reset(): void;
}

export interface AdsEmulator {
  url: string;
  /** the token URL (`<url>/auth/o2/token`) */
  tokenUrl: string;
  control: AdsEmulatorControl;
  stop(): Promise<void>;
}

interface Ctx {
  req: IncomingMessage;
  url: URL;
  body: string;
  requestId: string;
}

interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  contentType?: string;
}

const json = (status: number, value: unknown, contentType = 'application/json'): Answer => ({
  status,
  body: toWireJson(value),
  contentType,
});
/** Amazon's generic error body `{code, details}` */
const generic = (status: number, code: string, details: string): Answer => json(status, { code, details });
/** the versioned APIs' `{code, message}` */
const versioned = (status: number, code: string, message: string, contentType?: string): Answer =>
  json(status, { code, message }, contentType);

export async function startAdsEmulator(o: AdsEmulatorOptions = {}): Promise<AdsEmulator> {
  const seed = o.seed ?? defaultSeed();
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const tokens = new Map<string, number>(); // access token → expiry ms
  const revoked = new Set<string>();
  const subs: EmulatedSubscription[] = [];
  const seedSubscriptions = () => {
    const at = new Date().toISOString();
    for (const [i, s] of (seed.subscriptions ?? []).entries()) {
      subs.push({
        subscriptionId: `amzn1.fead.cs1.seed${String(i).padStart(4, '0')}${s.profileId}`,
        profileId: s.profileId,
        clientRequestToken: `seed-${String(i).padStart(4, '0')}-${s.profileId}-${s.dataSetId}`.slice(0, 36),
        dataSetId: s.dataSetId,
        destinationArn: s.destinationArn,
        status: s.status ?? 'ACTIVE',
        createdDate: at,
        updatedDate: at,
      });
    }
  };
  seedSubscriptions();
  let lifetime = o.accessTokenLifetimeSeconds ?? 3600;
  let streamTypes = o.streamMediaTypes ?? STREAM_MEDIA_TYPES;
  let grants = 0;
  const spMax = o.spMaxPageSize ?? 1000;
  const spDefault = o.spDefaultPageSize ?? 100;
  // the entities as they are now: a copy of the seed that writes and outside edits change; reset() restores it
  let profiles = new Map<string, SeedProfile>();
  const seedEntities = () => {
    profiles = new Map(structuredClone(seed.profiles).map((p) => [p.profileId, p]));
  };
  seedEntities();
  const changes: EntityChangeRecord[] = [];
  // slow answers still waiting; stop() ends them so no timer outlives the emulator
  const delays = new Map<NodeJS.Timeout, () => void>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        delays.delete(t);
        resolve();
      }, ms);
      delays.set(t, resolve);
    });

  // ---- LwA -----------------------------------------------------------------------------------------------

  function token(c: Ctx): Answer {
    const form = new URLSearchParams(c.body);
    let clientId = form.get('client_id') ?? undefined;
    let clientSecret = form.get('client_secret') ?? undefined;
    const basic = /^Basic\s+(.+)$/i.exec(c.req.headers.authorization ?? '');
    if (basic) {
      const [id, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      clientId = id;
      clientSecret = rest.join(':');
    }
    const grantType = form.get('grant_type');
    if (grantType !== 'refresh_token')
      return json(400, {
        error: 'unsupported_grant_type',
        error_description: 'The authorization grant type is not supported by the authorization server',
      });
    if (clientId !== seed.clientId || clientSecret !== seed.clientSecret)
      return json(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
    const refresh = form.get('refresh_token') ?? '';
    if (!seed.refreshTokens.includes(refresh) || revoked.has(refresh)) {
      return json(400, {
        error: 'invalid_grant',
        error_description:
          "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission.",
      });
    }
    const access = `Atza|emu${randomBytes(24).toString('base64url')}`;
    tokens.set(access, Date.now() + lifetime * 1000);
    grants++;
    return json(
      200,
      { access_token: access, refresh_token: refresh, token_type: 'bearer', expires_in: lifetime },
      'application/json;charset=UTF-8',
    );
  }

  // ---- the checks every API call gets ------------------------------------------------------------------

  function authorize(c: Ctx, needsScope: boolean): { profile?: SeedProfile; refusal?: Answer } {
    const clientId = header(c.req, 'amazon-advertising-api-clientid');
    if (!clientId || clientId !== seed.clientId)
      return {
        refusal: generic(
          400,
          'INVALID_ARGUMENT',
          'Amazon-Advertising-API-ClientId header is missing or not a registered client id',
        ),
      };
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.headers.authorization ?? '')?.[1];
    const expiry = bearer ? tokens.get(bearer) : undefined;
    if (!bearer || expiry === undefined || expiry <= Date.now())
      return { refusal: generic(401, 'UNAUTHORIZED', 'Authentication failed') };
    if (!needsScope) return {};
    const scope = header(c.req, 'amazon-advertising-api-scope');
    if (!scope) return { refusal: generic(401, 'UNAUTHORIZED', 'Scope header is missing') };
    const profile = profiles.get(scope);
    if (!profile) return { refusal: generic(401, 'UNAUTHORIZED', 'No matching advertiser found for scope') };
    return { profile };
  }

  /** Content-Type of a body and Accept must be one of `types` (else 415 / 406). */
  function mediaType(c: Ctx, types: string[]): Answer | undefined {
    const ct = header(c.req, 'content-type')?.split(';')[0].trim();
    if (c.body.length > 0 && (!ct || !types.includes(ct)))
      return versioned(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type must be one of ${types.join(', ')}`);
    const accept = header(c.req, 'accept');
    if (accept && accept !== '*/*' && !accept.split(',').some((a) => types.includes(a.split(';')[0].trim())))
      return versioned(406, 'NOT_ACCEPTABLE', `Accept must be one of ${types.join(', ')}`);
    return undefined;
  }

  // ---- profiles --------------------------------------------------------------------------------------------

  function listProfiles(): Answer {
    const list = seed.profiles
      .filter((p) => !o.region || p.region === o.region)
      .map((p) => ({
        profileId: rawInt(p.profileId),
        countryCode: p.countryCode,
        currencyCode: p.currencyCode,
        timezone: p.timezone,
        accountInfo: {
          marketplaceStringId: p.marketplaceStringId,
          id: p.accountId,
          type: p.accountType,
          name: p.name,
          validPaymentMethod: true,
        },
      }));
    return json(200, list);
  }

  // ---- Marketing Stream subscriptions v1 ------------------------------------------------------------------

  const wireSub = (s: EmulatedSubscription) => ({
    subscriptionId: s.subscriptionId,
    dataSetId: s.dataSetId,
    status: s.status,
    createdDate: s.createdDate,
    updatedDate: s.updatedDate,
    ...(s.destinationArn ? { destinationArn: s.destinationArn } : {}),
    ...(s.destination ? { destination: s.destination } : {}),
    ...(s.notes ? { notes: s.notes } : {}),
  });

  function streams(c: Ctx, profile: SeedProfile, ct: string): Answer {
    const path = c.url.pathname;
    const method = c.req.method ?? 'GET';
    const bad = (message: string) => versioned(400, 'BAD_REQUEST', message, ct);
    if (path === '/streams/subscriptions' && method === 'POST') {
      const b = parseBody(c.body);
      if (!b) return bad('body must be a JSON object');
      const token = b['clientRequestToken'];
      if (typeof token !== 'string' || token.length < 22 || token.length > 36)
        return bad('clientRequestToken is required, 22-36 characters');
      const dataSetId = b['dataSetId'];
      if (typeof dataSetId !== 'string' || dataSetId.length === 0) return bad('dataSetId is required');
      const destinationArn = typeof b['destinationArn'] === 'string' ? (b['destinationArn'] as string) : undefined;
      const destination =
        typeof b['destination'] === 'object' && b['destination'] !== null
          ? (b['destination'] as Record<string, unknown>)
          : undefined;
      if (!destinationArn === !destination) return bad('exactly one of destinationArn and destination is required');
      if (destinationArn !== undefined && (destinationArn.length < 20 || destinationArn.length > 2048))
        return bad('destinationArn must be 20-2048 characters');
      const notes = typeof b['notes'] === 'string' ? (b['notes'] as string) : undefined;
      if (notes !== undefined && notes.length > 128) return bad('notes must be at most 128 characters');
      const target = destinationArn ?? JSON.stringify(destination);
      const same = subs.find((s) => s.clientRequestToken === token);
      if (same) {
        // idempotent: the same token and request give the same subscription
        if (
          same.profileId === profile.profileId &&
          same.dataSetId === dataSetId &&
          (same.destinationArn ?? JSON.stringify(same.destination)) === target
        ) {
          return json(200, { subscriptionId: same.subscriptionId, clientRequestToken: token }, ct);
        }
        return versioned(409, 'OperationConflict', 'clientRequestToken was used for a different request', ct);
      }
      const live = subs.filter(
        (s) => s.profileId === profile.profileId && s.dataSetId === dataSetId && s.status !== 'ARCHIVED',
      );
      if (live.some((s) => (s.destinationArn ?? JSON.stringify(s.destination)) === target))
        return versioned(409, 'OperationConflict', 'a subscription for this dataset and destination exists', ct);
      if (live.length >= 2)
        return versioned(409, 'OperationConflict', 'at most 2 subscriptions per profile and dataset', ct);
      const now = new Date().toISOString();
      const s: EmulatedSubscription = {
        subscriptionId: `amzn1.fead.cs1.${randomBytes(12).toString('hex')}`,
        profileId: profile.profileId,
        clientRequestToken: token,
        dataSetId,
        destinationArn,
        destination,
        notes,
        status: o.initialSubscriptionStatus ?? 'PENDING_CONFIRMATION',
        createdDate: now,
        updatedDate: now,
      };
      subs.push(s);
      return json(200, { subscriptionId: s.subscriptionId, clientRequestToken: token }, ct);
    }
    if (path === '/streams/subscriptions' && method === 'GET') {
      const max = Number(c.url.searchParams.get('maxResults') ?? 5000);
      if (!Number.isInteger(max) || max < 1 || max > 5000) return bad('maxResults must be 1-5000');
      const start = decodeToken(c.url.searchParams.get('startingToken'));
      if (start === undefined) return bad('invalid startingToken');
      const mine = subs.filter((s) => s.profileId === profile.profileId);
      const page = mine.slice(start, start + max);
      const next = start + max < mine.length ? encodeToken(start + max) : undefined;
      return json(200, { subscriptions: page.map(wireSub), ...(next ? { nextToken: next } : {}) }, ct);
    }
    const m = /^\/streams\/subscriptions\/([^/]+)$/.exec(path);
    if (m) {
      const s = subs.find((x) => x.subscriptionId === decodeURIComponent(m[1]) && x.profileId === profile.profileId);
      if (!s) return versioned(404, 'NOT_FOUND', 'subscription not found', ct);
      if (method === 'GET') return json(200, { subscription: wireSub(s) }, ct);
      if (method === 'PUT') {
        const b = parseBody(c.body);
        if (!b) return bad('body must be a JSON object');
        if (b['status'] !== undefined && b['status'] !== 'ARCHIVED') return bad('status can only be set to ARCHIVED');
        if (b['notes'] !== undefined && (typeof b['notes'] !== 'string' || (b['notes'] as string).length > 128))
          return bad('notes must be a string of at most 128 characters');
        if (b['status'] === 'ARCHIVED') s.status = 'ARCHIVED';
        if (typeof b['notes'] === 'string') s.notes = b['notes'] as string;
        s.updatedDate = new Date().toISOString();
        return { status: 200, contentType: ct };
      }
    }
    return versioned(404, 'NOT_FOUND', `no such operation ${method} ${path}`, ct);
  }

  // ---- entity lists ----------------------------------------------------------------------------------------

  /**
   * An entity as its product's list serves it (and as an SP/SB v4 207 returns it with
   * `Prefer: return=representation`). `effectiveBudget` / `ruleBasedBudget` appear only when set.
   */
  function wire(
    adProduct: EmulatedAdProduct,
    entityType: EmulatedEntityType,
    e: SeedCampaign | SeedAdGroup | SeedKeyword | SeedTarget,
  ): unknown {
    const key = `${adProduct}:${entityType}`;
    if (key === 'SP:campaign') {
      const x = e as SeedCampaign;
      return {
        campaignId: x.campaignId,
        name: x.name,
        state: x.state,
        targetingType: 'MANUAL',
        startDate: x.startDate,
        budget: {
          budget: x.budget,
          budgetType: 'DAILY',
          ...(x.effectiveBudget !== undefined ? { effectiveBudget: x.effectiveBudget } : {}),
        },
        ...(x.portfolioId ? { portfolioId: x.portfolioId } : {}),
        dynamicBidding: {
          strategy: 'LEGACY_FOR_SALES',
          placementBidding: [{ placement: 'PLACEMENT_TOP', percentage: 25 }],
        },
        tags: { emulator: 'ams-sentinel' },
      };
    }
    if (key === 'SP:ad_group') {
      const x = e as SeedAdGroup;
      return {
        adGroupId: x.adGroupId,
        campaignId: x.campaignId,
        name: x.name,
        state: x.state,
        defaultBid: x.defaultBid,
      };
    }
    if (key === 'SP:keyword') {
      const x = e as SeedKeyword;
      return {
        keywordId: x.keywordId,
        adGroupId: x.adGroupId,
        campaignId: x.campaignId,
        keywordText: x.keywordText,
        matchType: x.matchType,
        state: x.state,
        bid: x.bid,
      };
    }
    if (key === 'SP:target') {
      const x = e as SeedTarget;
      return {
        targetId: x.targetId,
        adGroupId: x.adGroupId,
        campaignId: x.campaignId,
        expression: [{ type: 'ASIN_SAME_AS', value: x.expression }],
        expressionType: 'MANUAL',
        state: x.state,
        bid: x.bid,
      };
    }
    if (key === 'SB:campaign') {
      const x = e as SeedCampaign;
      return {
        campaignId: x.campaignId,
        name: x.name,
        state: x.state,
        budget: x.budget,
        budgetType: 'DAILY',
        startDate: x.startDate,
        ...(x.portfolioId ? { portfolioId: x.portfolioId } : {}),
        isMultiAdGroupsEnabled: true,
        ...(x.ruleBasedBudget ? { ruleBasedBudget: x.ruleBasedBudget } : {}),
      };
    }
    if (key === 'SB:ad_group') {
      const x = e as SeedAdGroup;
      return { adGroupId: x.adGroupId, campaignId: x.campaignId, name: x.name, state: x.state };
    }
    if (key === 'SD:campaign') {
      const x = e as SeedCampaign;
      return {
        campaignId: rawInt(x.campaignId),
        name: x.name,
        tactic: 'T00020',
        state: x.state.toLowerCase(),
        budget: x.budget,
        budgetType: 'daily',
        startDate: x.startDate.replace(/-/g, ''),
        costType: 'cpc',
        ...(x.portfolioId ? { portfolioId: rawInt(x.portfolioId) } : {}),
        ...(x.ruleBasedBudget ? { ruleBasedBudget: x.ruleBasedBudget } : {}),
      };
    }
    throw new Error(`no wire shape for ${key}`);
  }

  /** `PUT` of an update call (ADS-API §3): media types, then the product's validation and answer (writes.ts). */
  function write(c: Ctx, profile: SeedProfile, path: string, itemFault: ItemFault | undefined): Answer {
    const route = WRITE_ROUTES[path];
    const ct = header(c.req, 'content-type')?.split(';')[0].trim();
    if (!ct || ct !== route.contentType)
      return versioned(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${route.contentType}`);
    const accept = header(c.req, 'accept');
    if (accept && accept !== '*/*' && !accept.split(',').some((a) => a.split(';')[0].trim() === route.answerType))
      return versioned(406, 'NOT_ACCEPTABLE', `Accept must be ${route.answerType}`);
    let body: unknown;
    try {
      body = parseLossless(c.body);
    } catch {
      body = undefined;
    }
    const a = applyWrite({
      profile,
      route,
      body,
      prefer: /return=representation/i.test(header(c.req, 'prefer') ?? ''),
      itemFault,
      requestId: c.requestId,
      record: (r) => changes.push({ ...r, at: Date.now(), profileId: profile.profileId, source: 'api' }),
      wire,
    });
    if (a.error)
      return route.shape === 'sp'
        ? versioned(400, a.error.code, a.error.message, a.contentType)
        : generic(400, a.error.code, a.error.message);
    return json(a.status, a.value, a.contentType);
  }

  function spList(
    c: Ctx,
    profile: SeedProfile,
    entity: 'campaigns' | 'adGroups' | 'keywords' | 'targetingClauses',
    ct: string,
  ): Answer {
    const b = parseBody(c.body || '{}');
    if (!b) return versioned(400, 'INVALID_ARGUMENT', 'body must be a JSON object', ct);
    const max = b['maxResults'] === undefined ? spDefault : b['maxResults'];
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > spMax)
      return versioned(400, 'INVALID_ARGUMENT', `maxResults must be 1-${spMax}`, ct);
    const start = decodeToken((b['nextToken'] as string | undefined) ?? null);
    if (start === undefined) return versioned(400, 'INVALID_ARGUMENT', 'invalid nextToken', ct);
    const include = (k: string) => (b[k] as { include?: string[] } | undefined)?.include ?? undefined;
    const states = include('stateFilter');
    const campaignIds = include('campaignIdFilter');
    const adGroupIds = include('adGroupIdFilter');
    const keywordIds = include('keywordIdFilter');
    const targetIds = include('targetIdFilter');
    const keep = (x: {
      state: string;
      campaignId: string;
      adGroupId?: string;
      keywordId?: string;
      targetId?: string;
    }) =>
      (!states || states.includes(x.state)) &&
      (!campaignIds || campaignIds.includes(x.campaignId)) &&
      (!adGroupIds || (x.adGroupId !== undefined && adGroupIds.includes(x.adGroupId))) &&
      (!keywordIds || (x.keywordId !== undefined && keywordIds.includes(x.keywordId))) &&
      (!targetIds || (x.targetId !== undefined && targetIds.includes(x.targetId)));
    let all: unknown[];
    if (entity === 'campaigns') {
      all = profile.campaigns.filter((x) => x.adProduct === 'sp' && keep(x)).map((x) => wire('SP', 'campaign', x));
    } else if (entity === 'adGroups') {
      const sp = new Set(profile.campaigns.filter((x) => x.adProduct === 'sp').map((x) => x.campaignId));
      all = profile.adGroups.filter((x) => sp.has(x.campaignId) && keep(x)).map((x) => wire('SP', 'ad_group', x));
    } else if (entity === 'keywords') {
      const sp = new Set(profile.campaigns.filter((x) => x.adProduct === 'sp').map((x) => x.campaignId));
      all = profile.keywords.filter((x) => sp.has(x.campaignId) && keep(x)).map((x) => wire('SP', 'keyword', x));
    } else {
      const sp = new Set(profile.campaigns.filter((x) => x.adProduct === 'sp').map((x) => x.campaignId));
      all = profile.targets.filter((x) => sp.has(x.campaignId) && keep(x)).map((x) => wire('SP', 'target', x));
    }
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? encodeToken(start + max) : undefined;
    return json(200, { [entity]: page, totalResults: all.length, ...(next ? { nextToken: next } : {}) }, ct);
  }

  function sbList(c: Ctx, profile: SeedProfile, ct: string): Answer {
    const b = parseBody(c.body || '{}');
    if (!b) return versioned(400, 'INVALID_ARGUMENT', 'body must be a JSON object', ct);
    const max = b['maxResults'] ?? 100;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100)
      return versioned(400, 'INVALID_ARGUMENT', 'maxResults must be 1-100', ct);
    const start = decodeToken((b['nextToken'] as string | undefined) ?? null);
    if (start === undefined) return versioned(400, 'INVALID_ARGUMENT', 'invalid nextToken', ct);
    const states = (b['stateFilter'] as { include?: string[] } | undefined)?.include;
    const ids = (b['campaignIdFilter'] as { include?: string[] } | undefined)?.include;
    const all = profile.campaigns
      .filter(
        (x) => x.adProduct === 'sb' && (!states || states.includes(x.state)) && (!ids || ids.includes(x.campaignId)),
      )
      .map((x) => wire('SB', 'campaign', x));
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? encodeToken(start + max) : undefined;
    return json(200, { campaigns: page, totalResults: all.length, ...(next ? { nextToken: next } : {}) }, ct);
  }

  function sdList(c: Ctx, profile: SeedProfile): Answer {
    const startIndex = Number(c.url.searchParams.get('startIndex') ?? 0);
    const count = Number(c.url.searchParams.get('count') ?? 100);
    if (!Number.isInteger(startIndex) || startIndex < 0 || !Number.isInteger(count) || count < 1 || count > 100)
      return generic(400, 'INVALID_ARGUMENT', 'startIndex >= 0 and count 1-100');
    const states = c.url.searchParams.get('stateFilter')?.split(',');
    const ids = c.url.searchParams.get('campaignIdFilter')?.split(',');
    const all = profile.campaigns
      .filter(
        (x) =>
          x.adProduct === 'sd' &&
          (!states || states.includes(x.state.toLowerCase())) &&
          (!ids || ids.includes(x.campaignId)),
      )
      .map((x) => wire('SD', 'campaign', x));
    return json(200, all.slice(startIndex, startIndex + count));
  }

  /** `startIndex`/`count` of an offset-paged v3 list, or the 400 Amazon gives */
  function offsetOf(c: Ctx, maxCount: number): { startIndex: number; count: number } | Answer {
    const startIndex = Number(c.url.searchParams.get('startIndex') ?? 0);
    const count = Number(c.url.searchParams.get('count') ?? Math.min(100, maxCount));
    if (!Number.isInteger(startIndex) || startIndex < 0 || !Number.isInteger(count) || count < 1 || count > maxCount)
      return generic(400, 'INVALID_ARGUMENT', `startIndex >= 0 and count 1-${maxCount}`);
    return { startIndex, count };
  }

  /** the comma-list filters of the v3 GET lists (`stateFilter`, `campaignIdFilter`, `adGroupIdFilter`) */
  function queryFilter(c: Ctx) {
    const list = (k: string) => c.url.searchParams.get(k)?.split(',');
    const states = list('stateFilter');
    const campaignIds = list('campaignIdFilter');
    const adGroupIds = list('adGroupIdFilter');
    const keywordIds = list('keywordIdFilter');
    const targetIds = list('targetIdFilter');
    return (x: { state: string; campaignId: string; adGroupId: string; keywordId?: string; targetId?: string }) =>
      (!states || states.includes(x.state.toLowerCase())) &&
      (!campaignIds || campaignIds.includes(x.campaignId)) &&
      (!adGroupIds || adGroupIds.includes(x.adGroupId)) &&
      (!keywordIds || (x.keywordId !== undefined && keywordIds.includes(x.keywordId))) &&
      (!targetIds || (x.targetId !== undefined && targetIds.includes(x.targetId)));
  }

  const campaignsOf = (profile: SeedProfile, adProduct: 'sb' | 'sd') =>
    new Set(profile.campaigns.filter((x) => x.adProduct === adProduct).map((x) => x.campaignId));

  /** `POST /sb/v4/adGroups/list`: the ad groups of SB campaigns, string ids, token paging (`maxResults` 1–100). */
  function sbAdGroupList(c: Ctx, profile: SeedProfile, ct: string): Answer {
    const b = parseBody(c.body || '{}');
    if (!b) return versioned(400, 'INVALID_ARGUMENT', 'body must be a JSON object', ct);
    const max = b['maxResults'] ?? 100;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100)
      return versioned(400, 'INVALID_ARGUMENT', 'maxResults must be 1-100', ct);
    const start = decodeToken((b['nextToken'] as string | undefined) ?? null);
    if (start === undefined) return versioned(400, 'INVALID_ARGUMENT', 'invalid nextToken', ct);
    const states = (b['stateFilter'] as { include?: string[] } | undefined)?.include;
    const campaignIds = (b['campaignIdFilter'] as { include?: string[] } | undefined)?.include;
    const adGroupIds = (b['adGroupIdFilter'] as { include?: string[] } | undefined)?.include;
    const sb = campaignsOf(profile, 'sb');
    const all = profile.adGroups
      .filter(
        (x) =>
          sb.has(x.campaignId) &&
          (!states || states.includes(x.state)) &&
          (!campaignIds || campaignIds.includes(x.campaignId)) &&
          (!adGroupIds || adGroupIds.includes(x.adGroupId)),
      )
      .map((x) => wire('SB', 'ad_group', x));
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? encodeToken(start + max) : undefined;
    return json(200, { adGroups: page, totalResults: all.length, ...(next ? { nextToken: next } : {}) }, ct);
  }

  /** `GET /sb/keywords` (v3): a bare array of the keywords of SB campaigns, int64 number ids, `count` 1–5000. */
  function sbKeywordList(c: Ctx, profile: SeedProfile, ct: string): Answer {
    const paging = offsetOf(c, 5000);
    if ('status' in paging) return paging;
    const keep = queryFilter(c);
    const sb = campaignsOf(profile, 'sb');
    const all = profile.keywords
      .filter((x) => sb.has(x.campaignId) && keep(x))
      .map((x) => ({
        keywordId: rawInt(x.keywordId),
        adGroupId: rawInt(x.adGroupId),
        campaignId: rawInt(x.campaignId),
        keywordText: x.keywordText,
        matchType: x.matchType.toLowerCase(),
        state: x.state.toLowerCase(),
        bid: x.bid,
      }));
    return json(200, all.slice(paging.startIndex, paging.startIndex + paging.count), ct);
  }

  /**
   * `POST /sb/targets/list` (v3): the product targets of SB campaigns, int64 number ids, token paging
   * (`maxResults` 1–5000), `filters` of type CAMPAIGN_ID, AD_GROUP_ID and TARGETING_STATE.
   */
  function sbTargetList(c: Ctx, profile: SeedProfile, ct: string): Answer {
    const b = parseBody(c.body || '{}');
    if (!b) return versioned(400, 'INVALID_ARGUMENT', 'body must be a JSON object', ct);
    const max = b['maxResults'] ?? 100;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 5000)
      return versioned(400, 'INVALID_ARGUMENT', 'maxResults must be 1-5000', ct);
    const start = decodeToken((b['nextToken'] as string | undefined) ?? null);
    if (start === undefined) return versioned(400, 'INVALID_ARGUMENT', 'invalid nextToken', ct);
    const filters = (b['filters'] ?? []) as Array<{ filterType?: unknown; values?: unknown }>;
    if (!Array.isArray(filters)) return versioned(400, 'INVALID_ARGUMENT', 'filters must be an array', ct);
    const fields: Record<string, 'campaignId' | 'adGroupId' | 'state'> = {
      CAMPAIGN_ID: 'campaignId',
      AD_GROUP_ID: 'adGroupId',
      TARGETING_STATE: 'state',
    };
    for (const f of filters)
      if (typeof f.filterType !== 'string' || !fields[f.filterType] || !Array.isArray(f.values))
        return versioned(400, 'INVALID_ARGUMENT', `unsupported filter ${JSON.stringify(f)}`, ct);
    const sb = campaignsOf(profile, 'sb');
    const all = profile.targets
      .filter(
        (x) =>
          sb.has(x.campaignId) &&
          filters.every((f) => {
            const field = fields[f.filterType as string];
            const v = field === 'state' ? x.state.toLowerCase() : x[field];
            return (f.values as unknown[]).map((y) => String(y).toLowerCase()).includes(v.toLowerCase());
          }),
      )
      .map((x) => ({
        targetId: rawInt(x.targetId),
        adGroupId: rawInt(x.adGroupId),
        campaignId: rawInt(x.campaignId),
        expressions: [{ type: 'asinSameAs', value: x.expression }],
        state: x.state.toLowerCase(),
        bid: x.bid,
      }));
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? encodeToken(start + max) : undefined;
    return json(200, { targets: page, ...(next ? { nextToken: next } : {}) }, ct);
  }

  /** `GET /sd/adGroups`: a bare array of the ad groups of SD campaigns, int64 number ids, lowercase states. */
  function sdAdGroupList(c: Ctx, profile: SeedProfile): Answer {
    const paging = offsetOf(c, 100);
    if ('status' in paging) return paging;
    const keep = queryFilter(c);
    const sd = campaignsOf(profile, 'sd');
    const all = profile.adGroups
      .filter((x) => sd.has(x.campaignId) && keep(x))
      .map((x) => ({
        adGroupId: rawInt(x.adGroupId),
        campaignId: rawInt(x.campaignId),
        name: x.name,
        state: x.state.toLowerCase(),
        defaultBid: x.defaultBid,
        bidOptimization: 'clicks',
        tactic: 'T00030',
      }));
    return json(200, all.slice(paging.startIndex, paging.startIndex + paging.count));
  }

  /**
   * `GET /sd/targets`: a bare array of the targets of SD campaigns, int64 number ids. The seed's expression text
   * `type=value` (e.g. `views=(exact-product lookback=30)`) goes out as one predicate `{type, value}`.
   */
  function sdTargetList(c: Ctx, profile: SeedProfile): Answer {
    const paging = offsetOf(c, 100);
    if ('status' in paging) return paging;
    const keep = queryFilter(c);
    const sd = campaignsOf(profile, 'sd');
    const all = profile.targets
      .filter((x) => sd.has(x.campaignId) && keep(x))
      .map((x) => {
        const eq = x.expression.indexOf('=');
        const predicate =
          eq > 0 ? { type: x.expression.slice(0, eq), value: x.expression.slice(eq + 1) } : { type: x.expression };
        return {
          targetId: rawInt(x.targetId),
          adGroupId: rawInt(x.adGroupId),
          campaignId: rawInt(x.campaignId),
          expressionType: 'manual',
          expression: [predicate],
          resolvedExpression: [predicate],
          state: x.state.toLowerCase(),
          bid: x.bid,
        };
      });
    return json(200, all.slice(paging.startIndex, paging.startIndex + paging.count));
  }

  // ---- routing ---------------------------------------------------------------------------------------------

  function routeOf(path: string): EmulatorRoute | 'unknown' {
    if (path === '/auth/o2/token') return 'token';
    if (path === '/v2/profiles') return 'profiles';
    if (path.startsWith('/streams/subscriptions')) return 'streams';
    if (path.startsWith('/sp/')) return 'sp';
    if (path.startsWith('/sb/')) return 'sb';
    if (path.startsWith('/sd/')) return 'sd';
    return 'unknown';
  }

  /**
   * The control over HTTP, for an emulator in another process (the CLI): the same operations as `control`.
   * Under /__emulator/, a prefix no Amazon path has.
   */
  function controlAnswer(c: Ctx): Answer {
    const path = c.url.pathname.slice('/__emulator'.length);
    const method = c.req.method ?? 'GET';
    const b = parseBody(c.body || '{}') ?? {};
    try {
      if (method === 'GET' && path === '/requests') return json(200, requests);
      if (method === 'GET' && path === '/subscriptions')
        return json(200, control.subscriptions(c.url.searchParams.get('profileId') ?? undefined));
      if (method === 'GET' && path === '/token-grants') return json(200, { tokenGrants: grants });
      if (method === 'GET' && path === '/changes') return json(200, changes);
      if (method === 'POST' && path === '/entities') {
        const { adProduct, entityType, entityId: id, ...edit } = b as Record<string, unknown>;
        control.setEntity(
          String(adProduct).toUpperCase() as EmulatedAdProduct,
          entityType as EmulatedEntityType,
          String(id),
          edit as OutsideEdit,
        );
        return { status: 204 };
      }
      if (method === 'POST' && path === '/faults') {
        control.injectFault(b as unknown as FaultSpec);
        return { status: 204 };
      }
      const status = /^\/subscriptions\/([^/]+)\/status$/.exec(path);
      if (method === 'POST' && status) {
        if (!(SUBSCRIPTION_STATUSES as readonly string[]).includes(String(b['status'])))
          return json(400, { message: `status must be one of ${SUBSCRIPTION_STATUSES.join(', ')}` });
        control.setSubscriptionStatus(decodeURIComponent(status[1]), b['status'] as SubscriptionStatus);
        return { status: 204 };
      }
      if (method === 'POST' && path === '/expire-tokens') {
        control.expireAccessTokens();
        return { status: 204 };
      }
      if (method === 'POST' && path === '/revoke') {
        control.revokeRefreshToken(String(b['refreshToken'] ?? ''));
        return { status: 204 };
      }
      if (method === 'POST' && path === '/reset') {
        control.reset();
        return { status: 204 };
      }
    } catch (err) {
      return json(404, { message: (err as Error).message });
    }
    return json(404, { message: `no control ${method} ${path}` });
  }

  function answer(c: Ctx, route: EmulatorRoute | 'unknown', fault: FaultAction | undefined): Answer {
    const method = c.req.method ?? 'GET';
    if (route === 'token') return method === 'POST' ? token(c) : json(405, { error: 'invalid_request' });
    if (route === 'unknown') return generic(404, 'NOT_FOUND', `no such resource ${c.url.pathname}`);
    const auth = authorize(c, route !== 'profiles');
    if (auth.refusal) return auth.refusal;
    if (fault?.kind === 'unauthorized') return generic(401, 'UNAUTHORIZED', 'Authentication failed');
    const profile = auth.profile as SeedProfile;
    const path = c.url.pathname;
    if (route === 'profiles')
      return method === 'GET'
        ? (mediaType(c, ['application/json']) ?? listProfiles())
        : generic(405, 'METHOD_NOT_ALLOWED', method);
    if (route === 'streams') {
      const refused = mediaType(c, streamTypes);
      if (refused) return refused;
      const ct = header(c.req, 'accept')?.split(',')[0].trim() || streamTypes[0];
      return streams(c, profile, ct === '*/*' ? streamTypes[0] : ct);
    }
    const spRoutes: Record<string, ['campaigns' | 'adGroups' | 'keywords' | 'targetingClauses', string]> = {
      '/sp/campaigns/list': ['campaigns', 'application/vnd.spCampaign.v3+json'],
      '/sp/adGroups/list': ['adGroups', 'application/vnd.spAdGroup.v3+json'],
      '/sp/keywords/list': ['keywords', 'application/vnd.spKeyword.v3+json'],
      '/sp/targets/list': ['targetingClauses', 'application/vnd.spTargetingClause.v3+json'],
    };
    if (method === 'PUT' && WRITE_ROUTES[path])
      return write(
        c,
        profile,
        path,
        fault?.kind === 'item-error' || fault?.kind === 'item-throttled' ? fault : undefined,
      );
    const sp = spRoutes[path];
    if (sp && method === 'POST') return mediaType(c, [sp[1]]) ?? spList(c, profile, sp[0], sp[1]);
    if (path === '/sb/v4/campaigns/list' && method === 'POST') {
      const t = 'application/vnd.sbcampaignresource.v4+json';
      return mediaType(c, [t]) ?? sbList(c, profile, t);
    }
    if (path === '/sb/v4/adGroups/list' && method === 'POST') {
      const t = 'application/vnd.sbadgroupresource.v4+json';
      return mediaType(c, [t]) ?? sbAdGroupList(c, profile, t);
    }
    if (path === '/sb/keywords' && method === 'GET') {
      const t = 'application/vnd.sbkeyword.v3.2+json';
      return mediaType(c, [t]) ?? sbKeywordList(c, profile, t);
    }
    if (path === '/sb/targets/list' && method === 'POST')
      return mediaType(c, ['application/json']) ?? sbTargetList(c, profile, 'application/json');
    if (path === '/sd/campaigns' && method === 'GET') return mediaType(c, ['application/json']) ?? sdList(c, profile);
    if (path === '/sd/adGroups' && method === 'GET')
      return mediaType(c, ['application/json']) ?? sdAdGroupList(c, profile);
    if (path === '/sd/targets' && method === 'GET')
      return mediaType(c, ['application/json']) ?? sdTargetList(c, profile);
    return generic(404, 'NOT_FOUND', `no such resource ${method} ${path}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const body = await readBody(req);
    const requestId = randomUUID().toUpperCase();
    if (url.pathname.startsWith('/__emulator/')) {
      const a = controlAnswer({ req, url, body, requestId });
      res.writeHead(a.status, a.body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(a.body ?? '');
      return;
    }
    const route = routeOf(url.pathname);
    const method = req.method ?? 'GET';
    const c: Ctx = { req, url, body, requestId };
    const fault = route === 'unknown' ? undefined : faults.take(route, method);
    let a: Answer;
    if (fault?.kind === 'status')
      a = {
        status: fault.status,
        body: fault.body,
        headers: fault.headers,
        contentType: fault.body?.trim().startsWith('<') ? 'text/html' : 'application/json',
      };
    else a = answer(c, route, fault);
    if (fault?.kind === 'malformed' && a.status >= 200 && a.status < 300) {
      a = {
        ...a,
        body: spoil(a.body ?? '{}', fault),
        contentType: fault.body === 'html' ? 'text/html' : a.contentType,
      };
    }
    requests.push({
      at,
      method,
      path: url.pathname + url.search,
      route,
      status: a.status,
      clientId: header(req, 'amazon-advertising-api-clientid'),
      scope: header(req, 'amazon-advertising-api-scope'),
      contentType: header(req, 'content-type'),
      accept: header(req, 'accept'),
      requestId,
      body: route === 'token' ? `grant_type=${new URLSearchParams(body).get('grant_type') ?? ''}` : body || undefined,
    });
    if (fault?.kind === 'delay') await delay(fault.ms);
    if (res.destroyed) return;
    const headers: Record<string, string> = { 'x-amzn-RequestId': requestId, ...(a.headers ?? {}) };
    if (a.body !== undefined) headers['content-type'] = a.contentType ?? 'application/json';
    if (a.status === 429 && !headers['x-amzn-ErrorType']) headers['x-amzn-ErrorType'] = 'ThrottlingException';
    res.writeHead(a.status, headers);
    res.end(a.body ?? '');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'INTERNAL_ERROR', details: err.message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.host ?? '127.0.0.1'}:${port}`;

  const control: AdsEmulatorControl = {
    requests,
    requestsTo: (route, method) => requests.filter((r) => r.route === route && (!method || r.method === method)),
    get tokenGrants() {
      return grants;
    },
    injectFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    expireAccessTokens: () => {
      for (const k of tokens.keys()) tokens.set(k, 0);
    },
    revokeRefreshToken: (t) => revoked.add(t),
    setAccessTokenLifetime: (s) => (lifetime = s),
    setStreamMediaTypes: (t) => (streamTypes = t),
    setSubscriptionStatus: (id, status) => {
      const s = subs.find((x) => x.subscriptionId === id);
      if (!s) throw new Error(`no subscription ${id}`);
      s.status = status;
      s.updatedDate = new Date().toISOString();
    },
    subscriptions: (profileId) => subs.filter((s) => !profileId || s.profileId === profileId).map((s) => ({ ...s })),
    changes: () => changes.map((x) => ({ ...x })),
    setEntity: (adProduct, entityType, id, edit) => {
      const product = adProduct.toUpperCase() as EmulatedAdProduct;
      const found = findEntity(profiles.values(), product, entityType, id);
      if (!found) throw new Error(`no ${product} ${entityType} ${id}`);
      const at = Date.now();
      for (const ch of editEntity(product, found.entity, edit))
        changes.push({
          at,
          profileId: found.profile.profileId,
          adProduct: product,
          entityType,
          entityId: entityId(found.entity),
          ...ch,
          requestId: null,
          source: 'outside',
        });
    },
    seed,
    reset: () => {
      faults.clear();
      requests.length = 0;
      subs.length = 0;
      seedSubscriptions();
      revoked.clear();
      tokens.clear();
      grants = 0;
      seedEntities();
      changes.length = 0;
    },
  };

  return {
    url,
    tokenUrl: `${url}/auth/o2/token`,
    control,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const [t, release] of delays) {
          clearTimeout(t);
          release();
        }
        delays.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Paging tokens are opaque to the client: a base64url offset. */
function encodeToken(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeToken(token: string | null): number | undefined {
  if (token === null || token === '') return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

/**
 * The connector's environment for this emulator and its seed's test client (`ADS_API_CLIENT_ID`, `…_SECRET`,
 * `…_REFRESH_TOKEN`, `ADS_API_ENDPOINT`, `ADS_LWA_ENDPOINT`): what every spec, bench and the launcher point it with.
 */
export function connectorEnvFor(
  emu: Pick<AdsEmulator, 'url' | 'tokenUrl'>,
  seed?: EmulatorSeed,
): Record<string, string> {
  return {
    ADS_API_CLIENT_ID: seed?.clientId ?? DEFAULT_CLIENT_ID,
    ADS_API_CLIENT_SECRET: seed?.clientSecret ?? DEFAULT_CLIENT_SECRET,
    ADS_API_REFRESH_TOKEN: seed?.refreshTokens[0] ?? DEFAULT_REFRESH_TOKEN,
    ADS_API_ENDPOINT: emu.url,
    ADS_LWA_ENDPOINT: emu.tokenUrl,
  };
}
